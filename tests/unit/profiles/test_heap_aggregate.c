/*
 * test_heap_aggregate.c - the memory-profile buckets and their live table:
 * a free finds its allocation's bucket, an address allocated again while
 * still live (its free was lost) counts the earlier allocation freed, an
 * unknown free changes nothing, and all of it holds across the live
 * table's growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "profiles/heap_aggregate.h"

static void rec_set(struct cprof__record *r, int kind, uintptr_t site,
		    int64_t size, uintptr_t addr)
{
	memset(r, 0, sizeof(*r));
	r->kind = (uint16_t)kind;
	r->depth = kind == CPROF_RECORD_ALLOC ? 2 : 0;
	r->pc[0] = site;
	r->pc[1] = 0x400000;
	r->value[0] = size;
	r->value[1] = (int64_t)addr;
}

static void alloc_at(uintptr_t site, int64_t size, uintptr_t addr)
{
	struct cprof__record r;

	rec_set(&r, CPROF_RECORD_ALLOC, site, size, addr);
	cprof__heap_aggregate_alloc_locked(&r);
}

static void free_at(uintptr_t addr)
{
	struct cprof__record r;

	rec_set(&r, CPROF_RECORD_FREE, 0, 0, addr);
	cprof__heap_aggregate_free_locked(&r);
}

/* The one bucket of this size (each site allocates its own size): its
 * allocations and frees. */
static void bucket_counts(int64_t size, int64_t *allocs, int64_t *frees)
{
	size_t n;
	const struct cprof__heap_bucket *b =
		cprof__heap_aggregate_buckets_locked(&n);
	int found = 0;

	*allocs = *frees = 0;
	for (size_t i = 0; i < n; i++) {
		if (b[i].size != size)
			continue;
		*allocs += b[i].alloc_objects;
		*frees += b[i].free_objects;
		found++;
	}
	assert_int_equal(found, 1);
}

static void test_free_and_lost_free(void **state)
{
	int64_t a, f;

	alloc_at(0x401000, 100, 0x7f0000001000);
	alloc_at(0x402000, 200, 0x7f0000002000);
	free_at(0x7f0000001000);
	bucket_counts(100, &a, &f);
	assert_int_equal(a, 1);
	assert_int_equal(f, 1);
	/* Allocated again while live: the first one's free was lost. */
	alloc_at(0x401000, 100, 0x7f0000002000);
	bucket_counts(200, &a, &f);
	assert_int_equal(a, 1);
	assert_int_equal(f, 1);
	bucket_counts(100, &a, &f);
	assert_int_equal(a, 2);
	assert_int_equal(f, 1);
	/* Its free now goes to the second allocation's bucket, once. */
	free_at(0x7f0000002000);
	free_at(0x7f0000002000);
	free_at(0x7f0000009000); /* never allocated */
	bucket_counts(100, &a, &f);
	assert_int_equal(a, 2);
	assert_int_equal(f, 2);
	bucket_counts(200, &a, &f);
	assert_int_equal(f, 1);
}

/* Many live addresses (the table grows several times), each allocated a
 * second time while live, then all freed: every allocation is counted
 * freed exactly once. */
static void test_growth(void **state)
{
	enum { N = 20000 };
	int64_t a, f;

	for (uintptr_t i = 0; i < N; i++)
		alloc_at(0x403000, 300, 0x7e0000000000 + 16 * i);
	for (uintptr_t i = 0; i < N; i++)
		alloc_at(0x403000, 300, 0x7e0000000000 + 16 * i);
	bucket_counts(300, &a, &f);
	assert_int_equal(a, 2 * N);
	assert_int_equal(f, N);
	for (uintptr_t i = 0; i < N; i++)
		free_at(0x7e0000000000 + 16 * i);
	bucket_counts(300, &a, &f);
	assert_int_equal(f, 2 * N);
	assert_int_equal(cprof__heap_aggregate_lost_locked(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_and_lost_free),
		cmocka_unit_test(test_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
