/*
 * full_profile.c - a profile that uses every field of profile.proto, for
 * the round-trip tests (test_codec.c) and for `go tool pprof` to read
 * (test_goprof.c writes it, goprof_test.sh checks what Go makes of it).
 * Asserts with cmocka, so only cmocka tests link it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "full_profile.h"

/* A profile using every field of profile.proto. */
struct cprof__profile *build_full(void)
{
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__mapping m = {
		.memory_start = 0x400000, .memory_limit = 0x4b4000,
		.file_offset = 0x1000,
		.has_functions = true, .has_filenames = true,
		.has_line_numbers = true, .has_inline_frames = true,
	};
	struct cprof__mapping m2 = { .memory_start = UINT64_MAX - 4096,
				     .memory_limit = UINT64_MAX };
	uint64_t f1, f2, f3, map1, map2, l1, l2, l3;
	struct cprof__line inl[3], one;
	struct cprof__label labels[3];
	int64_t v1[2] = { 1, 10000000 }, v2[2] = { -5, INT64_MIN };
	uint64_t stack1[3], stack2[1];

	assert_non_null(p);
	assert_int_equal(cprof__profile_add_sample_type(p, "samples", "count"), 0);
	assert_int_equal(cprof__profile_add_sample_type(p, "cpu", "nanoseconds"), 0);
	cprof__profile_set_period(p, "cpu", "nanoseconds", 10000000);
	m.filename = cprof__profile_string(p, "/usr/bin/server");
	m.build_id = cprof__profile_string(p, "0123456789abcdef");
	map1 = cprof__profile_add_mapping(p, &m);
	m2.filename = cprof__profile_string(p, "[vdso]");
	map2 = cprof__profile_add_mapping(p, &m2);
	f1 = cprof__profile_add_function(p, "leaf", "_Z4leafv", "a.c", 10);
	f2 = cprof__profile_add_function(p, "inlined_mid", "", "b.h", 20);
	f3 = cprof__profile_add_function(p, "main", "main", "main.c", 1);
	inl[0] = (struct cprof__line){ f1, 12, 3 };
	inl[1] = (struct cprof__line){ f2, 25, 0 };
	inl[2] = (struct cprof__line){ f3, 7, 14 };
	l1 = cprof__profile_add_location(p, map1, 0x401234, inl, 3);
	one = (struct cprof__line){ f3, 9, 0 };
	l2 = cprof__profile_add_location(p, map1, 0x405678, &one, 1);
	l3 = cprof__profile_add_location(p, map2, UINT64_MAX - 100, NULL, 0);
	p->locations.items[l3 - 1].is_folded = true;
	labels[0] = (struct cprof__label){ .key = cprof__profile_string(p, "worker"),
					  .str = cprof__profile_string(p, "burner") };
	labels[1] = (struct cprof__label){ .key = cprof__profile_string(p, "bytes"),
					  .num = 4096 };
	labels[2] = (struct cprof__label){ .key = cprof__profile_string(p, "wait"),
					  .num = -7,
					  .num_unit = cprof__profile_string(p, "seconds") };
	stack1[0] = l1, stack1[1] = l2, stack1[2] = l3;
	stack2[0] = l3;
	assert_int_equal(cprof__profile_add_sample(p, stack1, 3, v1, 2, labels, 3), 0);
	assert_int_equal(cprof__profile_add_sample(p, stack2, 1, v2, 2, NULL, 0), 0);
	assert_int_equal(cprof__profile_add_sample(p, NULL, 0, v1, 2, labels, 1), 0);
	cprof__profile_add_comment(p, "first comment");
	cprof__profile_add_comment(p, "second\ncomment");
	p->drop_frames = cprof__profile_string(p, "^malloc$");
	p->keep_frames = cprof__profile_string(p, "^keep");
	p->time_nanos = 1764000000123456789;
	p->duration_nanos = 1100000000;
	p->default_sample_type = cprof__profile_string(p, "cpu");
	p->doc_url = cprof__profile_string(p, "https://example.com/doc");
	/* A string with a NUL inside survives too. */
	cprof__profile_string_n(p, "nul\0inside", 10);
	assert_int_equal(cprof__profile_error(p), 0);
	return p;
}

