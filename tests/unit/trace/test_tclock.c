/*
 * test_tclock.c - the waits' clock (trace/tclock.h): converted readings of
 * the time-stamp counter agree with CLOCK_MONOTONIC across calibration
 * rounds, before a calibration point too; an interval never ends before it
 * begins; without the counter the conversion is the identity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "base/clock.h"
#include "trace/tclock.h"

/* A converted reading minus CLOCK_MONOTONIC, in ns: the smallest of a few
 * tries in absolute value (a preemption between the two reads only ever
 * widens it). */
static int64_t tclock_error(void)
{
	int64_t best = INT64_MAX, err = 0;

	for (int i = 0; i < 5; i++) {
		int64_t n0 = cprof__now_ns();
		int64_t t = cprof__trace_clock_ticks();
		int64_t n1 = cprof__now_ns();
		int64_t ns, unused;

		cprof__trace_clock_interval(t, t, &ns, &unused);
		if (n1 - n0 < best) {
			best = n1 - n0;
			err = ns - n0 - (n1 - n0) / 2;
		}
	}
	return err;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

static void test_agrees_with_monotonic(void **state)
{
	int64_t old_ticks, begin, end;

	cprof__trace_clock_init();
	cprof__trace_clock_start();
	old_ticks = cprof__trace_clock_ticks();
	/* 10 µs: far above the conversion's error, far below the 20 µs a
	 * wait needs for a stack, and loose enough for a loaded machine
	 * (the best of five tries) */
	for (int round = 0; round < 6; round++) {
		int64_t err = tclock_error();

		assert_true(err > -10000 && err < 10000);
		sleep_ms(20);
		cprof__trace_clock_tick();
	}
	/* a wait that began before the last points: converted backwards */
	{
		int64_t n = cprof__now_ns(), t = cprof__trace_clock_ticks();

		cprof__trace_clock_interval(old_ticks, t, &begin, &end);
		assert_true(end - begin > 100000000 && end - begin < 200000000);
		assert_true(end - n > -10000000 && end - n < 10000000);
	}
	/* an end before the begin (another CPU's counter) is the begin */
	cprof__trace_clock_interval(old_ticks + 1000, old_ticks, &begin, &end);
	assert_int_equal(end, begin);
}

static void test_identity_without_counter(void **state)
{
	int64_t begin, end;
	bool tsc = cprof__trace_clock_tsc;

	cprof__trace_clock_tsc = false;
	cprof__trace_clock_interval(1000, 5000, &begin, &end);
	assert_int_equal(begin, 1000);
	assert_int_equal(end, 5000);
	cprof__trace_clock_interval(5000, 1000, &begin, &end);
	assert_int_equal(end, 5000);
	cprof__trace_clock_tsc = tsc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees_with_monotonic),
		cmocka_unit_test(test_identity_without_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
