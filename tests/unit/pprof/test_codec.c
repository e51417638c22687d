/*
 * test_codec.c - unit tests of the pprof encoder, decoder and gzip framing.
 *
 * Round trips compare every field of the model after encode -> decode
 * (plain and gzip); varint edge cases check the exact bytes; a table of
 * hand-made malformed inputs checks each is rejected with its reason; and
 * every prefix and many random bit flips of a valid encoding must decode or
 * fail cleanly (run under ASan to make "cleanly" mean something). Profiles
 * written by Go itself are test_goprof.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cprof.h"
#include "pprof/pprof.h"
#include "full_profile.h"

static void assert_strs_equal(const struct cprof__profile *a,
			      const struct cprof__profile *b)
{
	assert_int_equal(a->strings.len, b->strings.len);
	for (size_t i = 0; i < a->strings.len; i++) {
		assert_int_equal(a->string_lengths.items[i],
				 b->string_lengths.items[i]);
		assert_memory_equal(a->strings.items[i], b->strings.items[i],
				    a->string_lengths.items[i] + 1);
	}
}

static void assert_samples_equal(const struct cprof__profile *a,
				 const struct cprof__profile *b)
{
	assert_int_equal(a->samples.len, b->samples.len);
	for (size_t i = 0; i < a->samples.len; i++) {
		const struct cprof__sample *x = &a->samples.items[i];
		const struct cprof__sample *y = &b->samples.items[i];

		assert_int_equal(x->n_locations, y->n_locations);
		assert_int_equal(x->n_values, y->n_values);
		assert_int_equal(x->n_labels, y->n_labels);
		for (size_t j = 0; j < x->n_locations; j++)
			assert_true(x->location_ids[j] == y->location_ids[j]);
		for (size_t j = 0; j < x->n_values; j++)
			assert_true(x->values[j] == y->values[j]);
		for (size_t j = 0; j < x->n_labels; j++) {
			assert_true(x->labels[j].key == y->labels[j].key);
			assert_true(x->labels[j].str == y->labels[j].str);
			assert_true(x->labels[j].num == y->labels[j].num);
			assert_true(x->labels[j].num_unit == y->labels[j].num_unit);
		}
	}
}

static void assert_tables_equal(const struct cprof__profile *a,
				const struct cprof__profile *b)
{
	assert_int_equal(a->mappings.len, b->mappings.len);
	for (size_t i = 0; i < a->mappings.len; i++)
		assert_memory_equal(&a->mappings.items[i], &b->mappings.items[i],
				    sizeof(struct cprof__mapping));
	assert_int_equal(a->functions.len, b->functions.len);
	for (size_t i = 0; i < a->functions.len; i++)
		assert_memory_equal(&a->functions.items[i],
				    &b->functions.items[i],
				    sizeof(struct cprof__function));
	assert_int_equal(a->locations.len, b->locations.len);
	for (size_t i = 0; i < a->locations.len; i++) {
		const struct cprof__location *x = &a->locations.items[i];
		const struct cprof__location *y = &b->locations.items[i];

		assert_true(x->id == y->id);
		assert_true(x->mapping_id == y->mapping_id);
		assert_true(x->address == y->address);
		assert_int_equal(x->is_folded, y->is_folded);
		assert_int_equal(x->n_lines, y->n_lines);
		for (size_t j = 0; j < x->n_lines; j++)
			assert_memory_equal(&x->lines[j], &y->lines[j],
					    sizeof(struct cprof__line));
	}
}

static void assert_profiles_equal(const struct cprof__profile *a,
				  const struct cprof__profile *b)
{
	assert_strs_equal(a, b);
	assert_int_equal(a->sample_types.len, b->sample_types.len);
	for (size_t i = 0; i < a->sample_types.len; i++) {
		assert_true(a->sample_types.items[i].type ==
			    b->sample_types.items[i].type);
		assert_true(a->sample_types.items[i].unit ==
			    b->sample_types.items[i].unit);
	}
	assert_samples_equal(a, b);
	assert_tables_equal(a, b);
	assert_int_equal(a->comments.len, b->comments.len);
	for (size_t i = 0; i < a->comments.len; i++)
		assert_true(a->comments.items[i] == b->comments.items[i]);
	assert_true(a->drop_frames == b->drop_frames);
	assert_true(a->keep_frames == b->keep_frames);
	assert_true(a->time_nanos == b->time_nanos);
	assert_true(a->duration_nanos == b->duration_nanos);
	assert_true(a->period_type.type == b->period_type.type);
	assert_true(a->period_type.unit == b->period_type.unit);
	assert_true(a->period == b->period);
	assert_true(a->default_sample_type == b->default_sample_type);
	assert_true(a->doc_url == b->doc_url);
}

static struct cprof__profile *decode_ok(const void *data, size_t len)
{
	struct cprof__profile *p = NULL;
	char err[256] = "";
	int rc = cprof__pprof_decode(data, len, &p, err, sizeof(err));

	if (rc != 0)
		fail_msg("decode failed (%d): %s", rc, err);
	return p;
}

static void round_trip(bool gzip)
{
	struct cprof__profile *p = build_full(), *q;
	struct cprof__buf out = CPROF_BUF_INIT, again = CPROF_BUF_INIT;
	const unsigned char *d;

	assert_int_equal(cprof__pprof_encode(p, &out, gzip), 0);
	d = (const unsigned char *)out.data;
	assert_int_equal(d[0] == 0x1f && d[1] == 0x8b, gzip);
	q = decode_ok(out.data, out.len);
	assert_profiles_equal(p, q);
	assert_string_equal(cprof__profile_str(q, q->doc_url),
			    "https://example.com/doc");
	/* Encoding the decoded profile gives the same bytes. */
	assert_int_equal(cprof__pprof_encode(q, &again, gzip), 0);
	assert_int_equal(out.len, again.len);
	assert_memory_equal(out.data, again.data, out.len);
	cprof__buf_fini(&out);
	cprof__buf_fini(&again);
	cprof__profile_free(p);
	cprof__profile_free(q);
}

static void test_round_trip_plain(void **state)
{
	round_trip(false);
}

static void test_round_trip_gzip(void **state)
{
	round_trip(true);
}

static void test_round_trip_empty(void **state)
{
	struct cprof__profile *p = cprof__profile_new(), *q;
	struct cprof__buf out = CPROF_BUF_INIT;
	static const unsigned char want[] = { 0x32, 0x00, 0x5a, 0x00 };

	assert_int_equal(cprof__pprof_encode(p, &out, false), 0);
	/* Just the "" string and an empty period_type. */
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.data, want, sizeof(want));
	q = decode_ok(out.data, out.len);
	assert_profiles_equal(p, q);
	cprof__buf_fini(&out);
	cprof__profile_free(p);
	cprof__profile_free(q);
}

/* period = v encodes as key 0x60 then exactly these varint bytes. */
static void check_varint(int64_t v, const unsigned char *bytes, size_t n)
{
	struct cprof__profile *p = cprof__profile_new(), *q;
	struct cprof__buf out = CPROF_BUF_INIT;
	unsigned char want[1 + 10];

	p->period = v;
	assert_int_equal(cprof__pprof_encode(p, &out, false), 0);
	want[0] = 0x60;
	if (n != 0)
		memcpy(want + 1, bytes, n);
	if (v == 0) {
		assert_null(memmem(out.data, out.len, want, 1));
	} else {
		assert_non_null(memmem(out.data, out.len, want, n + 1));
		assert_int_equal(out.len, 4 + 1 + n);
	}
	q = decode_ok(out.data, out.len);
	assert_true(q->period == v);
	cprof__buf_fini(&out);
	cprof__profile_free(p);
	cprof__profile_free(q);
}

static void test_varints(void **state)
{
	static const unsigned char ff9_01[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
						0xff, 0xff, 0xff, 0xff, 0x01 };
	static const unsigned char max63[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0x7f };
	static const unsigned char min63[] = { 0x80, 0x80, 0x80, 0x80, 0x80,
					       0x80, 0x80, 0x80, 0x80, 0x01 };

	check_varint(0, NULL, 0);
	check_varint(1, (const unsigned char *)"\x01", 1);
	check_varint(127, (const unsigned char *)"\x7f", 1);
	check_varint(128, (const unsigned char *)"\x80\x01", 2);
	check_varint(300, (const unsigned char *)"\xac\x02", 2);
	check_varint(INT64_MAX, max63, sizeof(max63));
	check_varint(-1, ff9_01, sizeof(ff9_01)); /* negative: 10 bytes */
	check_varint(INT64_MIN, min63, sizeof(min63));
}

static void test_varint_uint64_max(void **state)
{
	struct cprof__profile *p = cprof__profile_new(), *q;
	struct cprof__mapping m = { .memory_limit = UINT64_MAX };
	struct cprof__buf out = CPROF_BUF_INIT;

	cprof__profile_add_mapping(p, &m);
	assert_int_equal(cprof__pprof_encode(p, &out, false), 0);
	q = decode_ok(out.data, out.len);
	assert_true(q->mappings.items[0].memory_limit == UINT64_MAX);
	cprof__buf_fini(&out);
	cprof__profile_free(p);
	cprof__profile_free(q);
}

/* ---- malformed inputs ---- */

struct bad_case {
	const char *name;
	const char *bytes;
	size_t len;
	const char *reason; /* a substring of the expected error */
};

#define BAD(name, lit, reason) { name, lit, sizeof(lit) - 1, reason }
#define STRS "\x32\x00" /* string_table: "" */

static const struct bad_case bad_cases[] = {
	BAD("truncated varint", "\x60\x80", "truncated varint at byte 1"),
	BAD("varint overflow", "\x60\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
	    "varint overflows 64 bits at byte 1"),
	BAD("11-byte varint",
	    "\x60\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00",
	    "varint overflows 64 bits at byte 1"),
	BAD("truncated length", STRS "\x32\x05\x61",
	    "truncated field at byte 3: length 5 but 1 bytes left"),
	BAD("truncated nested length", STRS "\x12\x04\x0a\x05\x01\x02",
	    "truncated field at byte 5"),
	BAD("truncated fixed64", STRS "\xa1\x06\x01\x02",
	    "truncated fixed64 at byte 4"),
	BAD("field number 0", "\x00", "invalid field number 0 at byte 0"),
	BAD("group", STRS "\xa3\x01", "group wire type 3"),
	BAD("end group", STRS "\xa4\x01", "group wire type 4"),
	BAD("wire type 7", STRS "\xa7\x01", "invalid wire type 7 at byte 2"),
	BAD("period as bytes", STRS "\x62\x00",
	    "wrong wire type 2 for Profile field 12"),
	BAD("sample as varint", STRS "\x10\x01",
	    "wrong wire type 0 for Profile field 2"),
	BAD("location id fixed64", STRS "\x22\x09\x09\x01\0\0\0\0\0\0\0",
	    "wrong wire type 1 for Location field 1"),
	BAD("label as varint", STRS "\x0a\x00\x12\x02\x18\x01",
	    "wrong wire type 0 for Sample field 3"),
	BAD("missing string table", "\x60\x01", "missing string table"),
	BAD("string_table[0] not empty", "\x32\x01x",
	    "string_table[0] must be ''"),
	BAD("string index out of range", STRS "\x0a\x02\x08\x05",
	    "string index 5 out of range (1 strings) in sample_type 0"),
	BAD("negative string index", STRS "\x70\xff\xff\xff\xff\xff\xff\xff"
					  "\xff\xff\x01",
	    "string index -1 out of range (1 strings) in default_sample_type"),
	BAD("label key out of range", STRS "\x0a\x00\x12\x07\x12\x01\x00\x1a\x02\x08\x03",
	    "string index 3 out of range (1 strings) in sample 0"),
	BAD("mapping id 0", STRS "\x1a\x00", "found mapping with reserved id=0"),
	BAD("function id 0", STRS "\x2a\x02\x10\x00",
	    "found function with reserved id=0"),
	BAD("duplicate function ids", STRS "\x2a\x02\x08\x01\x2a\x02\x08\x01",
	    "multiple functions with same id: 1"),
	BAD("duplicate location ids", STRS "\x22\x02\x08\x07\x22\x02\x08\x07",
	    "multiple locations with same id: 7"),
	BAD("dangling sample location", STRS "\x0a\x00\x12\x05\x0a\x01\x07\x10\x00",
	    "sample 0 has unknown location id 7"),
	BAD("dangling mapping", STRS "\x22\x04\x08\x01\x10\x03",
	    "location 1 has unknown mapping id 3"),
	BAD("dangling function", STRS "\x22\x06\x08\x01\x22\x02\x08\x09",
	    "location 1 has a line with unknown function id 9"),
	BAD("line without function", STRS "\x22\x06\x08\x01\x22\x02\x10\x05",
	    "location 1 has a line with unknown function id 0"),
	BAD("value count mismatch", STRS "\x0a\x00\x12\x04\x12\x02\x01\x02",
	    "mismatch: sample 0 has 2 values vs. 1 types"),
	BAD("samples without types", STRS "\x12\x00",
	    "missing sample type information"),
	BAD("concatenated", STRS "\x48\x01\x48\x02",
	    "concatenated profiles detected"),
	BAD("truncated packed varint", STRS "\x0a\x00\x12\x03\x12\x01\x80",
	    "truncated varint at byte 8"),
	BAD("corrupt gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xff\xff",
	    "gzip:"),
	BAD("truncated gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",
	    "truncated gzip stream"),
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct cprof__profile *p = (void *)1;
		char err[256] = "";
		int rc = cprof__pprof_decode(c->bytes, c->len, &p, err,
					     sizeof(err));

		if (rc != CPROF_EINVAL || strstr(err, c->reason) == NULL)
			fail_msg("%s: rc %d, reason \"%s\", want \"%s\"",
				 c->name, rc, err, c->reason);
		assert_null(p);
	}
}

/* Unknown fields of every wire type, at top level and nested, are skipped;
 * unpacked repeated fields are read like packed ones. */
static void test_unknown_and_unpacked(void **state)
{
	static const char in[] =
		STRS "\x32\x01x"
		"\xa0\x06\x05"                      /* field 100, varint */
		"\xa1\x06\x01\x02\x03\x04\x05\x06\x07\x08" /* fixed64 */
		"\xa2\x06\x02zz"                    /* bytes */
		"\xa5\x06\x01\x02\x03\x04"          /* fixed32 */
		"\x0a\x05\x08\x01\xf8\x01\x00"      /* sample_type, field 31 */
		"\x12\x0e\x08\x01\x08\x02\x10\x05\xa0\x06\x01"
		"\x0a\x01\x01\x10\x06"              /* sample: ids 1,2,1; values 5,6 */
		"\x0a\x02\x08\x01"                  /* second sample type */
		"\x22\x02\x08\x01\x22\x02\x08\x02"  /* locations 1, 2 */
		"\x68\x01\x68\x01";                 /* comments, unpacked */
	struct cprof__profile *p = decode_ok(in, sizeof(in) - 1);
	const struct cprof__sample *s = &p->samples.items[0];

	assert_int_equal(p->strings.len, 2);
	assert_int_equal(p->sample_types.len, 2);
	assert_int_equal(s->n_locations, 3);
	assert_true(s->location_ids[0] == 1 && s->location_ids[1] == 2 &&
		    s->location_ids[2] == 1);
	assert_int_equal(s->n_values, 2);
	assert_true(s->values[0] == 5 && s->values[1] == 6);
	assert_int_equal(p->comments.len, 2);
	cprof__profile_free(p);
}

/* Sparse, out-of-order ids decode as they are and still look up. */
static void test_sparse_ids(void **state)
{
	static const char in[] =
		STRS "\x32\x01" "f"
		"\x2a\x05\x08\xe8\x07\x10\x01"         /* function 1000 */
		"\x22\x07\x08\x2a\x22\x03\x08\xe8\x07"  /* location 42 */
		"\x22\x02\x08\x05"                      /* location 5 */
		"\x0a\x00\x12\x06\x0a\x02\x05\x2a\x10\x01"; /* sample 5,42 */
	struct cprof__profile *p = decode_ok(in, sizeof(in) - 1);
	const struct cprof__location *l = cprof__profile_location(p, 42);
	uint64_t id;

	assert_non_null(l);
	assert_true(l->id == 42);
	assert_non_null(cprof__profile_location(p, 5));
	assert_null(cprof__profile_location(p, 1));
	assert_null(cprof__profile_location(p, 2));
	assert_string_equal(cprof__profile_str(p,
		cprof__profile_function(p, l->lines[0].function_id)->name), "f");
	/* New items get ids past the largest, and are found. */
	id = cprof__profile_add_location(p, 0, 0x10, NULL, 0);
	assert_true(id == 43);
	assert_true(cprof__profile_location(p, 43)->address == 0x10);
	id = cprof__profile_add_function(p, "g", "", "", 0);
	assert_true(id == 1001);
	assert_int_equal(cprof__profile_validate(p, NULL, 0), 0);
	cprof__profile_free(p);
}

/* ---- robustness ---- */

static void decode_any(const void *data, size_t len)
{
	struct cprof__profile *p = NULL;
	char err[256] = "";
	int rc = cprof__pprof_decode(data, len, &p, err, sizeof(err));

	if (rc == 0) {
		assert_non_null(p);
		assert_int_equal(cprof__profile_validate(p, NULL, 0), 0);
		cprof__profile_free(p);
		return;
	}
	assert_int_equal(rc, CPROF_EINVAL);
	assert_null(p);
	assert_true(err[0] != '\0');
}

static void test_every_prefix(void **state)
{
	struct cprof__profile *p = build_full();

	for (int gzip = 0; gzip < 2; gzip++) {
		struct cprof__buf out = CPROF_BUF_INIT;

		assert_int_equal(cprof__pprof_encode(p, &out, gzip), 0);
		for (size_t n = 0; n < out.len; n++) {
			char *copy = malloc(n ? n : 1); /* exact, for ASan */

			memcpy(copy, out.data, n);
			decode_any(copy, n);
			free(copy);
		}
		cprof__buf_fini(&out);
	}
	cprof__profile_free(p);
}

static void test_bit_flips(void **state)
{
	struct cprof__profile *p = build_full();
	struct cprof__buf out = CPROF_BUF_INIT;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned char *copy;

	assert_int_equal(cprof__pprof_encode(p, &out, false), 0);
	copy = malloc(out.len);
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(copy, out.data, out.len);
		for (int k = 0; k <= iter % 3; k++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			copy[rng % out.len] ^= (unsigned char)(1u << (rng >> 61));
		}
		decode_any(copy, out.len);
	}
	free(copy);
	cprof__buf_fini(&out);
	cprof__profile_free(p);
}

/* ---- gzip ---- */

static void test_gzip_limits(void **state)
{
	struct cprof__buf big = CPROF_BUF_INIT, gz = CPROF_BUF_INIT;
	struct cprof__buf out = CPROF_BUF_INIT;
	char err[256] = "";

	for (int i = 0; i < 100000; i++)
		cprof__buf_putc(&big, 'a');
	assert_int_equal(cprof__gzip(big.data, big.len, 1, &gz), 0);
	assert_int_equal(cprof__gunzip(gz.data, gz.len, 99999, &out, err,
				       sizeof(err)), CPROF_EINVAL);
	assert_non_null(strstr(err, "exceeds 99999 bytes"));
	cprof__buf_reset(&out);
	assert_int_equal(cprof__gunzip(gz.data, gz.len, 100000, &out, err,
				       sizeof(err)), 0);
	assert_int_equal(out.len, 100000);
	/* Two members concatenated read as one stream, as Go reads them. */
	cprof__buf_append(&gz, gz.data, gz.len);
	cprof__buf_reset(&out);
	assert_int_equal(cprof__gunzip(gz.data, gz.len, 1 << 20, &out, err,
				       sizeof(err)), 0);
	assert_int_equal(out.len, 200000);
	cprof__buf_append(&gz, "junk", 4);
	cprof__buf_reset(&out);
	assert_int_equal(cprof__gunzip(gz.data, gz.len, 1 << 20, &out, err,
				       sizeof(err)), CPROF_EINVAL);
	assert_non_null(strstr(err, "trailing garbage"));
	cprof__buf_fini(&big);
	cprof__buf_fini(&gz);
	cprof__buf_fini(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_plain),
		cmocka_unit_test(test_round_trip_gzip),
		cmocka_unit_test(test_round_trip_empty),
		cmocka_unit_test(test_varints),
		cmocka_unit_test(test_varint_uint64_max),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unknown_and_unpacked),
		cmocka_unit_test(test_sparse_ids),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_gzip_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
