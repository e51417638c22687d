/*
 * alloc.c - cprof's own memory (see alloc.h).
 *
 * For now the real allocator is simply malloc: nothing interposes it yet.
 * When the memory profile interposes the malloc family, these functions
 * raise the thread's re-entry guard around the call so the hook passes the
 * request straight through.
 */
#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *cprof__alloc(size_t size) { return malloc(size); }

void *cprof__calloc(size_t count, size_t size) { return calloc(count, size); }

void *cprof__realloc(void *ptr, size_t size) { return realloc(ptr, size); }

void cprof__free(void *ptr) { free(ptr); }

char *cprof__strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = cprof__alloc(n);

	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}

void *cprof__map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void cprof__unmap(void *ptr, size_t size)
{
	if (ptr != NULL)
		munmap(ptr, size);
}
