/*
 * test_cli.c - the CLI's small pure parts against Go's behaviour: option
 * parsing (Go's flag syntax), unit scaling and number formatting
 * (google/pprof's measurement package), the regexp bridge.
 * The reports themselves are compared with go tool pprof by
 * tests/integration/cli/vs_pprof.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/options.h"
#include "cli/report.h"

static void test_options(void **state)
{
	const char *s = "x", *gran = "functions";
	int n = -1, n_pos;
	bool b = false;
	double d = 0;
	struct cprof__cli_opt opts[] = {
		{"s", CPROF_CLI_OPT_STRING, &s, NULL, "a string"},
		{"n", CPROF_CLI_OPT_INT, &n, NULL, "an int"},
		{"b", CPROF_CLI_OPT_BOOL, &b, NULL, "a bool"},
		{"d", CPROF_CLI_OPT_DOUBLE, &d, NULL, "a float"},
		{"lines", CPROF_CLI_OPT_SET, &gran, "lines", "granularity"},
		{NULL, 0, NULL, NULL, NULL},
	};
	char *argv[] = {"top", "-s", "v", "--n=7", "file", "-b", "-d=0.5",
			"-lines", "--", "-notanoption", NULL};
	char *pos[4];

	(void)state;
	assert_int_equal(cprof__cli_parse(10, argv, opts, "u", "a", pos, 4,
					  &n_pos), 0);
	assert_string_equal(s, "v");
	assert_int_equal(n, 7);
	assert_true(b);
	assert_true(d == 0.5);
	assert_string_equal(gran, "lines");
	assert_int_equal(n_pos, 2);
	assert_string_equal(pos[0], "file");
	assert_string_equal(pos[1], "-notanoption");
	{
		char *bad1[] = {"top", "-n=x", NULL};
		char *bad2[] = {"top", "-nope", NULL};
		char *bad3[] = {"top", "-n", NULL};
		char *bad4[] = {"top", "-b=maybe", NULL};
		char *bad5[] = {"top", "a", "b", NULL};

		assert_int_equal(cprof__cli_parse(2, bad1, opts, "u", "a", pos, 4, &n_pos),
				 CPROF_CLI_USAGE);
		assert_int_equal(cprof__cli_parse(2, bad2, opts, "u", "a", pos, 4, &n_pos),
				 CPROF_CLI_USAGE);
		assert_int_equal(cprof__cli_parse(2, bad3, opts, "u", "a", pos, 4, &n_pos),
				 CPROF_CLI_USAGE);
		assert_int_equal(cprof__cli_parse(2, bad4, opts, "u", "a", pos, 4, &n_pos),
				 CPROF_CLI_USAGE);
		assert_int_equal(cprof__cli_parse(3, bad5, opts, "u", "a", pos, 1, &n_pos),
				 CPROF_CLI_USAGE);
	}
	{
		char *f[] = {"top", "-b=false", NULL};

		assert_int_equal(cprof__cli_parse(2, f, opts, "u", "a", pos, 4, &n_pos), 0);
		assert_false(b);
	}
}

static void label(int64_t v, const char *from, const char *to,
		  const char *want)
{
	char buf[64];

	assert_string_equal(cprof__cli_scaled_label(v, from, to, buf, sizeof(buf)),
			    want);
}

static void test_units(void **state)
{
	const char *unit;

	(void)state;
	/* Values google/pprof's measurement package gives. */
	label(990000000, "nanoseconds", "minimum", "990ms");
	label(1300000000, "nanoseconds", "auto", "1.30s");
	label(60000000000ll, "nanoseconds", "auto", "60s");
	label(4128768, "bytes", "kB", "4032kB");
	label(96, "bytes", "kb", "0.09kB");
	label(1536, "bytes", "auto", "1.50kB");
	label(-2048, "bytes", "auto", "-2kB");
	label(0, "bytes", "auto", "0");
	label(1, "nanoseconds", "s", "0");
	label(12, "count", "minimum", "12");
	label(3, "widgets", "minimum", "3");
	label(3, "widgets", "parsecs", "3parsecs");
	label(7200000000000ll, "ns", "auto", "2hrs");
	label(5, "microseconds", "ns", "5000ns");
	assert_true(cprof__cli_scale(32, "kb", "kb", &unit) == 32);
	assert_string_equal(unit, "kB");
	assert_true(cprof__cli_scale(32, "", "", &unit) == 32);
	assert_string_equal(unit, "");
}

static void pct(int64_t v, int64_t total, const char *want)
{
	char buf[32];

	assert_string_equal(cprof__cli_percentage(v, total, buf, sizeof(buf)), want);
}

static void test_percentage(void **state)
{
	(void)state;
	pct(990, 990, "  100%");
	pct(960, 990, "96.97%");
	pct(1, 10000, " 0.01%");
	pct(23, 1000000, "0.0023%");
	pct(5, 10000000, "5e-05%");
	pct(0, 10, "    0%");
	pct(5, 0, "    0%");
	pct(-50, 100, "50.00%");
}

static void test_regex(void **state)
{
	regex_t re;

	(void)state;
	assert_int_equal(cprof__cli_regcomp(&re, "^main\\.\\w+$", "t"), 0);
	assert_true(cprof__cli_match(&re, "main.burn_1"));
	assert_false(cprof__cli_match(&re, "main.(*T).m"));
	regfree(&re);
	assert_int_equal(cprof__cli_regcomp(&re, "pkg\\d[\\d\\s]x", "t"), 0);
	assert_true(cprof__cli_match(&re, "pkg1 x"));
	assert_true(cprof__cli_match(&re, "pkg12x"));
	assert_false(cprof__cli_match(&re, "pkgx1x"));
	regfree(&re);
	assert_int_equal(cprof__cli_regcomp(&re, "(?i)MAIN", "t"), 0);
	assert_true(cprof__cli_match(&re, "main.main"));
	regfree(&re);
	assert_int_equal(cprof__cli_regcomp(&re, "a(", "t"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_percentage),
		cmocka_unit_test(test_regex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
