/*
 * unwind_select.h - which walker cprof__unwind_as uses, and the walkers
 * themselves (for tests and benchmarks that compare them).
 */
#ifndef CPROF_SRC_CAPTURE_UNWIND_SELECT_H
#define CPROF_SRC_CAPTURE_UNWIND_SELECT_H

#include <stdatomic.h>

#include "base/config.h"
#include "capture/unwind.h"

/* enum cprof__unwinder; set at start from the configuration. */
extern _Atomic int cprof__unwinder_in_use;

int cprof__unwind_fp_as(const struct cprof__regs *regs,
			struct cprof__stack_bounds bounds, uintptr_t *pcs,
			int max, enum cprof__unwind_end *end);

#endif
