/*
 * tbuf.c - creating, listing, reading and recycling the per-thread trace
 * rings (tbuf.h). The writer side is tbuf_as.c.
 *
 * The list lock protects the list and the free list; it is taken by a
 * thread creating its ring (once per thread), by a thread giving its ring
 * back at exit, and by the reader. Nothing that holds it allocates from the
 * host's allocator or waits for another thread.
 */
#include "trace/tbuf.h"

#include <pthread.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/reentry.h"

uint32_t cprof__trace_tbuf_slots =
	CPROF_TRACE_DEFAULT_BUFFER_BYTES / CPROF_TRACE_SLOT_BYTES;

static pthread_mutex_t tbuf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cprof__trace_tbuf *tbuf_list; /* tbuf_lock */
static struct cprof__trace_tbuf *tbuf_free; /* tbuf_lock; rings to reuse */
static __thread struct cprof__trace_tbuf *tbuf_self;
static __thread bool tbuf_gone; /* the thread has exited: no new ring */

static struct cprof__trace_tbuf *tbuf_new(uint32_t slots)
{
	struct cprof__trace_tbuf *tb = cprof__map(sizeof(*tb));

	if (tb == NULL)
		return NULL;
	tb->slots = cprof__map((size_t)slots * CPROF_TRACE_SLOT_BYTES);
	if (tb->slots == NULL) {
		cprof__unmap(tb, sizeof(*tb));
		return NULL;
	}
	tb->mask = slots - 1;
	return tb;
}

/* A recycled ring of the current size, or a new one; tbuf_lock held. */
static struct cprof__trace_tbuf *tbuf_take_locked(void)
{
	uint32_t slots = cprof__trace_tbuf_slots;
	struct cprof__trace_tbuf **pp = &tbuf_free;

	while (*pp != NULL) {
		struct cprof__trace_tbuf *tb = *pp;

		*pp = tb->next;
		if (tb->mask + 1 == slots)
			return tb;
		cprof__unmap(tb->slots,
			     (size_t)(tb->mask + 1) * CPROF_TRACE_SLOT_BYTES);
		cprof__unmap(tb, sizeof(*tb));
	}
	return tbuf_new(slots);
}

struct cprof__trace_tbuf *cprof__trace_tbuf_self(void)
{
	struct cprof__trace_tbuf *tb = tbuf_self;

	if (tb != NULL || tbuf_gone)
		return tb;
	/* Called from the wait hooks: a contended tbuf_lock must not come back
	 * through pthread_mutex_lock's hook into a wait event, and the map
	 * must not be sampled. */
	cprof__reentry_enter();
	pthread_mutex_lock(&tbuf_lock);
	tb = tbuf_take_locked();
	if (tb != NULL) {
		atomic_store(&tb->head, 0);
		atomic_store(&tb->tail, 0);
		atomic_store(&tb->dropped, 0);
		tb->dropped_seen = 0;
		atomic_store(&tb->exited, false);
		atomic_store(&tb->kicked, false);
		cprof__stack_cache_reset(&tb->stack_cache);
		tb->tid = cprof__trace_tid_as();
		tb->next = tbuf_list;
		tbuf_list = tb;
	}
	pthread_mutex_unlock(&tbuf_lock);
	cprof__reentry_leave();
	tbuf_self = tb;
	return tb;
}

void cprof__trace_tbuf_exit(void)
{
	struct cprof__trace_tbuf *tb = tbuf_self;

	tbuf_gone = true;
	tbuf_self = NULL;
	if (tb != NULL)
		atomic_store_explicit(&tb->exited, true, memory_order_release);
}

/* The event at pos, header and payload contiguous: in place, or copied
 * into scratch when it wraps around the end of the ring. */
static const struct cprof__trace_event *
tbuf_read(const struct cprof__trace_tbuf *tb, uint64_t pos,
	  struct cprof__trace_event scratch[CPROF_TRACE_MAX_SLOTS])
{
	const struct cprof__trace_event *hdr = &tb->slots[pos & tb->mask];
	unsigned n = hdr->nslots;

	if (n == 0 || n > CPROF_TRACE_MAX_SLOTS)
		return NULL; /* cannot happen: the owner wrote a bad header */
	if ((pos & tb->mask) + n <= (uint64_t)tb->mask + 1)
		return hdr;
	for (unsigned i = 0; i < n; i++)
		scratch[i] = tb->slots[(pos + i) & tb->mask];
	return scratch;
}

static void tbuf_drain_one(struct cprof__trace_tbuf *tb,
			   void (*fn)(const struct cprof__trace_event *,
				      void *),
			   void *arg)
{
	struct cprof__trace_event scratch[CPROF_TRACE_MAX_SLOTS];
	uint64_t head = atomic_load_explicit(&tb->head, memory_order_acquire);
	uint64_t pos = atomic_load_explicit(&tb->tail, memory_order_relaxed);
	uint64_t dropped;

	while (pos < head) {
		const struct cprof__trace_event *ev = tbuf_read(tb, pos, scratch);

		if (ev == NULL) {
			pos = head;
			break;
		}
		if (fn != NULL)
			fn(ev, arg);
		pos += ev->nslots;
	}
	atomic_store_explicit(&tb->tail, pos, memory_order_release);
	atomic_store_explicit(&tb->kicked, false, memory_order_relaxed);
	dropped = atomic_load_explicit(&tb->dropped, memory_order_relaxed);
	if (dropped != tb->dropped_seen && fn != NULL) {
		struct cprof__trace_event d = {
			.kind = CPROF_TRACE_DROPPED, .nslots = 1,
			.tid = tb->tid, .ts = cprof__now_ns(),
			.a = (int64_t)(dropped - tb->dropped_seen)};

		fn(&d, arg);
	}
	tb->dropped_seen = dropped;
}

static void tbuf_drain_all(void (*fn)(const struct cprof__trace_event *,
				      void *),
			   void *arg)
{
	struct cprof__trace_tbuf **pp;

	pthread_mutex_lock(&tbuf_lock);
	pp = &tbuf_list;
	while (*pp != NULL) {
		struct cprof__trace_tbuf *tb = *pp;
		bool exited = atomic_load_explicit(&tb->exited,
						   memory_order_acquire);

		tbuf_drain_one(tb, fn, arg);
		if (exited) {
			*pp = tb->next;
			tb->next = tbuf_free;
			tbuf_free = tb;
		} else {
			pp = &tb->next;
		}
	}
	pthread_mutex_unlock(&tbuf_lock);
}

void cprof__trace_tbuf_drain_locked(
	void (*fn)(const struct cprof__trace_event *ev, void *arg), void *arg)
{
	tbuf_drain_all(fn, arg);
}

void cprof__trace_tbuf_discard_locked(void) { tbuf_drain_all(NULL, NULL); }

void cprof__trace_tbuf_atfork_child(void)
{
	pthread_mutex_init(&tbuf_lock, NULL);
	tbuf_self = NULL;
	tbuf_gone = false;
	cprof__trace_tid_reset_as();
	/* The other threads' rings are unreachable in the child: leak them
	 * (no thread of theirs exists there to be read). */
	tbuf_list = NULL;
}
