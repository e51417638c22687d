/*
 * contention_as.c - the contended paths of the synchronisation hooks (see
 * contention.h): the table of locks with waiters, Go's sampling rules, and
 * the records for the mutex and block profiles.
 *
 * Runs in hooks on the host's threads, never in a signal handler: it takes
 * only the per-slot spin locks below (held for a few instructions) and never
 * allocates. A full ring drops the event and counts it (the ring's helper,
 * which drains it on the hook's thread, is not used: it takes the collector
 * lock through the very hooks that call here).
 */
#include <sched.h>
#include <string.h>

#include "base/clock.h"
#include "capture/contention_slots.h"
#include "capture/labels.h"
#include "capture/ring.h"
#include "capture/stack_here.h"

/* How far above the hook's caller our own frames can be. */
#define CONTENTION_OWN_FRAMES 6

struct cprof__contention_slot cprof__contention_slots[CPROF_CONTENTION_SLOTS];

static __thread uint64_t contention_rng;

/* Uniform 64-bit numbers from a per-thread xorshift generator. */
static uint64_t contention_rand(void)
{
	uint64_t x = contention_rng;

	if (x == 0)
		x = (uint64_t)cprof__now_ns() ^
		    ((uint64_t)(uintptr_t)&contention_rng << 16) ^
		    0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	contention_rng = x;
	return x;
}

static struct cprof__contention_slot *contention_slot(const void *lock)
{
	uintptr_t h = (uintptr_t)lock;

	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return &cprof__contention_slots[(h >> 40) %
					CPROF_CONTENTION_SLOTS];
}

static void contention_spin_lock(struct cprof__contention_slot *s)
{
	for (int i = 1; atomic_exchange_explicit(&s->spin, 1,
						 memory_order_acquire);
	     i++) {
		if (i % 64 == 0)
			sched_yield(); /* the holder was preempted */
		else
			__builtin_ia32_pause();
	}
}

static void contention_spin_unlock(struct cprof__contention_slot *s)
{
	atomic_store_explicit(&s->spin, 0, memory_order_release);
}

/* Brings the slot's waiter-ns up to now (spin held). */
static void contention_accrue(struct cprof__contention_slot *s, int64_t now)
{
	s->accrued += (int64_t)s->waiters * (now - s->since_ns);
	s->since_ns = now;
}

/* The record for an event: the stack of the code at ra (the frames above
 * it are ours and are dropped), the thread's labels. */
static void contention_record(int kind, int64_t v0, int64_t v1,
			      uintptr_t ra)
{
	struct cprof__record *rec;
	enum cprof__unwind_end end;
	uint64_t pos;
	int n, skip = 0;

	rec = cprof__ring_claim_as(&cprof__capture_ring, &pos);
	if (rec == NULL) {
		cprof__ring_drop_as(&cprof__capture_ring, 0);
		atomic_fetch_add(&cprof__contention_lost_events[
					 kind == CPROF_RECORD_MUTEX ? 0 : 1],
				 1);
		return;
	}
	n = cprof__stack_here(rec->pc, CPROF_MAX_FRAMES, 0, &end);
	while (skip < n && skip < CONTENTION_OWN_FRAMES &&
	       rec->pc[skip] != ra)
		skip++;
	if (skip < n && rec->pc[skip] == ra) {
		memmove(rec->pc, rec->pc + skip,
			(size_t)(n - skip) * sizeof(rec->pc[0]));
		n -= skip;
	}
	rec->depth = (uint16_t)n;
	rec->kind = (uint16_t)kind;
	rec->flags = CPROF_RECORD_RETURN_ADDRESSES |
		     (end == CPROF_UNWIND_COMPLETE ? 0 : CPROF_RECORD_TRUNCATED);
	rec->tid = 0;
	rec->time_ns = cprof__now_ns();
	rec->value[0] = v0;
	rec->value[1] = v1;
	rec->labels = cprof__labels_current;
	cprof__ring_publish_as(&cprof__capture_ring, pos);
}

/* Takes the lock's slot (or joins it) as one more waiter; -1 when another
 * lock holds the slot. */
static int contention_join(const void *lock, int64_t now)
{
	struct cprof__contention_slot *s = contention_slot(lock);
	int idx = -1;

	contention_spin_lock(s);
	if (atomic_load_explicit(&s->lock, memory_order_relaxed) == 0) {
		atomic_store_explicit(&s->lock, (uintptr_t)lock,
				      memory_order_relaxed);
		s->waiters = 0;
		s->accrued = 0;
		s->since_ns = now;
		atomic_fetch_add(&cprof__contention_pending, 1);
	}
	if (atomic_load_explicit(&s->lock, memory_order_relaxed) ==
	    (uintptr_t)lock) {
		contention_accrue(s, now);
		s->waiters++;
		idx = (int)(s - cprof__contention_slots);
	}
	contention_spin_unlock(s);
	if (idx < 0)
		atomic_fetch_add(&cprof__contention_lost_events[0], 1);
	return idx;
}

static void contention_leave(int idx, int64_t now)
{
	struct cprof__contention_slot *s = &cprof__contention_slots[idx];

	contention_spin_lock(s);
	contention_accrue(s, now);
	s->waiters--;
	contention_spin_unlock(s);
}

void cprof__wait_begin_as(struct cprof__wait *w, const void *lock,
			  uintptr_t ra)
{
	int on = atomic_load_explicit(&cprof__contention_on,
				      memory_order_relaxed);

	w->start_ns = cprof__now_ns();
	w->ra = ra;
	w->slot = -1;
	if (lock != NULL && (on & CPROF_CONTENTION_MUTEX))
		w->slot = contention_join(lock, w->start_ns);
}

/* Go's blockevent: events of at least `rate` ns always, shorter ones with
 * probability duration / rate, each then standing for rate / duration
 * events of `rate` ns in all. */
static void contention_block_event(int64_t ns, uintptr_t ra)
{
	int64_t rate = atomic_load_explicit(&cprof__contention_rate,
					    memory_order_relaxed);

	if (rate <= 0)
		return;
	if (ns <= 0)
		ns = 1;
	if (ns >= rate)
		contention_record(CPROF_RECORD_BLOCK,
				  CPROF_BLOCK_COUNT_SCALE, ns, ra);
	else if ((int64_t)(contention_rand() % (uint64_t)rate) <= ns)
		contention_record(CPROF_RECORD_BLOCK,
				  CPROF_BLOCK_COUNT_SCALE * rate / ns, rate,
				  ra);
}

int64_t cprof__wait_end_as(struct cprof__wait *w, bool waited)
{
	int64_t now = cprof__now_ns();

	if (w->slot >= 0)
		contention_leave(w->slot, now);
	if (waited && (atomic_load_explicit(&cprof__contention_on,
					    memory_order_relaxed) &
		       CPROF_CONTENTION_BLOCK))
		contention_block_event(now - w->start_ns, w->ra);
	return now;
}

int64_t cprof__contention_charge_as(const void *lock)
{
	struct cprof__contention_slot *s = contention_slot(lock);
	int64_t delay = 0;

	if (atomic_load_explicit(&s->lock, memory_order_relaxed) !=
	    (uintptr_t)lock)
		return 0;
	contention_spin_lock(s);
	if (atomic_load_explicit(&s->lock, memory_order_relaxed) ==
	    (uintptr_t)lock) {
		contention_accrue(s, cprof__now_ns());
		delay = s->accrued;
		s->accrued = 0;
		if (s->waiters == 0) {
			atomic_store_explicit(&s->lock, 0,
					      memory_order_relaxed);
			atomic_fetch_sub(&cprof__contention_pending, 1);
		}
	}
	contention_spin_unlock(s);
	return delay;
}

/* Go's mutexevent: 1 event in `fraction`, scaled up when the profile is
 * built. */
void cprof__contention_mutex_event_as(int64_t delay_ns, uintptr_t ra)
{
	long fraction = atomic_load_explicit(&cprof__contention_fraction,
					     memory_order_relaxed);

	if (fraction <= 0 || !(atomic_load_explicit(&cprof__contention_on,
						    memory_order_relaxed) &
			       CPROF_CONTENTION_MUTEX))
		return;
	if (fraction == 1 || contention_rand() % (uint64_t)fraction == 0)
		contention_record(CPROF_RECORD_MUTEX, 1, delay_ns, ra);
}
