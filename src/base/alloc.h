/*
 * alloc.h - cprof's own memory.
 *
 * Every allocation cprof makes goes through these functions, never through
 * malloc directly, so that when the malloc family is interposed (the memory
 * profile) our own allocations never re-enter our hooks: they call the real
 * allocator with the calling thread's re-entry guard raised.
 *
 * Not async-signal-safe: a signal handler uses only memory allocated before
 * it could run.
 */
#ifndef CPROF_SRC_BASE_ALLOC_H
#define CPROF_SRC_BASE_ALLOC_H

#include <stddef.h>

void *cprof__alloc(size_t size);
void *cprof__calloc(size_t count, size_t size);
void *cprof__realloc(void *ptr, size_t size);
void cprof__free(void *ptr);
char *cprof__strdup(const char *s);

/* Page-granular zeroed memory straight from mmap, for rings and tables that
 * handlers write into. Returns NULL on failure. */
void *cprof__map(size_t size);
void cprof__unmap(void *ptr, size_t size);

#endif
