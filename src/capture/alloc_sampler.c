/*
 * alloc_sampler.c - sampling allocations by bytes (see alloc_sampler.h).
 *
 * A thread comes here first when its countdown is from another sampling
 * generation (a new thread, or sampling started or stopped since it drew):
 * that call only draws the countdown afresh (and samples only if the
 * allocation is larger than the draw), so new threads are not over-sampled.
 * While sampling is off the countdown is set out of reach, so the hooks'
 * fast path stays a subtraction and a comparison.
 */
#include "capture/alloc_sampler.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/clock.h"
#include "capture/exp_draw.h"
#include "capture/labels.h"
#include "capture/record.h"
#include "capture/ring.h"
#include "capture/stack_here.h"
#include "capture/threads.h"
#include "cprof.h"

#define SAMPLER_OFF_COUNTDOWN INT64_MAX
/* Attempts a hook makes to find room in a full ring (each a drain or a
 * yield: a few milliseconds at worst). */
#define SAMPLER_FULL_RETRIES 1000

__thread struct cprof__alloc_tls cprof__alloc_tls;
static __thread uint64_t sampler_rng;

static _Atomic int64_t sampler_rate;      /* 0: off */
static _Atomic bool sampler_timed;        /* a trace runs */
/* Starts at 1 so that a new thread's zeroed state is always stale. */
_Atomic uint64_t cprof__alloc_epoch = 1;
_Atomic uint64_t cprof__alloc_lost;
_Atomic uint64_t cprof__alloc_lost_bytes;

int cprof__alloc_sampler_start(int64_t rate)
{
	int rc;

	if (rate < 0)
		return CPROF_EINVAL;
	rc = cprof__sampled_set_init();
	if (rc != 0)
		return rc;
	atomic_store(&sampler_rate, rate);
	atomic_fetch_add(&cprof__alloc_epoch, 1);
	return 0;
}

void cprof__alloc_sampler_stop(void)
{
	atomic_store(&sampler_rate, 0);
	atomic_fetch_add(&cprof__alloc_epoch, 1);
}

int64_t cprof__alloc_sampler_rate(void) { return atomic_load(&sampler_rate); }

void cprof__alloc_sampler_timed(bool on) { atomic_store(&sampler_timed, on); }

/* A thread's first draw seeds its generator (out of line, so that the
 * other draws need no stack frame). */
static __attribute__((noinline, cold)) void sampler_seed(void)
{
	sampler_rng = (uint64_t)cprof__now_ns() ^
		      ((uint64_t)syscall(SYS_gettid) << 32) ^
		      0x9e3779b97f4a7c15ull;
}

/* Bytes until the next sample: exponential with mean rate. */
static int64_t sampler_draw(int64_t rate)
{
	double d;

	if (rate <= 1)
		return 0; /* every allocation */
	if (__builtin_expect(sampler_rng == 0, 0))
		sampler_seed();
	d = cprof__exp_draw(&sampler_rng, (double)rate);
	return d > 9e18 ? INT64_MAX / 2 : (int64_t)d;
}

/* The allocating thread, for the trace timeline (0 when it has no slot). */
static uint32_t sampler_tid(void)
{
	struct cprof__thread *t = cprof__thread_self_as();

	return t != NULL ? (uint32_t)atomic_load_explicit(&t->tid,
							 memory_order_relaxed)
			 : 0;
}

/*
 * A ring slot for a record made in a hook. When the ring is full the hook,
 * which runs in ordinary thread context, drains it itself: at once if the
 * collector's lock is free, else after waiting for it. A short pause beats
 * a lost free (it would leave a freed block "in use" for ever). Waiting is
 * safe: a hook holds no lock of the allocator or of cprof here, and nothing
 * that holds the collector lock waits for a host thread. A drain stops at a
 * slot claimed by a producer that was preempted before publishing it; then
 * the hook yields, so that producer can run. The attempts are bounded.
 */
static struct cprof__record *sampler_claim(uint64_t *pos)
{
	struct cprof__ring *r = &cprof__capture_ring;
	struct cprof__record *rec;

	for (int i = 0; i < SAMPLER_FULL_RETRIES; i++) {
		bool (*help)(bool) = r->help;

		rec = cprof__ring_claim_as(r, pos);
		if (rec != NULL || help == NULL)
			return rec;
		if (!help(i > 0))
			sched_yield();
	}
	return cprof__ring_claim_as(r, pos);
}

static void sampler_record(void *p, size_t size, const void *hook_frame)
{
	struct cprof__record *rec;
	enum cprof__unwind_end end;
	uint64_t pos;

	if (!cprof__sampled_set_insert((uintptr_t)p))
		goto lost;
	rec = sampler_claim(&pos);
	if (rec == NULL) {
		/* Unrecorded: take it out again so its free is not counted. */
		cprof__sampled_set_remove((uintptr_t)p);
		goto lost;
	}
	rec->depth = (uint16_t)cprof__stack_from_frame(
		rec->pc, CPROF_MAX_FRAMES, hook_frame, 0, &end);
	rec->kind = CPROF_RECORD_ALLOC;
	rec->flags = CPROF_RECORD_RETURN_ADDRESSES |
		     (end == CPROF_UNWIND_COMPLETE ? 0 : CPROF_RECORD_TRUNCATED);
	if (atomic_load_explicit(&sampler_timed, memory_order_relaxed)) {
		rec->tid = sampler_tid();
		rec->time_ns = cprof__now_ns();
	} else {
		rec->tid = 0;
		rec->time_ns = 0;
	}
	rec->value[0] = (int64_t)size;
	rec->value[1] = (int64_t)(uintptr_t)p;
	rec->labels = cprof__labels_current;
	cprof__ring_publish_as(&cprof__capture_ring, pos);
	return;
lost:
	atomic_fetch_add(&cprof__alloc_lost, 1);
	atomic_fetch_add(&cprof__alloc_lost_bytes, size);
}

void cprof__alloc_sample(void *p, size_t size, const void *hook_frame)
{
	uint64_t epoch = atomic_load_explicit(&cprof__alloc_epoch,
					      memory_order_acquire);
	int64_t rate = atomic_load_explicit(&sampler_rate,
					    memory_order_relaxed);
	struct cprof__alloc_tls *t = &cprof__alloc_tls;
	int saved_errno = errno;

	if (t->epoch != epoch) {
		/* A new generation: draw afresh, and sample only if this
		 * allocation crosses the new countdown. */
		t->epoch = epoch;
		t->countdown = rate == 0 || cprof__thread_is_internal()
				       ? SAMPLER_OFF_COUNTDOWN
				       : sampler_draw(rate) - (int64_t)size;
		if (t->countdown >= 0)
			goto out;
	}
	if (rate == 0)
		goto out;
	if (p != NULL)
		sampler_record(p, size, hook_frame);
	t->countdown = sampler_draw(rate);
out:
	errno = saved_errno;
}

void cprof__alloc_release(void *p)
{
	struct cprof__record *rec;
	uint64_t pos;
	int saved_errno;

	/* Most calls end here (a page-filter collision): errno is safe, as
	 * the set only spins on its lock (sched_yield cannot fail). */
	if (!cprof__sampled_set_remove((uintptr_t)p))
		return;
	saved_errno = errno; /* a full ring's drain may change it */
	rec = sampler_claim(&pos);
	if (rec == NULL) {
		atomic_fetch_add(&cprof__alloc_lost, 1);
		goto out;
	}
	rec->kind = CPROF_RECORD_FREE;
	rec->depth = 0;
	rec->flags = 0;
	rec->tid = 0;
	rec->time_ns = 0; /* frees are not in the trace: no clock read */
	rec->value[0] = 0;
	rec->value[1] = (int64_t)(uintptr_t)p;
	rec->labels = NULL;
	cprof__ring_publish_as(&cprof__capture_ring, pos);
out:
	errno = saved_errno;
}
