/*
 * record.h - what capture hands to the collector: one raw sample.
 *
 * Records are fixed-size so that a ring slot holds one and a handler fills it
 * in place. Layout (x86-64, 576 bytes):
 *
 *   offset size  field
 *   0      2     kind      enum cprof__record_kind
 *   2      2     depth     number of valid pcs
 *   4      4     tid       kernel thread id of the sampled thread
 *   8      8     time_ns   CLOCK_MONOTONIC at capture (for the trace)
 *   16     16    value[2]  kind-specific (see enum cprof__record_kind)
 *   32     8     labels    the thread's immutable label set, or NULL
 *   40     4     flags     CPROF_RECORD_TRUNCATED, ...
 *   44     4     (pad)
 *   48     512   pc[64]    pc[0] the interrupted pc, then return addresses
 */
#ifndef CPROF_SRC_CAPTURE_RECORD_H
#define CPROF_SRC_CAPTURE_RECORD_H

#include <stdint.h>

#include "capture/unwind.h"

enum cprof__record_kind {
	CPROF_RECORD_NONE = 0,
	CPROF_RECORD_CPU,   /* value[0]: timer periods */
	CPROF_RECORD_ALLOC, /* value[0]: size, value[1]: address */
	CPROF_RECORD_FREE,  /* value[1]: address; no stack */
	CPROF_RECORD_THREAD_CREATE, /* value[0]: 1; the creator's stack */
	/* value[0]: 1, value[1]: the delay waiters suffered (ns); the stack
	 * of the unlock that ended it */
	CPROF_RECORD_MUTEX,
	/* value[0]: contentions x CPROF_BLOCK_COUNT_SCALE, value[1]: delay
	 * (ns), both unsampled; the waiter's stack */
	CPROF_RECORD_BLOCK,
};

#define CPROF_RECORD_TRUNCATED 0x1u /* the walk did not reach the root */
/* pc[0] is a return address too (a hook's stack), not an interrupted pc. */
#define CPROF_RECORD_RETURN_ADDRESSES 0x2u

struct cprof__record {
	uint16_t kind;
	uint16_t depth;
	uint32_t tid;
	int64_t time_ns;
	int64_t value[2];
	const void *labels;
	uint32_t flags;
	uint32_t pad;
	uintptr_t pc[CPROF_MAX_FRAMES];
};

#endif
