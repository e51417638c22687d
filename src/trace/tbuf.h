/*
 * tbuf.h - per-thread trace buffers.
 *
 * Each thread that emits a trace event while a trace runs gets its own ring
 * of CPROF_TRACE_SLOT_BYTES slots (cprof__trace_tbuf_slots of them: the
 * named default CPROF_TRACE_DEFAULT_BUFFER_BYTES, or CPROF_TRACE_BUFFER).
 * Only the owning thread writes its ring (single producer, no lock, no
 * allocation once the ring exists); only the trace collector reads it, under
 * the trace lock (single consumer). An event that does not fit is dropped
 * and counted in the ring; the collector turns the count into a
 * CPROF_TRACE_DROPPED event so that the trace shows it.
 *
 * Rings are allocated (mmap) the first time a thread emits, in ordinary
 * context (a hook or an API call, never a signal handler), kept on one list,
 * and reused once their thread has exited and the collector has read them.
 */
#ifndef CPROF_SRC_TRACE_TBUF_H
#define CPROF_SRC_TRACE_TBUF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/stack_cache.h"
#include "trace/event.h"

/* 256 KiB: 8192 slots, about 160 ms of a thread emitting an event every
 * 20 us between two collections (CPROF_COLLECT_INTERVAL_MS is 50 ms). */
#define CPROF_TRACE_DEFAULT_BUFFER_BYTES (256u << 10)
#define CPROF_TRACE_MIN_BUFFER_BYTES 1024u
#define CPROF_TRACE_MAX_BUFFER_BYTES (64u << 20)

struct cprof__trace_tbuf {
	/* Slots written: owner thread only (release), read by the reader. */
	_Alignas(64) _Atomic uint64_t head;
	/* Slots read: the reader only (release), read by the owner. */
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic uint64_t dropped;  /* events lost to a full ring; owner adds */
	uint64_t dropped_seen;     /* reader only: dropped already reported */
	uint32_t tid;              /* the owner; set before it is listed */
	_Atomic bool exited;       /* the owner is gone; reader reuses it */
	/* Set by the owner when it finds its ring half full and wakes the
	 * collector early; cleared by the reader. */
	_Atomic bool kicked;
	uint32_t mask;             /* slots - 1 (a power of two) */
	struct cprof__trace_event *slots;
	struct cprof__trace_tbuf *next; /* the list; trace lock */
	/* The owner's recent wait stacks (owner thread only). */
	struct cprof__stack_cache stack_cache;
};

/* Slots per ring (a power of two), set before the first trace starts. */
extern uint32_t cprof__trace_tbuf_slots;

/* The calling thread's ring, created on first use; NULL when it cannot be
 * (out of memory, or the thread has exited). Hooks and API calls only. */
struct cprof__trace_tbuf *cprof__trace_tbuf_self(void);
/* The calling thread's kernel tid (cached). Async-signal-safe. */
uint32_t cprof__trace_tid_as(void);
/* Forgets the cached tid (a forked child has a new one). */
void cprof__trace_tid_reset_as(void);

/*
 * Appends one event to the calling thread's ring: hdr (its nslots is set
 * here), then n payload bytes. Async-signal-safe, not re-entrant: an event
 * emitted while the same thread is writing one (from a signal handler that
 * interrupted it) is dropped and counted.
 */
void cprof__trace_tbuf_put_as(struct cprof__trace_tbuf *tb,
			      struct cprof__trace_event *hdr,
			      const void *payload, size_t n);

/* The thread is exiting: its ring goes back to the reader. */
void cprof__trace_tbuf_exit(void);

/* Reader side, trace lock held: calls fn on each event published since the
 * last call (the event and its payload contiguous in a scratch copy), on
 * each listed ring, then recycles rings whose owner exited. */
void cprof__trace_tbuf_drain_locked(
	void (*fn)(const struct cprof__trace_event *ev, void *arg), void *arg);
/* Reader side, trace lock held: forgets everything unread (a new trace
 * starts from now). */
void cprof__trace_tbuf_discard_locked(void);

/* fork: the child's thread keeps no ring, and its tid changes. */
void cprof__trace_tbuf_atfork_child(void);

#endif
