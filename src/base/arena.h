/*
 * arena.h - a bump allocator for objects that die together.
 *
 * A profile model (and everything it points to) lives in one arena and is
 * freed in one call. Chunks come from cprof__alloc; a request larger than a
 * chunk gets a chunk of its own. A total cap bounds the arena: hitting it is
 * an allocation failure (NULL), never an unbounded host heap.
 */
#ifndef CPROF_SRC_BASE_ARENA_H
#define CPROF_SRC_BASE_ARENA_H

#include <stddef.h>

#define CPROF_ARENA_CHUNK (64u << 10)
#define CPROF_ARENA_DEFAULT_LIMIT (4ull << 30)

struct cprof__arena_chunk;

struct cprof__arena {
	struct cprof__arena_chunk *chunks; /* newest first */
	size_t used;  /* bytes handed out, for the cap and for reports */
	size_t limit; /* 0: CPROF_ARENA_DEFAULT_LIMIT */
};

void cprof__arena_init(struct cprof__arena *a, size_t limit);
void cprof__arena_fini(struct cprof__arena *a);
/* 16-byte aligned, uninitialised; NULL when out of memory or over the cap. */
void *cprof__arena_alloc(struct cprof__arena *a, size_t size);
void *cprof__arena_zalloc(struct cprof__arena *a, size_t size);
char *cprof__arena_strndup(struct cprof__arena *a, const char *s, size_t n);

#endif
