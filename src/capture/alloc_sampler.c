/*
 * alloc_sampler.c - sampling allocations by bytes (see alloc_sampler.h).
 *
 * A thread's countdown starts at 0, so its first allocation always comes
 * here: that call only draws the first countdown (and samples only if the
 * allocation is larger than the draw), so new threads are not over-sampled.
 * While sampling is off a thread comes back here only once per
 * SAMPLER_RECHECK_BYTES allocated, to notice that sampling started: another
 * thread's countdown cannot be reset from outside, and checking a global in
 * the fast path would cost every allocation.
 */
#include "capture/alloc_sampler.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/clock.h"
#include "capture/record.h"
#include "capture/ring.h"
#include "capture/stack_here.h"
#include "capture/threads.h"
#include "cprof.h"

/* Frames between cprof__stack_here's caller and the allocating code:
 * cprof__alloc_sample, then the interposed function. */
#define SAMPLER_SKIP_FRAMES 2
#define SAMPLER_RECHECK_BYTES (1 << 20)
/* Yields a hook may spend waiting for room in a full ring. */
#define SAMPLER_FULL_RETRIES 200

__thread int64_t cprof__alloc_countdown;
static __thread uint64_t sampler_rng;
static __thread uint64_t sampler_epoch; /* sampler_epoch_now when drawn */

static _Atomic int64_t sampler_rate;      /* 0: off */
static _Atomic uint64_t sampler_epoch_now; /* bumped at every start */
_Atomic uint64_t cprof__alloc_lost;

int cprof__alloc_sampler_start(int64_t rate)
{
	int rc;

	if (rate < 0)
		return CPROF_EINVAL;
	rc = cprof__sampled_set_init();
	if (rc != 0)
		return rc;
	atomic_store(&sampler_rate, rate);
	atomic_fetch_add(&sampler_epoch_now, 1);
	/* The starting thread (the main thread, when preloaded) notices at
	 * its next allocation; others within SAMPLER_RECHECK_BYTES. */
	cprof__alloc_countdown = 0;
	return 0;
}

void cprof__alloc_sampler_stop(void)
{
	atomic_store(&sampler_rate, 0);
	atomic_fetch_add(&sampler_epoch_now, 1);
}

int64_t cprof__alloc_sampler_rate(void) { return atomic_load(&sampler_rate); }

/* Uniform in (0, 1) from a per-thread xorshift generator. */
static double sampler_uniform(void)
{
	uint64_t x = sampler_rng;

	if (x == 0)
		x = (uint64_t)cprof__now_ns() ^
		    ((uint64_t)syscall(SYS_gettid) << 32) ^ 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	sampler_rng = x;
	return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}

/* Bytes until the next sample: exponential with mean rate. */
static int64_t sampler_draw(int64_t rate)
{
	double d;

	if (rate <= 1)
		return 0; /* every allocation */
	d = -log(sampler_uniform()) * (double)rate;
	return d > 9e18 ? INT64_MAX / 2 : (int64_t)d;
}

/*
 * A ring slot for a record made in a hook. When the ring is full the hook
 * wakes the collector and yields a few times before giving up: a hook runs
 * in ordinary thread context and can afford a short pause, which is better
 * than a lost free (it would leave a freed block "in use" for ever). The
 * pause is bounded; a collector that cannot drain (its lock held by a
 * profile being built) costs at most SAMPLER_FULL_RETRIES yields.
 */
static struct cprof__record *sampler_claim(uint64_t *pos)
{
	struct cprof__record *rec;

	for (int i = 0; i < SAMPLER_FULL_RETRIES; i++) {
		rec = cprof__ring_claim_as(&cprof__capture_ring, pos);
		if (rec != NULL)
			return rec;
		cprof__ring_wake(&cprof__capture_ring);
		sched_yield();
	}
	return cprof__ring_claim_as(&cprof__capture_ring, pos);
}

static void sampler_record(void *p, size_t size)
{
	struct cprof__record *rec;
	enum cprof__unwind_end end;
	uint64_t pos;

	if (!cprof__sampled_set_insert((uintptr_t)p)) {
		atomic_fetch_add(&cprof__alloc_lost, 1);
		return;
	}
	rec = sampler_claim(&pos);
	if (rec == NULL) {
		/* Unrecorded: take it out again so its free is not counted. */
		cprof__sampled_set_remove((uintptr_t)p);
		atomic_fetch_add(&cprof__alloc_lost, 1);
		return;
	}
	rec->depth = (uint16_t)cprof__stack_here(
		rec->pc, CPROF_MAX_FRAMES, SAMPLER_SKIP_FRAMES, &end);
	rec->kind = CPROF_RECORD_ALLOC;
	rec->flags = CPROF_RECORD_RETURN_ADDRESSES |
		     (end == CPROF_UNWIND_COMPLETE ? 0 : CPROF_RECORD_TRUNCATED);
	rec->tid = 0;
	rec->time_ns = cprof__now_ns();
	rec->value[0] = (int64_t)size;
	rec->value[1] = (int64_t)(uintptr_t)p;
	rec->labels = NULL;
	cprof__ring_publish_as(&cprof__capture_ring, pos);
}

__attribute__((noinline)) void cprof__alloc_sample(void *p, size_t size)
{
	int64_t rate = atomic_load_explicit(&sampler_rate,
					    memory_order_relaxed);
	uint64_t epoch = atomic_load_explicit(&sampler_epoch_now,
					      memory_order_relaxed);
	int saved_errno = errno;
	bool first = sampler_epoch != epoch;

	if (rate == 0 || cprof__thread_is_internal()) {
		cprof__alloc_countdown = SAMPLER_RECHECK_BYTES;
		sampler_epoch = 0; /* draw afresh once sampling is on */
		goto out;
	}
	sampler_epoch = epoch;
	if (first) {
		/* A new thread, or sampling (re)started: draw the first
		 * countdown, and sample only if this allocation crosses it. */
		cprof__alloc_countdown += sampler_draw(rate);
		if (cprof__alloc_countdown >= 0)
			goto out;
	}
	if (p != NULL)
		sampler_record(p, size);
	cprof__alloc_countdown = sampler_draw(rate);
out:
	errno = saved_errno;
}

void cprof__alloc_release_begin(struct cprof__alloc_release *r, void *p)
{
	int saved_errno = errno;

	r->p = p;
	r->reserved = false;
	r->sampled = cprof__sampled_set_remove((uintptr_t)p);
	if (r->sampled && sampler_claim(&r->pos) != NULL)
		r->reserved = true;
	else if (r->sampled)
		atomic_fetch_add(&cprof__alloc_lost, 1);
	errno = saved_errno;
}

void cprof__alloc_release_end(struct cprof__alloc_release *r, bool released)
{
	struct cprof__record *rec;
	int saved_errno = errno;

	if (r->sampled && !released)
		cprof__sampled_set_insert((uintptr_t)r->p);
	if (!r->reserved)
		goto out;
	rec = cprof__ring_record_at(&cprof__capture_ring, r->pos);
	rec->kind = released ? CPROF_RECORD_FREE : CPROF_RECORD_NONE;
	rec->depth = 0;
	rec->flags = 0;
	rec->tid = 0;
	rec->time_ns = cprof__now_ns();
	rec->value[0] = 0;
	rec->value[1] = (int64_t)(uintptr_t)r->p;
	rec->labels = NULL;
	cprof__ring_publish_as(&cprof__capture_ring, r->pos);
out:
	errno = saved_errno;
}
