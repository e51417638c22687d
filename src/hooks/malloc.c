/*
 * malloc.c - the interposed malloc family.
 *
 * Each function calls the next definition in the lookup order (glibc's, or
 * jemalloc's or tcmalloc's when the host links or preloads them), found with
 * dlsym(RTLD_NEXT): cprof never replaces the allocator, it watches it. What
 * the host sees is unchanged: return values, errno (ENOMEM exactly as the
 * allocator sets it), alignment, malloc_usable_size (not interposed at all),
 * the allocator's own behaviour on overflow, invalid or double frees.
 *
 * The fast path is the call to the real function plus one subtraction on a
 * TLS countdown; frees add one lock-free filter load. Sampling work happens
 * out of line in capture/alloc_sampler.c.
 *
 * Bootstrap: dlsym may allocate (calloc for its error buffer) before the
 * real functions are known; those requests are served from a small static
 * pool, whose blocks are never passed to the real allocator.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

#include "base/reentry.h"
#include "capture/alloc_sampler.h"
#include "cprof.h"
#include "hooks/hooks.h"

#define BOOTSTRAP_POOL_SIZE (64u << 10)

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*memalign_fn)(size_t, size_t);
typedef void *(*valloc_fn)(size_t);

static struct {
	malloc_fn malloc;
	free_fn free;
	calloc_fn calloc;
	realloc_fn realloc;
	posix_memalign_fn posix_memalign;
	memalign_fn aligned_alloc;
	memalign_fn memalign;
	valloc_fn valloc;
	valloc_fn pvalloc;
} hooks_real;

static __thread bool hooks_resolving;
static alignas(16) unsigned char hooks_pool[BOOTSTRAP_POOL_SIZE];
static _Atomic size_t hooks_pool_used;

static bool hooks_pool_owns(const void *p)
{
	return (const unsigned char *)p >= hooks_pool &&
	       (const unsigned char *)p < hooks_pool + sizeof(hooks_pool);
}

/* 16-byte aligned blocks with their size in the 16 bytes before them. */
static void *hooks_pool_alloc(size_t size)
{
	size_t need = ((size + 15) & ~(size_t)15) + 16;
	size_t at = atomic_fetch_add(&hooks_pool_used, need);

	if (size > BOOTSTRAP_POOL_SIZE || at + need > sizeof(hooks_pool)) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(hooks_pool + at, &size, sizeof(size));
	return hooks_pool + at + 16;
}

static size_t hooks_pool_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - 16, sizeof(size));
	return size;
}

static void hooks_resolve(void)
{
	hooks_resolving = true;
	hooks_real.calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
	hooks_real.free = (free_fn)dlsym(RTLD_NEXT, "free");
	hooks_real.realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
	hooks_real.posix_memalign =
		(posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
	hooks_real.aligned_alloc =
		(memalign_fn)dlsym(RTLD_NEXT, "aligned_alloc");
	hooks_real.memalign = (memalign_fn)dlsym(RTLD_NEXT, "memalign");
	hooks_real.valloc = (valloc_fn)dlsym(RTLD_NEXT, "valloc");
	hooks_real.pvalloc = (valloc_fn)dlsym(RTLD_NEXT, "pvalloc");
	/* Last: a non-NULL malloc says everything else is resolved. */
	atomic_thread_fence(memory_order_release);
	hooks_real.malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
	hooks_resolving = false;
}

/* False while the real functions are being looked up (use the pool). */
static inline bool hooks_ready(void)
{
	if (__builtin_expect(hooks_real.malloc != NULL, 1))
		return true;
	if (hooks_resolving)
		return false;
	hooks_resolve();
	return hooks_real.malloc != NULL;
}

/* After a successful allocation: the sampling fast path. Always inlined, so
 * that cprof__alloc_sample is called from the interposed function itself. */
static inline __attribute__((always_inline)) void
hooks_allocated(void *p, size_t size)
{
	if (__builtin_expect(cprof__alloc_countdown_crossed(size), 0) &&
	    p != NULL && !cprof__reentry_active())
		cprof__alloc_sample(p, size);
}

CPROF_API void *malloc(size_t size)
{
	void *p;

	if (!hooks_ready())
		return hooks_pool_alloc(size);
	p = hooks_real.malloc(size);
	hooks_allocated(p, size);
	return p;
}

CPROF_API void free(void *p)
{
	if (p == NULL || hooks_pool_owns(p))
		return;
	if (!hooks_ready())
		return; /* cannot happen: p came from a real allocator */
	if (__builtin_expect(cprof__alloc_maybe_sampled(p), 0))
		cprof__alloc_release(p);
	hooks_real.free(p);
}

CPROF_API void *calloc(size_t count, size_t size)
{
	size_t bytes;
	void *p;

	if (!hooks_ready()) {
		if (__builtin_mul_overflow(count, size, &bytes)) {
			errno = ENOMEM;
			return NULL;
		}
		p = hooks_pool_alloc(bytes);
		if (p != NULL)
			memset(p, 0, bytes);
		return p;
	}
	p = hooks_real.calloc(count, size);
	if (p != NULL && !__builtin_mul_overflow(count, size, &bytes))
		hooks_allocated(p, bytes);
	return p;
}

/* realloc of a block from the bootstrap pool: move it to the real heap. */
static void *hooks_pool_realloc(void *p, size_t size)
{
	size_t old = hooks_pool_size(p);
	void *q = malloc(size);

	if (q != NULL)
		memcpy(q, p, old < size ? old : size);
	return q;
}

/* realloc's body, always inlined so that cprof__alloc_sample is called from
 * the interposed function (realloc or reallocarray) itself. */
static inline __attribute__((always_inline)) void *
hooks_realloc(void *p, size_t size)
{
	void *q;

	if (p != NULL && hooks_pool_owns(p))
		return hooks_pool_realloc(p, size);
	if (!hooks_ready())
		return hooks_pool_alloc(size);
	if (p != NULL && __builtin_expect(cprof__alloc_maybe_sampled(p), 0))
		cprof__alloc_release(p);
	q = hooks_real.realloc(p, size);
	hooks_allocated(q, size);
	return q;
}

CPROF_API void *realloc(void *p, size_t size)
{
	return hooks_realloc(p, size);
}

/* glibc's own reallocarray is an overflow check in front of realloc; doing
 * the same here keeps its semantics whichever allocator is behind us, and
 * counts the allocation once. */
CPROF_API void *reallocarray(void *p, size_t count, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(count, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return hooks_realloc(p, bytes);
}

CPROF_API int posix_memalign(void **out, size_t align, size_t size)
{
	int rc;

	if (!hooks_ready())
		return ENOMEM;
	rc = hooks_real.posix_memalign(out, align, size);
	if (rc == 0)
		hooks_allocated(*out, size);
	return rc;
}

CPROF_API void *aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (!hooks_ready())
		return NULL;
	p = hooks_real.aligned_alloc(align, size);
	hooks_allocated(p, size);
	return p;
}

CPROF_API void *memalign(size_t align, size_t size)
{
	void *p;

	if (!hooks_ready())
		return NULL;
	p = hooks_real.memalign(align, size);
	hooks_allocated(p, size);
	return p;
}

CPROF_API void *valloc(size_t size)
{
	void *p;

	if (!hooks_ready())
		return NULL;
	p = hooks_real.valloc(size);
	hooks_allocated(p, size);
	return p;
}

CPROF_API void *pvalloc(size_t size)
{
	void *p;

	if (!hooks_ready())
		return NULL;
	p = hooks_real.pvalloc(size);
	hooks_allocated(p, size);
	return p;
}

const char *cprof__hooks_allocator(void)
{
	Dl_info info;

	if (!hooks_ready() || dladdr((void *)hooks_real.malloc, &info) == 0 ||
	    info.dli_fname == NULL)
		return "";
	return info.dli_fname;
}

bool cprof__hooks_malloc_interposed(void)
{
	return dlsym(RTLD_DEFAULT, "malloc") == (void *)malloc;
}
