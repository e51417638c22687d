/*
 * ring.h - the bounded multi-producer, single-consumer ring that carries
 * records from signal handlers and hooks to the collector thread.
 *
 * Producers (any thread, in a handler or a hook) claim a slot with one CAS
 * on the head, fill the record in place and publish it with a release store
 * of the slot's sequence number (Vyukov's bounded queue). No producer ever
 * waits: when the ring is full the record is dropped and counted. The single
 * consumer (the collector) takes records in order; a slot claimed but not yet
 * published (its producer interrupted) simply ends this drain.
 */
#ifndef CPROF_SRC_CAPTURE_RING_H
#define CPROF_SRC_CAPTURE_RING_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/record.h"

/* Slots in the ring (a power of two): 2048 x 640 B = 1.25 MiB, about 20
 * thread-seconds at 100 Hz between two drains of the collector (it drains
 * every CPROF_COLLECT_INTERVAL_MS). */
#define CPROF_RING_SLOTS 2048

/* Each slot starts a cache line, so that the sequence number and a
 * record's header and its first pc (64 bytes) share one line: unaligned,
 * 3 slots in 4 split the header across two lines, one more cache miss for
 * most records (every free's, most allocations'). */
struct cprof__ring_slot {
	_Alignas(64) _Atomic uint64_t seq; /* = position when free,
					    * position+1 when full */
	struct cprof__record rec;
};

struct cprof__ring {
	_Alignas(64) _Atomic uint64_t head; /* next position to claim */
	/* Next position to consume: written by the consumer only, read
	 * (relaxed) by producers to see how full the ring is. */
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic uint64_t dropped;           /* records lost to a full ring */
	_Atomic uint64_t dropped_weight;    /* their value[0] summed */
	/* Set by the producer that found the ring half full, which then
	 * wakes the consumer; cleared by the consumer when it wakes. */
	_Atomic bool kicked;
	sem_t wake;                         /* posted by kicks and stop */
	/* Set by the consumer: lets a producer in ordinary thread context
	 * (a hook, never a handler) drain the ring itself when it is full.
	 * Without `wait` it returns false at once if the consumer is busy;
	 * with it, it waits for the consumer's lock. True if it made room. */
	bool (*help)(bool wait);
	struct cprof__ring_slot *slots;     /* CPROF_RING_SLOTS, mmap'd */
};

int cprof__ring_init(struct cprof__ring *r);
void cprof__ring_fini(struct cprof__ring *r);
/* Empties the ring (no producer may run: the child after fork). */
void cprof__ring_reset(struct cprof__ring *r);

/* Claims a slot; NULL when full (the caller counts the drop with
 * cprof__ring_drop_as). Async-signal-safe, lock-free. */
struct cprof__record *cprof__ring_claim_as(struct cprof__ring *r,
					   uint64_t *pos);
/* Publishes the claimed record, and wakes the consumer early when the ring
 * is more than half full (a burst of samples must not wait for the next
 * regular drain). Async-signal-safe (sem_post is). */
void cprof__ring_publish_as(struct cprof__ring *r, uint64_t pos);
void cprof__ring_drop_as(struct cprof__ring *r, int64_t weight);
/* The record of a slot claimed earlier (to fill it later). */
static inline struct cprof__record *cprof__ring_record_at(struct cprof__ring *r,
							  uint64_t pos)
{
	return &r->slots[pos & (CPROF_RING_SLOTS - 1)].rec;
}

/* Consumer: the next published record or NULL; release it after use. */
const struct cprof__record *cprof__ring_peek(struct cprof__ring *r);
void cprof__ring_release(struct cprof__ring *r);
/* Consumer: sleeps until timeout_ms pass or a producer (or
 * cprof__ring_wake) wakes it. */
void cprof__ring_wait(struct cprof__ring *r, int timeout_ms);
void cprof__ring_wake(struct cprof__ring *r);

/* The ring every handler and hook writes to; the collector drains it. */
extern struct cprof__ring cprof__capture_ring;

#endif
