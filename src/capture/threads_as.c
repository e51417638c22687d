/*
 * threads_as.c - the handler's side of the thread registry: find the
 * calling thread's slot and its readable stack. Async-signal-safe: atomic
 * loads, a raw gettid, no locks.
 */
#include "capture/threads_tls.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "capture/stackmap.h"

__thread struct cprof__thread *cprof__tls_thread;

struct cprof__thread *cprof__thread_self_as(void)
{
	struct cprof__thread *t = cprof__tls_thread;
	_Atomic int32_t *index = cprof__threads_index;
	pid_t tid;
	uint32_t h;

	if (t != NULL || index == NULL)
		return t;
	tid = (pid_t)syscall(SYS_gettid);
	h = cprof__threads_hash(tid);
	for (uint32_t i = 0; i < CPROF_THREADS_INDEX_SIZE; i++) {
		int32_t slot = atomic_load_explicit(
			&index[(h + i) & (CPROF_THREADS_INDEX_SIZE - 1)],
			memory_order_acquire);

		if (slot == THREADS_INDEX_EMPTY)
			return NULL;
		if (slot < 0)
			continue;
		t = &cprof__threads_slots[slot];
		if (atomic_load_explicit(&t->tid, memory_order_relaxed) ==
			    tid &&
		    atomic_load_explicit(&t->state, memory_order_acquire) ==
			    CPROF_THREAD_LIVE) {
			cprof__tls_thread = t;
			return t;
		}
	}
	return NULL;
}

bool cprof__thread_stack_as(const struct cprof__thread *t, uintptr_t sp,
			    struct cprof__stack_bounds *out)
{
	if (t->stack_hi != 0 && sp >= t->stack_lo && sp < t->stack_hi) {
		out->lo = sp;
		out->hi = t->stack_hi;
		return true;
	}
	/* On an alternate signal stack: the thread's own range still, so
	 * the CFI walker, which finds the alternate stack by itself
	 * (sigaltstack(2)), can follow the signal frame back onto it. */
	if (t->stack_hi != 0) {
		out->lo = t->stack_lo;
		out->hi = t->stack_hi;
		return true;
	}
	/* Not born through our hook: bound the walk by the mapping that
	 * holds sp. */
	if (cprof__stackmap_find_as(sp, &out->lo, &out->hi)) {
		out->lo = sp;
		return true;
	}
	return false;
}
