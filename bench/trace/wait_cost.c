/*
 * wait_cost.c - what one wait interval costs the waiting thread, in ns,
 * with the flight recorder on (bench/trace/run.sh prints it).
 *
 * Links libcprof and starts it with the flight recorder. Three loops of
 * cprof_trace_wait_begin/end pairs: around nothing (a wait too short for a
 * stack: the event alone), and, in pairs of batches, a busy loop of at
 * least 25 us inside a wait and alone (the difference is the event plus the
 * stack walk a wait of 20 us or more gets). Prints:
 *
 *   off_short_ns=N short_ns=N long_ns=N
 *
 * off_short_ns: a wait pair with no trace running (one load each).
 * short_ns and long_ns: what tracing adds to a pair.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../bench_clock.h"

#include "cprof.h"

#define SHORT_LOOPS 1000000
#define LONG_LOOPS 4000 /* in 20 batches */
#define SPIN_NS 25000

static long spin_iterations;
static volatile long spin_sink;

/* A fixed amount of work (not a time: the overhead must add to it). */
static void spin(void)
{
	for (long i = 0; i < spin_iterations; i++)
		spin_sink = i;
}

/* Iterations that take SPIN_NS at least, with a margin for a faster CPU
 * later in the run (the wait must stay past the 20 us stack threshold). */
static void spin_calibrate(void)
{
	int64_t t0;

	spin_iterations = 1000;
	for (;;) {
		t0 = bench_mono_ns();
		spin();
		if (bench_mono_ns() - t0 >= SPIN_NS * 3 / 2)
			return;
		spin_iterations *= 2;
	}
}

static __attribute__((noinline)) void wait_short(void)
{
	cprof_trace_wait_begin(CPROF_TRACE_WAIT_LOCK, "bench");
	cprof_trace_wait_end();
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void wait_long(void)
{
	cprof_trace_wait_begin(CPROF_TRACE_WAIT_LOCK, "bench");
	spin();
	cprof_trace_wait_end();
	__asm__ volatile("" ::: "memory");
}

static void spin_only(void) { spin(); }

/* The median of 5 runs of a loop, in ns per iteration. */
static double per_op(void (*fn)(void), int loops)
{
	double r[5], t;

	for (int k = 0; k < 5; k++) {
		int64_t t0 = bench_mono_ns();

		for (int i = 0; i < loops; i++)
			fn();
		r[k] = (double)(bench_mono_ns() - t0) / loops;
	}
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			if (r[j] < r[i]) {
				t = r[i];
				r[i] = r[j];
				r[j] = t;
			}
	return r[2];
}

/* The median over 21 pairs of batches of (fn - spin_only), in ns per
 * iteration: pairing cancels the drift of a loaded machine. */
static double paired_extra(void (*fn)(void), int loops)
{
	double d[21], t;

	for (int k = 0; k < 21; k++) {
		int64_t t0 = bench_mono_ns(), t1, t2;

		for (int i = 0; i < loops; i++)
			spin_only();
		t1 = bench_mono_ns();
		for (int i = 0; i < loops; i++)
			fn();
		t2 = bench_mono_ns();
		d[k] = (double)((t2 - t1) - (t1 - t0)) / loops;
	}
	for (int i = 0; i < 21; i++)
		for (int j = i + 1; j < 21; j++)
			if (d[j] < d[i]) {
				t = d[i];
				d[i] = d[j];
				d[j] = t;
			}
	return d[10];
}

int main(void)
{
	struct cprof_options o;
	double off_short, on_short, on_long;

	spin_calibrate();
	off_short = per_op(wait_short, SHORT_LOOPS);
	memset(&o, 0, sizeof(o));
	o.trace_flight_seconds = 10;
	if (cprof_start(&o) != 0 || !cprof_trace_enabled())
		return 1;
	on_short = per_op(wait_short, SHORT_LOOPS);
	on_long = paired_extra(wait_long, LONG_LOOPS / 20);
	cprof_stop();
	printf("off_short_ns=%.1f short_ns=%.1f long_ns=%.1f\n", off_short,
	       on_short - off_short, on_long);
	return 0;
}
