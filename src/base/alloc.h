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
/* The same, CPROF_HUGE_PAGE_BYTES-aligned (size a multiple of it) and
 * advised as huge pages (MADV_HUGEPAGE), for a store that grows by touching
 * fresh memory: where transparent huge pages are on ("always" or
 * "madvise"), it faults once per 2 MiB instead of once per 4 KiB page (a
 * fault costs 2.7–3.5 µs per 4 KiB here, a huge page 0.6–0.8 µs per 4 KiB:
 * bench/trace's trace_sys_cost). Elsewhere it is cprof__map. Free with
 * cprof__unmap. */
#define CPROF_HUGE_PAGE_BYTES ((size_t)2 << 20)
void *cprof__map_huge(size_t size);

#endif
