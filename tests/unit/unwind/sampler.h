/*
 * sampler.h - a test-only CPU sampler that runs the CFI walker and, as
 * ground truth, libunwind on the same signal context.
 *
 * Each participating thread arms its own CPU-time timer (sampler_thread_on);
 * the SIGPROF handler walks the interrupted stack with
 * cprof__cfi_unwind_as and with libunwind's unw_init_local2 +
 * unw_step, storing both into preallocated memory. libunwind is not
 * async-signal-safe (it takes the loader lock): tests keep samples away
 * from dlopen/dlclose, and it is never linked into the library.
 */
#ifndef CPROF_TESTS_UNIT_UNWIND_SAMPLER_H
#define CPROF_TESTS_UNIT_UNWIND_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/unwind.h"

#define SAMPLER_MAX_FRAMES 128
#define SAMPLER_MAX_SAMPLES 4096

struct sampler_sample {
	int n, nlu;
	enum cprof__unwind_end end;
	int tag; /* the workload running when the sample was taken */
	uintptr_t pcs[SAMPLER_MAX_FRAMES];
	uintptr_t lu[SAMPLER_MAX_FRAMES];
};

/* Installs the handler; frames is the walker's max (<= SAMPLER_MAX_FRAMES),
 * with_libunwind adds the ground truth. */
void sampler_init(int frames, bool with_libunwind);
/* Arms / disarms the calling thread's CPU timer at about hz. */
void sampler_thread_on(int hz);
void sampler_thread_off(void);
/* Sets the calling thread's stack bounds for the walker (done by
 * sampler_thread_on). */
void sampler_thread_bounds(struct cprof__stack_bounds *out);
/* Labels the samples that follow. */
void sampler_set_tag(int tag);
/* Samples so far; reset forgets them. */
int sampler_count(void);
struct sampler_sample *sampler_get(int i);
void sampler_reset(void);

/* Regs of a signal context (the test's own copy of the seam's helper). */
void sampler_regs_from_uc(struct cprof__regs *regs, const void *uc);

/* Symbol name of pc (dladdr), or "?" */
const char *sampler_sym(uintptr_t pc);
/* Does the walk contain a pc inside the function named name? Exported
 * functions only (the tests link with -rdynamic). */
bool sampler_has(const uintptr_t *pcs, int n, const char *name);
/* Prints a stack to stderr for diagnosis. */
void sampler_print(const char *what, const uintptr_t *pcs, int n);

#endif
