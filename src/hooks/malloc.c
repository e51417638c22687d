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
 * The fast paths are frameless and end in a tail call to the real function
 * (malloc: 8 instructions, free: 7). malloc, calloc and realloc subtract the
 * size from a TLS countdown first (the allocation that takes it below zero
 * is sampled, whether or not it then succeeds); free and realloc read one
 * byte of the sampled set's page filter. Everything else (bootstrap, the
 * sampled allocation, the free of a pointer that may have been sampled) is
 * in cold functions they tail-call; sampling work happens out of line in
 * capture/alloc_sampler.c.
 *
 * Bootstrap: dlsym may allocate (calloc for its error buffer) before the
 * real functions are known; those requests are served from a small static
 * pool, whose blocks are never passed to the real allocator. Until then
 * hooks_real.malloc and .free are bootstrap functions, so malloc and free
 * need no check of their own; the pool's pages are pinned in the page
 * filter, so free and realloc find its blocks on their slow paths without a
 * range check on the fast one.
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

static void *hooks_malloc_unresolved(size_t size);
static void hooks_free_unresolved(void *p);

/* The next definitions. malloc and free start as the bootstrap functions
 * below, so that their hooks call through them without a check; the others
 * are NULL until resolved. malloc is resolved last: once it is no longer
 * hooks_malloc_unresolved, all are known. */
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
} hooks_real = {
	.malloc = hooks_malloc_unresolved,
	.free = hooks_free_unresolved,
};

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
	malloc_fn next_malloc;
	free_fn next_free;

	hooks_resolving = true;
	cprof__sampled_set_pin((uintptr_t)hooks_pool, sizeof(hooks_pool));
	hooks_real.calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
	next_free = (free_fn)dlsym(RTLD_NEXT, "free");
	if (next_free != NULL)
		hooks_real.free = next_free;
	hooks_real.realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
	hooks_real.posix_memalign =
		(posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
	hooks_real.aligned_alloc =
		(memalign_fn)dlsym(RTLD_NEXT, "aligned_alloc");
	hooks_real.memalign = (memalign_fn)dlsym(RTLD_NEXT, "memalign");
	hooks_real.valloc = (valloc_fn)dlsym(RTLD_NEXT, "valloc");
	hooks_real.pvalloc = (valloc_fn)dlsym(RTLD_NEXT, "pvalloc");
	/* Last: a real malloc says everything else is resolved. */
	next_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc");
	atomic_thread_fence(memory_order_release);
	if (next_malloc != NULL)
		hooks_real.malloc = next_malloc;
	hooks_resolving = false;
}

/* True once every real function is known. */
static inline bool hooks_resolved(void)
{
	return __builtin_expect(hooks_real.malloc != hooks_malloc_unresolved,
				1);
}

/* False while the real functions are being looked up (use the pool). */
static inline bool hooks_ready(void)
{
	if (hooks_resolved())
		return true;
	if (hooks_resolving)
		return false;
	hooks_resolve();
	return hooks_resolved();
}

/*
 * cprof__alloc_sample walks the stack from the frame of the function this
 * is inlined into, whose return address must be the allocating code's: the
 * interposed function itself (hooks_allocated, always inlined) or a
 * function the interposed one tail-calls (the hooks_*_sampled and *_slow
 * functions below). The tail calls keep the fast paths frameless; -O2 makes
 * them (-foptimize-sibling-calls), and a build without them would only add
 * the interposed function's frame to each sample.
 */
static inline __attribute__((always_inline)) void hooks_sample(void *p,
							      size_t size)
{
	if (p != NULL && !cprof__reentry_active())
		cprof__alloc_sample(p, size, __builtin_frame_address(0));
}

/* After an allocation, on the paths that count it afterwards. */
static inline __attribute__((always_inline)) void
hooks_allocated(void *p, size_t size)
{
	if (__builtin_expect(cprof__alloc_countdown_crossed(size), 0))
		hooks_sample(p, size);
}

/* hooks_real.malloc until the real functions are known. */
static __attribute__((noinline, cold)) void *
hooks_malloc_unresolved(size_t size)
{
	if (!hooks_ready())
		return hooks_pool_alloc(size);
	return hooks_real.malloc(size);
}

/* An allocation whose countdown crossed zero (already counted). A block
 * from the bootstrap pool is never sampled: its free is not recorded. */
static __attribute__((noinline, cold)) void *hooks_malloc_sampled(size_t size)
{
	void *p = hooks_real.malloc(size);

	if (!hooks_pool_owns(p))
		hooks_sample(p, size);
	return p;
}

CPROF_API void *malloc(size_t size)
{
	if (__builtin_expect(cprof__alloc_countdown_crossed(size), 0))
		return hooks_malloc_sampled(size);
	return hooks_real.malloc(size);
}

/* hooks_real.free until the real functions are known. A pool block never
 * gets here (its page is pinned: it takes hooks_free_slow), nor can any
 * other block while they are being looked up. */
static __attribute__((noinline, cold)) void hooks_free_unresolved(void *p)
{
	if (p != NULL && hooks_ready())
		hooks_real.free(p);
}

/* free of a pool block or of a pointer that may have been sampled (or
 * shares a page cell with one). A sampled pointer's free is recorded
 * before the real free, which may hand the address to another thread at
 * once. */
static __attribute__((noinline, cold)) void hooks_free_slow(void *p)
{
	if (p == NULL || hooks_pool_owns(p))
		return;
	if (!hooks_resolved())
		return; /* cannot happen: p came from a real allocator */
	cprof__alloc_release(p);
	hooks_real.free(p);
}

CPROF_API void free(void *p)
{
	if (__builtin_expect(cprof__alloc_maybe_sampled(p), 0)) {
		hooks_free_slow(p);
		return;
	}
	hooks_real.free(p);
}

static __attribute__((noinline, cold)) void *
hooks_calloc_bootstrap(size_t count, size_t size)
{
	size_t bytes;
	void *p;

	if (hooks_ready()) {
		p = hooks_real.calloc(count, size);
		if (p != NULL && !__builtin_mul_overflow(count, size, &bytes))
			hooks_allocated(p, bytes);
		return p;
	}
	if (__builtin_mul_overflow(count, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	p = hooks_pool_alloc(bytes);
	if (p != NULL)
		memset(p, 0, bytes);
	return p;
}

static __attribute__((noinline, cold)) void *
hooks_calloc_sampled(size_t count, size_t size, size_t bytes)
{
	void *p = hooks_real.calloc(count, size);

	hooks_sample(p, bytes);
	return p;
}

/* An overflowing count * size is the allocator's to refuse, uncounted. */
CPROF_API void *calloc(size_t count, size_t size)
{
	size_t bytes;

	if (__builtin_expect(!hooks_resolved(), 0))
		return hooks_calloc_bootstrap(count, size);
	if (!__builtin_mul_overflow(count, size, &bytes) &&
	    __builtin_expect(cprof__alloc_countdown_crossed(bytes), 0))
		return hooks_calloc_sampled(count, size, bytes);
	return hooks_real.calloc(count, size);
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

/* realloc of a pool block or of a pointer that may have been sampled, and
 * before the real functions are known. A sampled pointer's free is
 * recorded before the real realloc (see free). */
static __attribute__((noinline, cold)) void *hooks_realloc_slow(void *p,
								size_t size)
{
	void *q;

	if (p != NULL && hooks_pool_owns(p))
		return hooks_pool_realloc(p, size);
	if (!hooks_ready())
		return hooks_pool_alloc(size);
	if (p != NULL)
		cprof__alloc_release(p);
	q = hooks_real.realloc(p, size);
	hooks_allocated(q, size);
	return q;
}

/* A realloc whose countdown crossed zero (already counted). */
static __attribute__((noinline, cold)) void *
hooks_realloc_sampled(void *p, size_t size)
{
	void *q = hooks_real.realloc(p, size);

	hooks_sample(q, size);
	return q;
}

/* realloc's body, shared with reallocarray. */
static inline __attribute__((always_inline)) void *
hooks_realloc(void *p, size_t size)
{
	if (__builtin_expect(!hooks_resolved() || cprof__alloc_maybe_sampled(p),
			     0))
		return hooks_realloc_slow(p, size);
	if (__builtin_expect(cprof__alloc_countdown_crossed(size), 0))
		return hooks_realloc_sampled(p, size);
	return hooks_real.realloc(p, size);
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
