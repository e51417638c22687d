/*
 * test_config.c - CPROF_* parsing: valid values taken, invalid ones replaced
 * by the default (with a warning), options winning over the environment.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/config.h"

static void clear_env(void)
{
	static const char *vars[] = {"CPROF_HTTP", "CPROF_CPU_PROFILE",
				     "CPROF_CPU_HZ", "CPROF_SIGNAL",
				     "CPROF_DEBUG", "CPROF_UNWIND",
				     "CPROF_MUTEX_FRACTION", "CPROF_BLOCK_RATE",
				     "CPROF_TRACE", "CPROF_TRACE_FLIGHT",
				     "CPROF_TRACE_BUFFER"};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void test_defaults(void **state)
{
	struct cprof__config c;

	clear_env();
	cprof__config_load(&c, NULL);
	assert_false(c.http_enabled);
	assert_string_equal(c.cpu_profile_path, "");
	assert_int_equal(c.cpu_hz, 100);
	assert_int_equal(c.signal, SIGPROF);
	assert_false(c.debug);
	assert_int_equal(c.mutex_fraction, CPROF_DEFAULT_MUTEX_FRACTION);
	assert_int_equal(c.block_rate, CPROF_DEFAULT_BLOCK_RATE_NS);
	assert_int_equal(c.unwinder, CPROF_UNWINDER_CFI);
	assert_false(cprof__config_env_activates());
}

/* Mutex fraction and block rate: variable (0 off), option (-1 off, 0 the
 * variable), garbage and negatives the default. */
static void test_contention_rates(void **state)
{
	static const char *bad[] = {"", "x", "-1", "1e5", "10ns",
				    "99999999999999999999"};
	struct cprof_options o;
	struct cprof__config c;

	clear_env();
	setenv("CPROF_MUTEX_FRACTION", "0", 1);
	setenv("CPROF_BLOCK_RATE", "1", 1);
	cprof__config_load(&c, NULL);
	assert_int_equal(c.mutex_fraction, 0);
	assert_int_equal(c.block_rate, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("CPROF_MUTEX_FRACTION", bad[i], 1);
		setenv("CPROF_BLOCK_RATE", bad[i], 1);
		cprof__config_load(&c, NULL);
		assert_int_equal(c.mutex_fraction,
				 CPROF_DEFAULT_MUTEX_FRACTION);
		assert_int_equal(c.block_rate, CPROF_DEFAULT_BLOCK_RATE_NS);
	}
	memset(&o, 0, sizeof(o));
	o.mutex_fraction = -1;
	o.block_rate = 5000;
	cprof__config_load(&c, &o);
	assert_int_equal(c.mutex_fraction, 0);
	assert_int_equal(c.block_rate, 5000);
	o.mutex_fraction = -7; /* invalid option: the default */
	o.block_rate = 0;      /* zero: the variable (garbage: the default) */
	cprof__config_load(&c, &o);
	assert_int_equal(c.mutex_fraction, CPROF_DEFAULT_MUTEX_FRACTION);
	assert_int_equal(c.block_rate, CPROF_DEFAULT_BLOCK_RATE_NS);
	clear_env();
}

static void test_env_values(void **state)
{
	struct cprof__config c;

	clear_env();
	setenv("CPROF_HTTP", ":7070", 1);
	setenv("CPROF_CPU_HZ", "1000", 1);
	setenv("CPROF_SIGNAL", "VTALRM", 1);
	setenv("CPROF_CPU_PROFILE", "/tmp/x-%p-%%.pb.gz", 1);
	setenv("CPROF_UNWIND", "fp", 1);
	cprof__config_load(&c, NULL);
	assert_true(c.http_enabled);
	assert_string_equal(c.http_host, "127.0.0.1");
	assert_int_equal(c.http_port, 7070);
	assert_int_equal(c.cpu_hz, 1000);
	assert_int_equal(c.signal, SIGVTALRM);
	assert_non_null(strstr(c.cpu_profile_path, "/tmp/x-"));
	assert_non_null(strstr(c.cpu_profile_path, "-%.pb.gz"));
	assert_null(strstr(c.cpu_profile_path, "%p"));
	assert_int_equal(c.unwinder, CPROF_UNWINDER_FP);
	assert_true(cprof__config_env_activates());
}

static void test_env_invalid_gives_defaults(void **state)
{
	static const char *bad_hz[] = {"", "abc", "0", "-1", "1.5", "10x",
				       "1000001", "99999999999999999999"};
	struct cprof__config c;

	for (size_t i = 0; i < sizeof(bad_hz) / sizeof(bad_hz[0]); i++) {
		clear_env();
		setenv("CPROF_CPU_HZ", bad_hz[i], 1);
		setenv("CPROF_SIGNAL", bad_hz[i], 1);
		setenv("CPROF_DEBUG", "2", 1);
		cprof__config_load(&c, NULL);
		assert_int_equal(c.cpu_hz, 100);
		assert_int_equal(c.signal, SIGPROF);
		assert_false(c.debug);
	}
	clear_env();
	setenv("CPROF_SIGNAL", "SIGKILL", 1);
	cprof__config_load(&c, NULL);
	assert_int_equal(c.signal, SIGPROF);
	setenv("CPROF_SIGNAL", "40", 1); /* a real-time signal */
	cprof__config_load(&c, NULL);
	assert_int_equal(c.signal, 40);
}

static void test_options_win(void **state)
{
	struct cprof_options o;
	struct cprof__config c;

	clear_env();
	setenv("CPROF_CPU_HZ", "250", 1);
	setenv("CPROF_HTTP", "127.0.0.1:1", 1);
	memset(&o, 0, sizeof(o));
	o.cpu_hz = 500;
	o.http_addr = "[::1]:8080";
	cprof__config_load(&c, &o);
	assert_int_equal(c.cpu_hz, 500);
	assert_string_equal(c.http_host, "::1");
	assert_int_equal(c.http_port, 8080);
	o.cpu_hz = 0; /* zero: the environment */
	cprof__config_load(&c, &o);
	assert_int_equal(c.cpu_hz, 250);
	o.cpu_hz = -3; /* invalid option: the default */
	cprof__config_load(&c, &o);
	assert_int_equal(c.cpu_hz, 100);
}

/* The trace's variables: values taken, garbage gives the default, options
 * win, and CPROF_TRACE or CPROF_TRACE_FLIGHT alone starts cprof. */
static void test_trace(void **state)
{
	static const char *bad_flight[] = {"", "x", "-1", "3601", "1.5",
					   "99999999999"};
	static const char *bad_buffer[] = {"", "x", "-1", "1023", "1.5",
					   "67108865"};
	struct cprof_options o;
	struct cprof__config c;

	clear_env();
	cprof__config_load(&c, NULL);
	assert_string_equal(c.trace_path, "");
	assert_int_equal(c.trace_flight_seconds, 0);
	assert_int_equal(c.trace_buffer_bytes, 262144);
	setenv("CPROF_TRACE", "/tmp/t-%p.json.gz", 1);
	setenv("CPROF_TRACE_FLIGHT", "30", 1);
	setenv("CPROF_TRACE_BUFFER", "1024", 1);
	cprof__config_load(&c, NULL);
	assert_null(strstr(c.trace_path, "%p"));
	assert_non_null(strstr(c.trace_path, ".json.gz"));
	assert_int_equal(c.trace_flight_seconds, 30);
	assert_int_equal(c.trace_buffer_bytes, 1024);
	assert_true(cprof__config_env_activates());
	for (size_t i = 0; i < sizeof(bad_flight) / sizeof(bad_flight[0]); i++) {
		setenv("CPROF_TRACE_FLIGHT", bad_flight[i], 1);
		setenv("CPROF_TRACE_BUFFER", bad_buffer[i], 1);
		cprof__config_load(&c, NULL);
		assert_int_equal(c.trace_flight_seconds, 0);
		assert_int_equal(c.trace_buffer_bytes, 262144);
	}
	clear_env();
	setenv("CPROF_TRACE_FLIGHT", "5", 1);
	assert_true(cprof__config_env_activates());
	memset(&o, 0, sizeof(o));
	o.trace_flight_seconds = 7;
	o.trace_buffer_bytes = 4096;
	o.trace_path = "/tmp/o.json";
	cprof__config_load(&c, &o);
	assert_int_equal(c.trace_flight_seconds, 7);
	assert_int_equal(c.trace_buffer_bytes, 4096);
	assert_string_equal(c.trace_path, "/tmp/o.json");
	o.trace_flight_seconds = 4000; /* invalid option: the default */
	o.trace_buffer_bytes = 12;
	cprof__config_load(&c, &o);
	assert_int_equal(c.trace_flight_seconds, 0);
	assert_int_equal(c.trace_buffer_bytes, 262144);
}

static void test_parse_addr(void **state)
{
	static const char *bad[] = {"", "6060", "host:", "host:0",
				    "host:65536", "a:b:c", "[::1]", "[::1]x:1",
				    ":-1", "host:12ab"};
	char host[64];
	int port;

	assert_int_equal(cprof__config_parse_addr("localhost:1", host,
						  sizeof(host), &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 1);
	assert_int_equal(cprof__config_parse_addr("0.0.0.0:65535", host,
						  sizeof(host), &port), 0);
	assert_int_equal(port, 65535);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cprof__config_parse_addr(bad[i], host,
							  sizeof(host), &port),
				 CPROF_EINVAL);
	assert_int_equal(cprof__config_parse_addr("averyveryverylonghostname:1",
						  host, 8, &port),
			 CPROF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_env_values),
		cmocka_unit_test(test_env_invalid_gives_defaults),
		cmocka_unit_test(test_options_win),
		cmocka_unit_test(test_contention_rates),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_parse_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
