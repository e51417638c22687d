/*
 * ring_as.c - the capture ring (see ring.h). Everything in this file but
 * init/fini/reset runs in signal handlers and hooks: async-signal-safe,
 * lock-free, no allocation.
 */
#include "capture/ring.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "cprof.h"

#define RING_MASK (CPROF_RING_SLOTS - 1)
#define RING_BYTES (sizeof(struct cprof__ring_slot) * CPROF_RING_SLOTS)

struct cprof__ring cprof__capture_ring;

_Static_assert((CPROF_RING_SLOTS & RING_MASK) == 0,
	       "CPROF_RING_SLOTS must be a power of two");

int cprof__ring_init(struct cprof__ring *r)
{
	memset(r, 0, sizeof(*r));
	r->slots = cprof__map(RING_BYTES);
	if (r->slots == NULL)
		return CPROF_ENOMEM;
	sem_init(&r->wake, 0, 0);
	cprof__ring_reset(r);
	return 0;
}

void cprof__ring_fini(struct cprof__ring *r)
{
	cprof__unmap(r->slots, RING_BYTES);
	r->slots = NULL;
	sem_destroy(&r->wake);
}

void cprof__ring_reset(struct cprof__ring *r)
{
	for (uint64_t i = 0; i < CPROF_RING_SLOTS; i++)
		atomic_store_explicit(&r->slots[i].seq, i,
				      memory_order_relaxed);
	atomic_store(&r->head, 0);
	atomic_store(&r->tail, 0);
	atomic_store(&r->kicked, false);
	atomic_store(&r->dropped, 0);
	atomic_store(&r->dropped_weight, 0);
}

struct cprof__record *cprof__ring_claim_as(struct cprof__ring *r,
					   uint64_t *pos_out)
{
	uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);

	for (;;) {
		struct cprof__ring_slot *s = &r->slots[pos & RING_MASK];
		uint64_t seq = atomic_load_explicit(&s->seq,
						    memory_order_acquire);
		int64_t diff = (int64_t)(seq - pos);

		if (diff < 0)
			return NULL; /* the consumer has not freed it: full */
		if (diff > 0) {
			/* Another producer took it; catch up. */
			pos = atomic_load_explicit(&r->head,
						   memory_order_relaxed);
			continue;
		}
		if (atomic_compare_exchange_weak_explicit(
			    &r->head, &pos, pos + 1, memory_order_relaxed,
			    memory_order_relaxed)) {
			*pos_out = pos;
			return &s->rec;
		}
	}
}

void cprof__ring_publish_as(struct cprof__ring *r, uint64_t pos)
{
	uint64_t tail;

	atomic_store_explicit(&r->slots[pos & RING_MASK].seq, pos + 1,
			      memory_order_release);
	tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	if (pos - tail >= CPROF_RING_SLOTS / 2 &&
	    !atomic_load_explicit(&r->kicked, memory_order_relaxed) &&
	    !atomic_exchange_explicit(&r->kicked, true, memory_order_relaxed))
		sem_post(&r->wake);
}

void cprof__ring_drop_as(struct cprof__ring *r, int64_t weight)
{
	atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->dropped_weight, (uint64_t)weight,
				  memory_order_relaxed);
}

const struct cprof__record *cprof__ring_peek(struct cprof__ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	struct cprof__ring_slot *s = &r->slots[tail & RING_MASK];

	if (atomic_load_explicit(&s->seq, memory_order_acquire) != tail + 1)
		return NULL;
	return &s->rec;
}

void cprof__ring_release(struct cprof__ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	struct cprof__ring_slot *s = &r->slots[tail & RING_MASK];

	atomic_store_explicit(&s->seq, tail + CPROF_RING_SLOTS,
			      memory_order_release);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_relaxed);
}

void cprof__ring_wait(struct cprof__ring *r, int timeout_ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	until.tv_sec += timeout_ms / 1000 + until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	while (sem_timedwait(&r->wake, &until) != 0 && errno == EINTR)
		;
	atomic_store_explicit(&r->kicked, false, memory_order_relaxed);
}

void cprof__ring_wake(struct cprof__ring *r) { sem_post(&r->wake); }
