/*
 * params_test.c - unit test of src/http/params.c against Go's behaviour.
 *
 * Expected values are what Go's net/url and strconv return for the same
 * input (FormValue, ParseInt(s, 10, 64), Atoi with the error ignored,
 * ParseUint(s, 0, 64)). Lives with the HTTP integration tests until
 * tests/unit/ gets an http directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cprof.h"
#include "http/http_internal.h"

static const char *get(const char *query, const char *key, bool *found)
{
	static struct cprof__buf out;

	cprof__buf_fini(&out);
	cprof__buf_init(&out, 0);
	*found = cprof__http_query_get(query, strlen(query), key, &out);
	return out.data ? out.data : "";
}

static void test_query_get(void **state)
{
	bool found;

	assert_string_equal(get("seconds=5", "seconds", &found), "5");
	assert_true(found);
	assert_string_equal(get("a=1&seconds=7&seconds=8", "seconds", &found), "7");
	assert_string_equal(get("seconds", "seconds", &found), "");
	assert_true(found);
	assert_string_equal(get("debug=1", "seconds", &found), "");
	assert_false(found);
	assert_string_equal(get("", "seconds", &found), "");
	assert_false(found);
	/* '+' is a space, %XX decodes, in keys too. */
	assert_string_equal(get("x=a+b%21", "x", &found), "a b!");
	assert_string_equal(get("se%63onds=3", "seconds", &found), "3");
	/* A pair with ';' or a bad escape is skipped; the next one counts. */
	assert_string_equal(get("seconds=1;x&seconds=2", "seconds", &found), "2");
	assert_string_equal(get("seconds=%zz&seconds=4", "seconds", &found), "4");
	assert_string_equal(get("seconds=%2&seconds=4", "seconds", &found), "4");
	assert_string_equal(get("&&seconds=9&", "seconds", &found), "9");
	assert_string_equal(get("seconds==1", "seconds", &found), "=1");
}

static int64_t parse_int(const char *s, int *rc)
{
	int64_t v;

	*rc = cprof__http_parse_int(s, strlen(s), &v);
	return v;
}

static void test_parse_int(void **state)
{
	int rc;

	assert_int_equal(parse_int("30", &rc), 30);
	assert_int_equal(rc, 0);
	assert_int_equal(parse_int("+7", &rc), 7);
	assert_int_equal(parse_int("-7", &rc), -7);
	assert_int_equal(parse_int("007", &rc), 7);
	assert_int_equal(parse_int("9223372036854775807", &rc), INT64_MAX);
	assert_int_equal(rc, 0);
	assert_int_equal(parse_int("-9223372036854775808", &rc), INT64_MIN);
	assert_int_equal(rc, 0);
	/* Out of range: Go's clamped value beside the error. */
	assert_int_equal(parse_int("9223372036854775808", &rc), INT64_MAX);
	assert_int_equal(rc, CPROF_EINVAL);
	assert_int_equal(parse_int("-99999999999999999999", &rc), INT64_MIN);
	assert_int_equal(rc, CPROF_EINVAL);
	/* Overflow seen before a bad digit is a range error, as in strconv. */
	assert_int_equal(parse_int("99999999999999999999x", &rc), INT64_MAX);
	/* Syntax errors: 0. */
	const char *bad[] = {"", "+", "-", "1.5", " 1", "1 ", "0x10", "1_0",
			     "abc", "1e3", "--1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_int(bad[i], &rc), 0);
		assert_int_equal(rc, CPROF_EINVAL);
	}
	assert_int_equal(cprof__http_parse_int("12\0" "3", 4, &(int64_t){0}),
			 CPROF_EINVAL);
}

static void test_atoi(void **state)
{
	assert_int_equal(cprof__http_atoi("2", 1), 2);
	assert_int_equal(cprof__http_atoi("x", 1), 0);
	assert_int_equal(cprof__http_atoi("", 0), 0);
	assert_int_equal(cprof__http_atoi("99999999999999999999", 20),
			 INT64_MAX);
}

static uint64_t parse_uint0(const char *s, int *rc)
{
	uint64_t v;

	*rc = cprof__http_parse_uint0(s, strlen(s), &v);
	return v;
}

static void test_parse_uint0(void **state)
{
	int rc;

	assert_int_equal(parse_uint0("0x4553ee", &rc), 0x4553ee);
	assert_int_equal(rc, 0);
	assert_int_equal(parse_uint0("0X4553EE", &rc), 0x4553ee);
	assert_int_equal(parse_uint0("4553", &rc), 4553);
	assert_int_equal(parse_uint0("0755", &rc), 0755);
	assert_int_equal(parse_uint0("0o755", &rc), 0755);
	assert_int_equal(parse_uint0("0b101", &rc), 5);
	assert_int_equal(parse_uint0("0", &rc), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(parse_uint0("0x_45_53", &rc), 0x4553);
	assert_int_equal(rc, 0);
	assert_int_equal(parse_uint0("1_000", &rc), 1000);
	assert_int_equal(parse_uint0("0_7", &rc), 7);
	assert_int_equal(parse_uint0("0xffffffffffffffff", &rc), UINT64_MAX);
	assert_int_equal(rc, 0);
	const char *bad[] = {"", "0x", "0x_", "_1", "1_", "1__0", "0x1g",
			     "08", "0b2", "+1", "-1", " 1", "0x10000000000000000",
			     "18446744073709551616", "0xabc_"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_uint0(bad[i], &rc);
		if (rc != CPROF_EINVAL)
			fail_msg("ParseUint(\"%s\", 0, 64) should fail", bad[i]);
	}
}

static void test_unescape(void **state)
{
	struct cprof__buf out;

	cprof__buf_init(&out, 0);
	assert_true(cprof__http_unescape("/a%20b+c", 8, false, &out));
	assert_string_equal(out.data, "/a b+c");
	assert_true(cprof__http_unescape("a%00b", 5, false, &out));
	assert_int_equal(out.len, 3);
	assert_false(cprof__http_unescape("%4", 2, false, &out));
	assert_false(cprof__http_unescape("%g0", 3, false, &out));
	cprof__buf_fini(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_get),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_atoi),
		cmocka_unit_test(test_parse_uint0),
		cmocka_unit_test(test_unescape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
