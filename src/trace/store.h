/*
 * store.h - where collected trace events wait for a dump: a list of chunks
 * of event slots, bounded in bytes.
 *
 * A store is either a log (keep everything up to the bound, then drop new
 * events and count them) or a flight ring (keep the most recent events:
 * chunks older than the window, or the oldest chunk when the bound is hit,
 * are reused). Events are kept whole: one never straddles two chunks.
 *
 * Not thread-safe: the trace lock (trace.c) protects every store.
 */
#ifndef CPROF_SRC_TRACE_STORE_H
#define CPROF_SRC_TRACE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "trace/event.h"

/* A chunk is one huge page (2 MiB, cprof__map_huge: a store growing
 * through fresh memory faults once per chunk, not once per 4 KiB); its
 * header takes the first slot's room. */
#define CPROF_TRACE_CHUNK_BYTES CPROF_HUGE_PAGE_BYTES
#define CPROF_TRACE_CHUNK_SLOTS                                               \
	(CPROF_TRACE_CHUNK_BYTES / CPROF_TRACE_SLOT_BYTES - 1)
/* Bytes of events one store keeps at most: 32 MiB, about a million events
 * (a hook's wait takes 1 slot, 2 to 17 with its stack). Their JSON, about 150
 * bytes an event, then stays under the 256 MiB cap of the buffer it is
 * written into (CPROF_BUF_DEFAULT_LIMIT). A log drops past it. */
#define CPROF_TRACE_STORE_MAX_BYTES (32u << 20)
#define CPROF_TRACE_STORE_SPARES 2

struct cprof__trace_chunk;

struct cprof__trace_store {
	struct cprof__trace_chunk *first;
	struct cprof__trace_chunk *last;
	size_t nchunks;
	size_t max_chunks;
	bool ring;         /* flight recorder: reuse the oldest chunk */
	int64_t window_ns; /* ring: keep chunks with events this recent */
	uint64_t dropped;  /* log: events refused at the bound */
	/* Ring: chunks aged out, kept for reuse (at most
	 * CPROF_TRACE_STORE_SPARES) so that a steady flight recorder does
	 * not fault fresh pages in all the time. */
	struct cprof__trace_chunk *spare;
	size_t nspare;
};

void cprof__trace_store_init(struct cprof__trace_store *s, bool ring,
			     int64_t window_ns, size_t max_bytes);
void cprof__trace_store_fini(struct cprof__trace_store *s);
/* Copies ev (ev->nslots slots) in; counts it in dropped when it cannot (a
 * refused CPROF_TRACE_DROPPED event counts as the events it counted). */
void cprof__trace_store_add(struct cprof__trace_store *s,
			    const struct cprof__trace_event *ev);
/* Ring: frees chunks whose newest event is older than now - window. */
void cprof__trace_store_age(struct cprof__trace_store *s, int64_t now);

/* Iteration over the stored events, oldest chunk first. */
struct cprof__trace_store_iter {
	const struct cprof__trace_chunk *chunk;
	size_t pos;
};
void cprof__trace_store_iter_init(const struct cprof__trace_store *s,
				  struct cprof__trace_store_iter *it);
const struct cprof__trace_event *
cprof__trace_store_next(struct cprof__trace_store_iter *it);

#endif
