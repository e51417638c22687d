/*
 * test_merge.c - merging profiles: sums by (locations, labels), scales,
 * drops all-zero samples, matches locations by content whatever their ids,
 * keeps the main mapping first, refuses different sample types.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cprof.h"
#include "pprof/merge.h"
#include "pprof/profile.h"

/* A heap-shaped profile. The same three functions at the same addresses,
 * added in the given order so that ids differ between profiles. */
static struct cprof__profile *build(const char *const *order,
				    const int64_t *values_a,
				    const int64_t *values_b)
{
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__mapping exe = {0, 0x1000, 0x2000, 0, 0, 0,
				     true, true, true, false};
	struct cprof__mapping libc = {0, 0x7000, 0x9000, 0, 0, 0,
				      true, false, false, false};
	uint64_t ids[3] = {0, 0, 0}, m_exe, m_libc;
	struct cprof__label label;

	cprof__profile_add_sample_type(p, "alloc_space", "bytes");
	cprof__profile_add_sample_type(p, "inuse_space", "bytes");
	cprof__profile_set_period(p, "space", "bytes", 524288);
	exe.filename = cprof__profile_string(p, "/bin/app");
	libc.filename = cprof__profile_string(p, "/lib/libc.so.6");
	m_exe = cprof__profile_add_mapping(p, &exe);
	m_libc = cprof__profile_add_mapping(p, &libc);
	for (int i = 0; i < 3; i++) {
		int which = order[i][0] - 'a'; /* "a", "b", "c" */
		struct cprof__line line = {0, 10 + which, 0};

		line.function_id = cprof__profile_add_function(
			p, order[i], order[i], "app.c", 1);
		ids[which] = cprof__profile_add_location(
			p, which == 2 ? m_libc : m_exe,
			which == 2 ? 0x7100u : 0x1100u + 0x10u * which, &line,
			1);
	}
	label.key = cprof__profile_string(p, "bytes");
	label.str = 0;
	label.num = 64;
	label.num_unit = 0;
	{
		uint64_t s1[2] = {ids[0], ids[1]}, s2[2] = {ids[2], ids[1]};

		cprof__profile_add_sample(p, s1, 2, values_a, 2, &label, 1);
		cprof__profile_add_sample(p, s2, 2, values_b, 2, NULL, 0);
	}
	assert_int_equal(cprof__profile_error(p), 0);
	return p;
}

static const char *sample_leaf(const struct cprof__profile *p, size_t i)
{
	const struct cprof__location *l = cprof__profile_location(
		p, p->samples.items[i].location_ids[0]);
	const struct cprof__function *f =
		cprof__profile_function(p, l->lines[0].function_id);

	return cprof__profile_str(p, f->name);
}

static void test_delta(void **state)
{
	static const char *const order0[3] = {"a", "b", "c"};
	static const char *const order1[3] = {"c", "a", "b"};
	int64_t a0[2] = {100, 50}, b0[2] = {7, 7};
	int64_t a1[2] = {160, 40}, b1[2] = {7, 7};
	struct cprof__profile *p0 = build(order0, a0, b0);
	struct cprof__profile *p1 = build(order1, a1, b1);
	const struct cprof__profile *in[2] = {p0, p1};
	const double scales[2] = {-1, 1};
	struct cprof__profile *d;
	char err[128];

	p0->time_nanos = 1000;
	p1->time_nanos = 3000;
	assert_int_equal(cprof__profile_merge(in, scales, 2, &d), 0);
	assert_int_equal(cprof__profile_validate(d, err, sizeof(err)), 0);
	/* b's sample did not change: dropped. a's: +60 allocated, -10 in use */
	assert_int_equal(d->samples.len, 1);
	assert_string_equal(sample_leaf(d, 0), "a");
	assert_int_equal(d->samples.items[0].values[0], 60);
	assert_int_equal(d->samples.items[0].values[1], -10);
	assert_int_equal(d->samples.items[0].n_labels, 1);
	assert_int_equal(d->samples.items[0].labels[0].num, 64);
	assert_string_equal(cprof__profile_str(
				    d, cprof__profile_mapping(d, 1)->filename),
			    "/bin/app");
	assert_int_equal(d->period, 524288);
	assert_int_equal(d->time_nanos, 1000);
	cprof__profile_free(d);
	cprof__profile_free(p0);
	cprof__profile_free(p1);
}

static void test_merge_sums(void **state)
{
	static const char *const order[3] = {"a", "b", "c"};
	int64_t a[2] = {10, 1}, b[2] = {20, 2};
	struct cprof__profile *p = build(order, a, b);
	struct cprof__profile *q = build(order, b, a);
	const struct cprof__profile *in[3] = {p, q, p};
	struct cprof__profile *m;

	assert_int_equal(cprof__profile_merge(in, NULL, 3, &m), 0);
	assert_int_equal(m->samples.len, 2);
	assert_int_equal(m->locations.len, 3);
	assert_int_equal(m->functions.len, 3);
	assert_int_equal(m->mappings.len, 2);
	for (size_t i = 0; i < 2; i++) {
		const char *leaf = sample_leaf(m, i);

		if (strcmp(leaf, "a") == 0)
			assert_int_equal(m->samples.items[i].values[0], 40);
		else
			assert_int_equal(m->samples.items[i].values[0], 50);
	}
	cprof__profile_free(m);
	cprof__profile_free(p);
	cprof__profile_free(q);
}

static void test_incompatible(void **state)
{
	static const char *const order[3] = {"a", "b", "c"};
	int64_t v[2] = {1, 1};
	struct cprof__profile *p = build(order, v, v);
	struct cprof__profile *q = cprof__profile_new();
	const struct cprof__profile *in[2] = {p, q};
	struct cprof__profile *m = (void *)1;

	cprof__profile_add_sample_type(q, "samples", "count");
	assert_int_equal(cprof__profile_merge(in, NULL, 2, &m), CPROF_EINVAL);
	assert_null(m);
	assert_int_equal(cprof__profile_merge(in, NULL, 0, &m), CPROF_EINVAL);
	cprof__profile_free(p);
	cprof__profile_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_merge_sums),
		cmocka_unit_test(test_incompatible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
