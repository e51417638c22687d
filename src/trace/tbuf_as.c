/*
 * tbuf_as.c - the writer side of the per-thread trace rings (tbuf.h).
 *
 * Everything here may run inside a hook or a signal handler: no lock, no
 * allocation, errno untouched. The owner is the only writer of its ring, so
 * a write is: check room against the reader's tail, copy the slots, publish
 * the new head with a release store. A ring more than half full wakes the
 * collector early (sem_post on the capture ring's semaphore, which it
 * sleeps on), as a half-full capture ring does.
 */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture/ring.h"
#include "trace/tbuf.h"

/* Set while this thread writes an event: a signal handler that interrupts
 * the write and emits too must not interleave its slots with ours. */
static __thread int tbuf_writing;
static __thread uint32_t tbuf_tid;

uint32_t cprof__trace_tid_as(void)
{
	if (tbuf_tid == 0)
		tbuf_tid = (uint32_t)syscall(SYS_gettid);
	return tbuf_tid;
}

void cprof__trace_tid_reset_as(void) { tbuf_tid = 0; }

/* Copies n payload bytes into the slots from pos on, in at most two
 * pieces (the ring may wrap in the middle). */
static void tbuf_copy_as(struct cprof__trace_tbuf *tb, uint64_t pos,
			 const void *src, size_t n)
{
	size_t at = (size_t)(pos & tb->mask);
	size_t room = ((size_t)tb->mask + 1 - at) * CPROF_TRACE_SLOT_BYTES;
	size_t first = n < room ? n : room;

	memcpy(&tb->slots[at], src, first);
	if (n > first)
		memcpy(&tb->slots[0], (const char *)src + first, n - first);
}

void cprof__trace_tbuf_put_as(struct cprof__trace_tbuf *tb,
			      struct cprof__trace_event *hdr,
			      const void *payload, size_t n)
{
	uint64_t head, tail, need;

	need = 1 + (n + CPROF_TRACE_SLOT_BYTES - 1) / CPROF_TRACE_SLOT_BYTES;
	if (tbuf_writing++ != 0)
		goto drop;
	head = atomic_load_explicit(&tb->head, memory_order_relaxed);
	tail = atomic_load_explicit(&tb->tail, memory_order_acquire);
	if (head + need - tail > (uint64_t)tb->mask + 1)
		goto drop;
	hdr->nslots = (uint8_t)need;
	memcpy(&tb->slots[head & tb->mask], hdr, sizeof(*hdr));
	tbuf_copy_as(tb, head + 1, payload, n);
	atomic_store_explicit(&tb->head, head + need, memory_order_release);
	if ((head + need - tail) * 2 > (uint64_t)tb->mask + 1 &&
	    !atomic_exchange_explicit(&tb->kicked, true, memory_order_relaxed))
		cprof__ring_wake(&cprof__capture_ring); /* sem_post: AS-safe */
	tbuf_writing--;
	return;
drop:
	atomic_fetch_add_explicit(&tb->dropped, 1, memory_order_relaxed);
	tbuf_writing--;
}
