/*
 * crumb_types.h - the breadcrumb a thread leaves in its registry slot while
 * it sits in a blocking call (the layout only; the API is crumb.h).
 *
 * Seqlock protocol. The owner thread writes; any thread may read.
 * - enter: write call, pc, sp, fp, start_ns (relaxed), then seq + 1 with a
 *   release store: seq is odd while the thread is inside the call.
 * - leave: seq + 1 (release): even again.
 * - a reader loads seq (acquire); odd means "in a call". It reads the
 *   fields, does what it needs with them (copies the stack above sp), then
 *   an acquire fence and seq again: the same odd value means the fields
 *   belong to one call and the thread was inside it the whole time, so the
 *   stack above sp did not change.
 * Plain stores, no read-modify-write: a pair costs about a nanosecond.
 */
#ifndef CPROF_SRC_CAPTURE_CRUMB_TYPES_H
#define CPROF_SRC_CAPTURE_CRUMB_TYPES_H

#include <stdatomic.h>
#include <stdint.h>

struct cprof__crumb {
	_Atomic uint32_t seq;  /* odd: inside a call; owner writes */
	uint32_t depth;        /* nested wrapped calls; owner thread only */
	_Atomic(const char *) call;  /* "epoll_wait": static string */
	_Atomic uintptr_t pc;  /* the caller's return address */
	_Atomic uintptr_t sp;  /* the caller's rsp after the call returns */
	_Atomic uintptr_t fp;  /* the caller's rbp */
	_Atomic int64_t start_ns; /* the published coarse clock at entry */
};

#endif
