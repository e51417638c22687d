/*
 * test_sampled_set.c - the sampled set and its filters: "maybe" is never
 * false for a member, the page filter goes back to zero when its last
 * member leaves (also past saturation, which only ever errs towards
 * "maybe"), collisions of both filters are told apart by the exact set,
 * and pinned ranges stay "maybe".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture/sampled_set.h"

#define PAGE ((uintptr_t)1 << CPROF_SAMPLED_PAGE_SHIFT)
/* Where the page filter's cells repeat. */
#define ALIAS (PAGE * CPROF_SAMPLED_PAGE_CELLS)

static void test_members_and_neighbours(void **state)
{
	uintptr_t base = 0x7f0000100000u;

	assert_int_equal(cprof__sampled_set_init(), 0);
	assert_false(cprof__sampled_set_maybe(base + 16));
	assert_true(cprof__sampled_set_insert(base + 16));
	assert_true(cprof__sampled_set_maybe(base + 16));
	/* Same page: the page filter cannot tell; the set can. */
	assert_true(cprof__sampled_set_maybe(base + 2048));
	assert_false(cprof__sampled_set_remove(base + 2048));
	/* Same cell 4 GiB away, and the next page. */
	assert_true(cprof__sampled_set_maybe(base + 16 + ALIAS));
	assert_false(cprof__sampled_set_remove(base + 16 + ALIAS));
	assert_false(cprof__sampled_set_maybe(base + PAGE));
	assert_true(cprof__sampled_set_remove(base + 16));
	assert_false(cprof__sampled_set_remove(base + 16));
	assert_false(cprof__sampled_set_maybe(base + 16));
	assert_false(cprof__sampled_set_maybe(base + 2048));
	assert_int_equal(cprof__sampled_set_size(), 0);
}

/* More members in one cell than a byte counts: the cell saturates and
 * stays "maybe"; every member is still found, and only members. */
static void test_saturated_cell(void **state)
{
	uintptr_t base = 0x7f0000200000u;
	unsigned n = 2 * CPROF_SAMPLED_PAGE_SATURATED;

	assert_int_equal(cprof__sampled_set_init(), 0);
	for (unsigned i = 0; i < n; i++) {
		/* Half in the page, half in its aliases. */
		uintptr_t p = i % 2 ? base + 8 * (i + 1)
				    : base + ALIAS * (i / 2 + 1) + 16;

		assert_true(cprof__sampled_set_insert(p));
	}
	assert_int_equal(cprof__sampled_set_size(), n);
	assert_int_equal(cprof__sampled_pages[cprof__sampled_page_cell(base)],
			 CPROF_SAMPLED_PAGE_SATURATED);
	for (unsigned i = 0; i < n; i++) {
		uintptr_t p = i % 2 ? base + 8 * (i + 1)
				    : base + ALIAS * (i / 2 + 1) + 16;

		assert_true(cprof__sampled_set_maybe(p));
		assert_false(cprof__sampled_set_remove(p + 4));
		assert_true(cprof__sampled_set_remove(p));
	}
	assert_int_equal(cprof__sampled_set_size(), 0);
	assert_true(cprof__sampled_set_maybe(base));
	assert_false(cprof__sampled_set_remove(base + 16));
	/* The neighbouring cells were never touched. */
	assert_false(cprof__sampled_set_maybe(base + PAGE));
	assert_false(cprof__sampled_set_maybe(base - PAGE));
}

/* Below saturation the count is exact: the cell is zero again as soon as
 * the last of many members leaves. */
static void test_cell_counts_exactly(void **state)
{
	uintptr_t base = 0x7f0000300000u;
	unsigned n = CPROF_SAMPLED_PAGE_SATURATED - 1;

	assert_int_equal(cprof__sampled_set_init(), 0);
	for (unsigned i = 0; i < n; i++)
		assert_true(cprof__sampled_set_insert(base + 16 * i));
	for (unsigned i = 0; i < n; i++) {
		assert_true(cprof__sampled_set_maybe(base + 4000));
		assert_true(cprof__sampled_set_remove(base + 16 * i));
	}
	assert_false(cprof__sampled_set_maybe(base + 4000));
}

static void test_pin(void **state)
{
	uintptr_t lo = 0x7f0000400010u, len = 3 * PAGE;

	cprof__sampled_set_pin(lo, len);
	assert_false(cprof__sampled_set_maybe(lo - 0x20));
	for (uintptr_t p = lo; p < lo + len; p += 512)
		assert_true(cprof__sampled_set_maybe(p));
	assert_true(cprof__sampled_set_maybe(lo + len - 1));
	assert_false(cprof__sampled_set_maybe(lo + len - 0x10 + PAGE));
	assert_false(cprof__sampled_set_remove(lo));
	/* A pinned cell stays pinned through a member's stay. */
	assert_true(cprof__sampled_set_insert(lo + 64));
	assert_true(cprof__sampled_set_remove(lo + 64));
	assert_true(cprof__sampled_set_maybe(lo + 64));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_and_neighbours),
		cmocka_unit_test(test_saturated_cell),
		cmocka_unit_test(test_cell_counts_exactly),
		cmocka_unit_test(test_pin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
