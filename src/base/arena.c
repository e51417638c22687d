/*
 * arena.c - bump allocator (see arena.h).
 */
#include "base/arena.h"

#include <stdint.h>
#include <string.h>

#include "base/alloc.h"

struct cprof__arena_chunk {
	struct cprof__arena_chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(16) unsigned char data[];
};

void cprof__arena_init(struct cprof__arena *a, size_t limit)
{
	a->chunks = NULL;
	a->used = 0;
	a->limit = limit ? limit : CPROF_ARENA_DEFAULT_LIMIT;
}

void cprof__arena_fini(struct cprof__arena *a)
{
	struct cprof__arena_chunk *c = a->chunks;

	while (c != NULL) {
		struct cprof__arena_chunk *next = c->next;

		cprof__free(c);
		c = next;
	}
	a->chunks = NULL;
	a->used = 0;
}

void *cprof__arena_alloc(struct cprof__arena *a, size_t size)
{
	struct cprof__arena_chunk *c = a->chunks;
	size_t need = (size + 15) & ~(size_t)15;

	if (need < size || need > a->limit - a->used)
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		size_t csize = need > CPROF_ARENA_CHUNK ? need
							: CPROF_ARENA_CHUNK;

		c = cprof__alloc(sizeof(*c) + csize);
		if (c == NULL)
			return NULL;
		c->size = csize;
		c->used = 0;
		/* A private oversized chunk goes behind the current one so
		 * the current one keeps serving small requests. */
		if (need > CPROF_ARENA_CHUNK && a->chunks != NULL) {
			c->next = a->chunks->next;
			a->chunks->next = c;
		} else {
			c->next = a->chunks;
			a->chunks = c;
		}
	}
	c->used += need;
	a->used += need;
	return c->data + c->used - need;
}

void *cprof__arena_zalloc(struct cprof__arena *a, size_t size)
{
	void *p = cprof__arena_alloc(a, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *cprof__arena_strndup(struct cprof__arena *a, const char *s, size_t n)
{
	char *p = cprof__arena_alloc(a, n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}
