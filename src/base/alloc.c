/*
 * alloc.c - cprof's own memory (see alloc.h).
 *
 * The malloc family is interposed by the memory profile, so these
 * functions raise the thread's re-entry guard around each call: the hook
 * then passes the request straight to the real allocator, unsampled.
 */
#include "base/alloc.h"
#include "base/reentry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

__thread int cprof__reentry_depth;

void *cprof__alloc(size_t size)
{
	void *p;

	cprof__reentry_enter();
	p = malloc(size);
	cprof__reentry_leave();
	return p;
}

void *cprof__calloc(size_t count, size_t size)
{
	void *p;

	cprof__reentry_enter();
	p = calloc(count, size);
	cprof__reentry_leave();
	return p;
}

void *cprof__realloc(void *ptr, size_t size)
{
	void *p;

	cprof__reentry_enter();
	p = realloc(ptr, size);
	cprof__reentry_leave();
	return p;
}

void cprof__free(void *ptr)
{
	cprof__reentry_enter();
	free(ptr);
	cprof__reentry_leave();
}

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

void *cprof__map_huge(size_t size)
{
	size_t align = CPROF_HUGE_PAGE_BYTES;
	char *p = cprof__map(size + align), *a;

	if (p == NULL)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	munmap(a + size, (size_t)(p + align - a)); /* a < p + align */
	madvise(a, size, MADV_HUGEPAGE); /* advice: refused is fine */
	return a;
}

void cprof__unmap(void *ptr, size_t size)
{
	if (ptr != NULL)
		munmap(ptr, size);
}
