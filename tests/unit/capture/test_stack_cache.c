/*
 * test_stack_cache.c - the stack cache (capture/stack_cache.h) returns
 * exactly what a fresh walk returns.
 *
 * Two callers with the same frame layout call one function at the same
 * depth, which calls the "hook": the walk starts from the same pc, sp and
 * rbp either way, and only a word further up the stack (the return address
 * into one caller or the other) tells them apart. Alternating them, every
 * cached stack must equal the walk made beside it, the two stacks must
 * differ (else the test proves nothing), and repeats must hit the cache.
 * A stack word that changes (the rbp a frame saved) and new tables also
 * make it walk again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/cfi_registry.h"
#include "capture/stack_cache.h"
#include "capture/stack_here.h"
#include "capture/threads.h"
#include "capture/unwind_select.h"

struct probe {
	struct cprof__stack_cache cache;
	uintptr_t cached[CPROF_MAX_FRAMES], fresh[CPROF_MAX_FRAMES];
	int ncached, nfresh;
	const void *frame;
};

static struct probe probe;

static __attribute__((noinline)) void hook(void)
{
	enum cprof__unwind_end e1, e2;

	probe.frame = __builtin_frame_address(0);
	probe.ncached = cprof__stack_cache_from_frame(
		&probe.cache, probe.cached, CPROF_MAX_FRAMES, probe.frame, 0,
		&e1);
	probe.nfresh = cprof__stack_from_frame(probe.fresh, CPROF_MAX_FRAMES,
					       probe.frame, 0, &e2);
	assert_int_equal(e1, e2);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void common(void)
{
	hook();
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void caller_a(void)
{
	common();
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void caller_b(void)
{
	common();
	__asm__ volatile("" ::: "memory");
}

/* Runs one caller; returns the hook's frame. */
static const void *run(void (*fn)(void), uintptr_t *out, int *n)
{
	fn();
	assert_true(probe.nfresh > 2);
	assert_int_equal(probe.ncached, probe.nfresh);
	assert_memory_equal(probe.cached, probe.fresh,
			    (size_t)probe.nfresh * sizeof(uintptr_t));
	memcpy(out, probe.fresh, (size_t)probe.nfresh * sizeof(uintptr_t));
	*n = probe.nfresh;
	return probe.frame;
}

static void test_same_start_different_stacks(void **state)
{
	static const char order[] = "AABABBBAAB";
	uintptr_t a[CPROF_MAX_FRAMES], b[CPROF_MAX_FRAMES];
	const void *fa = NULL, *fb = NULL;
	int na = 0, nb = 0;

	cprof__stack_cache_reset(&probe.cache);
	probe.cache.hits = probe.cache.misses = 0;
	for (const char *o = order; *o != '\0'; o++) {
		if (*o == 'A')
			fa = run(caller_a, a, &na);
		else
			fb = run(caller_b, b, &nb);
	}
	/* the same start, the stacks apart */
	assert_ptr_equal(fa, fb);
	assert_int_equal(na, nb);
	assert_memory_not_equal(a, b, (size_t)na * sizeof(uintptr_t));
	assert_true(probe.cache.hits >= 4);
	assert_true(probe.cache.misses >= 2);
}

static void test_new_tables_walk_again(void **state)
{
	uintptr_t s[CPROF_MAX_FRAMES];
	uint64_t misses;
	int n;

	cprof__stack_cache_reset(&probe.cache);
	run(caller_a, s, &n);
	run(caller_a, s, &n);
	misses = probe.cache.misses;
	/* an entry made with other tables is not used */
	for (int i = 0; i < CPROF_STACK_CACHE_WAYS; i++)
		probe.cache.e[i].log.tables ^= 1;
	run(caller_a, s, &n);
	assert_int_equal(probe.cache.misses, misses + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_start_different_stacks),
		cmocka_unit_test(test_new_tables_walk_again),
	};

	int rc;

	if (cprof__threads_init() != 0 || cprof__cfi_init() != 0 ||
	    cprof__thread_register_self(false) == NULL)
		return 1;
	atomic_store(&cprof__unwinder_in_use, CPROF_UNWINDER_CFI);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cprof__thread_unregister_self();
	cprof__cfi_fini();
	return rc;
}
