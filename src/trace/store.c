/*
 * store.c - the chunked, bounded event store (store.h).
 */
#include "trace/store.h"

#include <string.h>

#include "base/alloc.h"

struct cprof__trace_chunk {
	struct cprof__trace_chunk *next;
	size_t used;     /* slots */
	int64_t newest;  /* largest ts in the chunk */
	struct cprof__trace_event slots[CPROF_TRACE_CHUNK_SLOTS];
};

_Static_assert(sizeof(struct cprof__trace_chunk) <= CPROF_TRACE_CHUNK_BYTES,
	       "a chunk fits its huge page");

void cprof__trace_store_init(struct cprof__trace_store *s, bool ring,
			     int64_t window_ns, size_t max_bytes)
{
	memset(s, 0, sizeof(*s));
	s->ring = ring;
	s->window_ns = window_ns;
	s->max_chunks = max_bytes / CPROF_TRACE_CHUNK_BYTES;
	if (s->max_chunks < 2)
		s->max_chunks = 2;
}

static void store_free_list(struct cprof__trace_chunk *c)
{
	while (c != NULL) {
		struct cprof__trace_chunk *next = c->next;

		cprof__unmap(c, CPROF_TRACE_CHUNK_BYTES);
		c = next;
	}
}

void cprof__trace_store_fini(struct cprof__trace_store *s)
{
	store_free_list(s->first);
	store_free_list(s->spare);
	memset(s, 0, sizeof(*s));
}

/* Unlinks the oldest chunk and returns it. */
static struct cprof__trace_chunk *store_pop(struct cprof__trace_store *s)
{
	struct cprof__trace_chunk *c = s->first;

	s->first = c->next;
	if (s->first == NULL)
		s->last = NULL;
	s->nchunks--;
	return c;
}

static struct cprof__trace_chunk *store_grow(struct cprof__trace_store *s)
{
	struct cprof__trace_chunk *c = NULL;

	if (s->nchunks >= s->max_chunks) {
		if (!s->ring)
			return NULL;
		c = store_pop(s);
	} else if (s->spare != NULL) {
		c = s->spare;
		s->spare = c->next;
		s->nspare--;
	} else {
		c = cprof__map_huge(CPROF_TRACE_CHUNK_BYTES);
		if (c == NULL)
			return NULL;
	}
	c->next = NULL;
	c->used = 0;
	c->newest = INT64_MIN;
	if (s->last != NULL)
		s->last->next = c;
	else
		s->first = c;
	s->last = c;
	s->nchunks++;
	return c;
}

void cprof__trace_store_add(struct cprof__trace_store *s,
			    const struct cprof__trace_event *ev)
{
	struct cprof__trace_chunk *c = s->last;
	size_t n = ev->nslots;

	if (c == NULL || c->used + n > CPROF_TRACE_CHUNK_SLOTS)
		c = store_grow(s);
	if (c == NULL) {
		/* A drop count refused stands for the events it counts. */
		s->dropped += ev->kind == CPROF_TRACE_DROPPED ? (uint64_t)ev->a : 1;
		return;
	}
	memcpy(&c->slots[c->used], ev, n * sizeof(*ev));
	c->used += n;
	if (ev->ts > c->newest)
		c->newest = ev->ts;
}

void cprof__trace_store_age(struct cprof__trace_store *s, int64_t now)
{
	while (s->ring && s->first != NULL && s->first != s->last &&
	       s->first->newest < now - s->window_ns) {
		struct cprof__trace_chunk *c = store_pop(s);

		if (s->nspare < CPROF_TRACE_STORE_SPARES) {
			c->next = s->spare;
			s->spare = c;
			s->nspare++;
		} else {
			cprof__unmap(c, CPROF_TRACE_CHUNK_BYTES);
		}
	}
}

void cprof__trace_store_iter_init(const struct cprof__trace_store *s,
				  struct cprof__trace_store_iter *it)
{
	it->chunk = s->first;
	it->pos = 0;
}

const struct cprof__trace_event *
cprof__trace_store_next(struct cprof__trace_store_iter *it)
{
	const struct cprof__trace_event *ev;

	while (it->chunk != NULL && it->pos >= it->chunk->used) {
		it->chunk = it->chunk->next;
		it->pos = 0;
	}
	if (it->chunk == NULL)
		return NULL;
	ev = &it->chunk->slots[it->pos];
	it->pos += ev->nslots;
	return ev;
}
