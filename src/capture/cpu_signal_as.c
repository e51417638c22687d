/*
 * cpu_signal_as.c - the CPU profiling signal handler.
 *
 * Runs on the thread whose CPU timer expired, interrupting arbitrary host
 * code: async-signal-safe only (see DESIGN.md's rules). It claims a ring
 * slot, walks the interrupted stack into it and publishes it; a full ring
 * drops the sample and counts its weight, so the profile can say what it
 * lost. errno is saved and restored.
 *
 * Weight: a per-thread timer reports expirations the kernel coalesced (rates
 * above the tick) in si_overrun; the sample stands for 1 + si_overrun
 * periods of CPU time. ITIMER_PROF signals (the fallback) are taken only by
 * threads without their own timer, so no CPU time is counted twice.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "base/clock.h"
#include "capture/cpu_signal.h"
#include "capture/cpu_timer.h"
#include "capture/labels.h"
#include "capture/ring.h"
#include "capture/stackmap.h"
#include "capture/thread_sample.h"
#include "capture/threads.h"
#include "capture/unwind.h"

_Atomic bool cprof__cpu_signal_enabled;

/* A tick timer's sample stands for one tick of the thread's CPU while the
 * thread is young, and for nothing after. The weight is in periods: a tick
 * of 4 ms at 100 Hz is 0.4 period, so the thread's ticks add up in its
 * carry, which started uniform in [0, period) (cpu_timer.h), and a sample
 * weighs the whole periods the carry holds; the expected weight is exactly
 * tick / period, and only the thread's own handler touches the carry. */
static int64_t cpu_signal_tick_weight_as(struct cprof__thread *t)
{
	struct timespec ts;
	int64_t now, weight, period = cprof__cpu_timer_period_ns;

	if (t == NULL || period <= 0 ||
	    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (now >= t->young_until_ns)
		return 0;
	t->tick_carry_ns += cprof__cpu_timer_tick_ns;
	weight = t->tick_carry_ns / period;
	t->tick_carry_ns -= weight * period;
	return weight;
}

static int64_t cpu_signal_weight_as(const siginfo_t *si,
				    struct cprof__thread *t)
{
	if (si->si_code == SI_TIMER && si->si_value.sival_int ==
					       CPROF_TICK_TIMER_COOKIE)
		return cpu_signal_tick_weight_as(t);
	if (si->si_code == SI_TIMER)
		return si->si_value.sival_int == CPROF_TIMER_COOKIE
			       ? 1 + (int64_t)si->si_overrun
			       : 0;
	if (si->si_code == SI_KERNEL && cprof__cpu_itimer_on_as() &&
	    (t == NULL || !t->has_timer))
		return 1;
	return 0; /* kill(2), or a timer that is not ours */
}

static bool cpu_signal_bounds_as(const struct cprof__thread *t, uintptr_t sp,
				 struct cprof__stack_bounds *b)
{
	if (t != NULL)
		return cprof__thread_stack_as(t, sp, b);
	if (!cprof__stackmap_find_as(sp, &b->lo, &b->hi))
		return false;
	b->lo = sp;
	return true;
}

void cprof__cpu_signal_handler_as(int signo, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	struct cprof__thread *t;
	struct cprof__record *rec;
	struct cprof__regs regs;
	struct cprof__stack_bounds bounds;
	enum cprof__unwind_end end = CPROF_UNWIND_TRUNCATED;
	int64_t weight;
	uint64_t pos;

	if (cprof__thread_sample_handle_as(si, uc))
		goto out;
	if (!atomic_load_explicit(&cprof__cpu_signal_enabled,
				  memory_order_relaxed))
		goto out;
	t = cprof__thread_self_as();
	if (t != NULL && t->internal)
		goto out;
	weight = cpu_signal_weight_as(si, t);
	if (weight <= 0)
		goto out;
	rec = cprof__ring_claim_as(&cprof__capture_ring, &pos);
	if (rec == NULL) {
		cprof__ring_drop_as(&cprof__capture_ring, weight);
		goto out;
	}
	cprof__regs_from_ucontext_as(&regs, uc);
	if (cpu_signal_bounds_as(t, regs.r[CPROF_REG_RSP], &bounds)) {
		int depth = cprof__unwind_as(&regs, bounds, rec->pc,
					     CPROF_MAX_FRAMES, &end);

		rec->depth = (uint16_t)cprof__unwind_mark_as(
			rec->pc, depth, CPROF_MAX_FRAMES, end);
	} else {
		rec->pc[0] = regs.r[CPROF_REG_RIP];
		rec->depth = 1;
	}
	rec->kind = CPROF_RECORD_CPU;
	rec->flags = end == CPROF_UNWIND_COMPLETE ? 0 : CPROF_RECORD_TRUNCATED;
	rec->tid = t != NULL ? (uint32_t)atomic_load_explicit(
				       &t->tid, memory_order_relaxed)
			     : 0;
	rec->time_ns = cprof__now_ns();
	rec->value[0] = weight;
	rec->value[1] = 0;
	rec->labels = cprof__labels_current;
	cprof__ring_publish_as(&cprof__capture_ring, pos);
out:
	errno = saved_errno;
}
