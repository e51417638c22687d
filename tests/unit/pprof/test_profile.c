/*
 * test_profile.c - unit tests of the profile model (src/pprof/profile.c):
 * interning, function dedup, id assignment and lookups, the sticky error,
 * and validation with the reasons google/pprof's CheckValid gives. The
 * wire format is test_codec.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cprof.h"
#include "pprof/profile.h"

static void test_strings(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	int64_t a, b, nul;

	assert_non_null(p);
	assert_int_equal(cprof__profile_string(p, ""), 0);
	assert_int_equal(cprof__profile_string(p, NULL), 0);
	a = cprof__profile_string(p, "alpha");
	b = cprof__profile_string(p, "beta");
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(cprof__profile_string(p, "alpha"), a);
	assert_int_equal(cprof__profile_string_n(p, "alphabet", 5), a);
	nul = cprof__profile_string_n(p, "alpha\0x", 7);
	assert_int_equal(nul, 3);
	assert_int_equal(p->string_lengths.items[nul], 7);
	assert_string_equal(cprof__profile_str(p, b), "beta");
	assert_string_equal(cprof__profile_str(p, 99), "");
	assert_string_equal(cprof__profile_str(p, -1), "");
	cprof__profile_free(p);
}

/* Enough strings to grow the table many times; all stay unique. */
static void test_strings_many(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	char name[32];

	for (int i = 0; i < 50000; i++) {
		snprintf(name, sizeof(name), "fn_%d", i);
		assert_int_equal(cprof__profile_string(p, name), i + 1);
	}
	for (int i = 0; i < 50000; i += 997) {
		snprintf(name, sizeof(name), "fn_%d", i);
		assert_int_equal(cprof__profile_string(p, name), i + 1);
	}
	assert_int_equal(p->strings.len, 50001);
	cprof__profile_free(p);
}

static void test_functions_dedup(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	uint64_t f1 = cprof__profile_add_function(p, "f", "_Z1fv", "a.c", 3);
	uint64_t f2 = cprof__profile_add_function(p, "f", "_Z1fv", "a.c", 3);
	uint64_t f3 = cprof__profile_add_function(p, "f", "_Z1fv", "a.c", 4);
	uint64_t f4 = cprof__profile_add_function(p, "f", "", "a.c", 3);

	assert_true(f1 == 1 && f2 == 1 && f3 == 2 && f4 == 3);
	assert_int_equal(p->functions.len, 3);
	assert_string_equal(cprof__profile_str(p,
		cprof__profile_function(p, f3)->system_name), "_Z1fv");
	cprof__profile_free(p);
}

static void test_ids_and_lookups(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__mapping m = { .memory_start = 0x1000, .memory_limit = 0x2000 };
	struct cprof__line lines[2] = { { 1, 10, 0 }, { 1, 20, 0 } };
	uint64_t mid, lid;

	mid = cprof__profile_add_mapping(p, &m);
	assert_true(mid == 1);
	cprof__profile_add_function(p, "f", "", "", 0);
	for (int i = 0; i < 1000; i++) {
		lid = cprof__profile_add_location(p, mid, 0x1000 + i, lines, 2);
		assert_true(lid == (uint64_t)i + 1);
	}
	assert_true(cprof__profile_location(p, 500)->address == 0x1000 + 499);
	assert_int_equal(cprof__profile_location(p, 500)->n_lines, 2);
	assert_null(cprof__profile_location(p, 0));
	assert_null(cprof__profile_location(p, 1001));
	assert_true(cprof__profile_mapping(p, 1)->memory_limit == 0x2000);
	assert_null(cprof__profile_mapping(p, 2));
	assert_null(cprof__profile_function(p, 2));
	cprof__profile_free(p);
}

/* Hand-edited sparse ids: a scan answers before indexing, the index after,
 * and new ids go past the largest. */
static void test_sparse_index(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	char err[128];

	for (int i = 0; i < 100; i++)
		cprof__profile_add_location(p, 0, (uint64_t)i, NULL, 0);
	for (int i = 0; i < 100; i++)
		p->locations.items[i].id = 1000 - (uint64_t)i * 7;
	assert_true(cprof__profile_location(p, 1000 - 7 * 42)->address == 42);
	assert_int_equal(cprof__profile_index(p, err, sizeof(err)), 0);
	assert_true(cprof__profile_location(p, 1000 - 7 * 42)->address == 42);
	assert_null(cprof__profile_location(p, 1));
	assert_true(cprof__profile_add_location(p, 0, 7, NULL, 0) == 1001);
	assert_true(cprof__profile_location(p, 1001)->address == 7);
	p->locations.items[5].id = p->locations.items[6].id;
	assert_int_equal(cprof__profile_index(p, err, sizeof(err)), CPROF_EINVAL);
	assert_non_null(strstr(err, "multiple locations with same id"));
	cprof__profile_free(p);
}

static void test_sample_value_count(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	int64_t v[2] = { 1, 2 };

	cprof__profile_add_sample_type(p, "samples", "count");
	assert_int_equal(cprof__profile_add_sample(p, NULL, 0, v, 1, NULL, 0), 0);
	assert_int_equal(cprof__profile_add_sample(p, NULL, 0, v, 2, NULL, 0),
			 CPROF_EINVAL);
	/* Sticky: the profile refuses further work and says why. */
	assert_int_equal(cprof__profile_error(p), CPROF_EINVAL);
	assert_true(cprof__profile_add_function(p, "g", "", "", 0) == 0);
	cprof__profile_free(p);
}

/* A small valid profile the validation cases then break one way each. */
static struct cprof__profile *valid_profile(void)
{
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__mapping m = { 0 };
	struct cprof__line line = { 0 };
	uint64_t loc;
	int64_t v = 1;

	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_mapping(p, &m);
	line.function_id = cprof__profile_add_function(p, "f", "", "", 0);
	loc = cprof__profile_add_location(p, 1, 0x10, &line, 1);
	cprof__profile_add_sample(p, &loc, 1, &v, 1, NULL, 0);
	assert_int_equal(cprof__profile_validate(p, NULL, 0), 0);
	return p;
}

static void expect_invalid(struct cprof__profile *p, const char *reason)
{
	char err[256] = "";

	assert_int_equal(cprof__profile_validate(p, err, sizeof(err)),
			 CPROF_EINVAL);
	if (strstr(err, reason) == NULL)
		fail_msg("reason \"%s\", want \"%s\"", err, reason);
	cprof__profile_free(p);
}

static void test_validate(void **state)
{
	struct cprof__profile *p;

	p = valid_profile();
	p->sample_types.len = 0;
	expect_invalid(p, "missing sample type information");
	p = valid_profile();
	p->samples.items[0].n_values = 0;
	expect_invalid(p, "mismatch: sample 0 has 0 values vs. 1 types");
	p = valid_profile();
	p->mappings.items[0].id = 0;
	expect_invalid(p, "found mapping with reserved id=0");
	p = valid_profile();
	cprof__profile_add_function(p, "g", "", "", 0);
	p->functions.items[1].id = 1;
	expect_invalid(p, "multiple functions with same id: 1");
	p = valid_profile();
	p->samples.items[0].location_ids[0] = 9;
	expect_invalid(p, "sample 0 has unknown location id 9");
	p = valid_profile();
	p->locations.items[0].mapping_id = 4;
	expect_invalid(p, "location 1 has unknown mapping id 4");
	p = valid_profile();
	p->locations.items[0].lines[0].function_id = 0;
	expect_invalid(p, "location 1 has a line with unknown function id 0");
	p = valid_profile();
	p->functions.items[0].filename = 77;
	expect_invalid(p, "string index 77 out of range");
	p = valid_profile();
	p->period_type.unit = -2;
	expect_invalid(p, "string index -2 out of range");
	p = valid_profile();
	p->strings.items[0] = "x";
	p->string_lengths.items[0] = 1;
	expect_invalid(p, "string_table[0] must be ''");
	/* A location without a mapping is fine. */
	p = valid_profile();
	p->locations.items[0].mapping_id = 0;
	assert_int_equal(cprof__profile_validate(p, NULL, 0), 0);
	cprof__profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_strings_many),
		cmocka_unit_test(test_functions_dedup),
		cmocka_unit_test(test_ids_and_lookups),
		cmocka_unit_test(test_sparse_index),
		cmocka_unit_test(test_sample_value_count),
		cmocka_unit_test(test_validate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
