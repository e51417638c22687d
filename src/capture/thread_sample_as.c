/*
 * thread_sample_as.c - the handler's side of a one-shot thread sample
 * (see thread_sample.h). Async-signal-safe: atomic exchange, the walker,
 * a release store.
 */
#include "capture/thread_sample.h"

#include "capture/cpu_timer.h"

bool cprof__thread_sample_handle_as(const siginfo_t *si, void *uc)
{
	struct cprof__thread *t;
	struct cprof__thread_sample *req;
	struct cprof__regs regs;
	struct cprof__stack_bounds b;
	enum cprof__unwind_end end = CPROF_UNWIND_TRUNCATED;

	if (si->si_code != SI_TIMER ||
	    si->si_value.sival_int != CPROF_SAMPLE_COOKIE)
		return false;
	t = cprof__thread_self_as();
	if (t == NULL)
		return true;
	req = atomic_exchange_explicit(&t->sample_req, NULL,
				       memory_order_acquire);
	if (req == NULL)
		return true; /* late: the sampler gave up on it */
	cprof__regs_from_ucontext_as(&regs, uc);
	if (cprof__thread_stack_as(t, regs.r[CPROF_REG_RSP], &b)) {
		req->depth = cprof__unwind_as(&regs, b, req->pcs,
					      CPROF_MAX_FRAMES, &end);
	} else {
		req->pcs[0] = regs.r[CPROF_REG_RIP];
		req->depth = 1;
	}
	req->complete = end == CPROF_UNWIND_COMPLETE;
	atomic_store_explicit(&req->done, 1, memory_order_release);
	return true;
}
