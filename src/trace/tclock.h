/*
 * tclock.h - the clock of the trace's wait intervals: the CPU's time-stamp
 * counter read at both ends of a wait, converted to CLOCK_MONOTONIC
 * nanoseconds, the one clock of every trace timestamp.
 *
 * A wait costs its thread two clock reads. clock_gettime through the vDSO
 * costs 2.5 times what rdtsc does here (bench/trace: trace_sys_cost), more
 * right after a context switch, when its data is out of the cache (a wait
 * ends with one), so the waits read the counter, as Go's trace reads
 * cputicks. Unlike Go's, our
 * conversion keeps the trace on CLOCK_MONOTONIC, the clock of every other
 * event (CPU samples, annotations): each collector round (50 ms) takes a
 * calibration point, a (counter, CLOCK_MONOTONIC) pair read back to back,
 * and ticks convert as point.ns + (ticks - point.ticks) * rate, where rate
 * is the ns per tick measured between the last two points. Error: the
 * rate's (a pair's read spread, tens of ns, over 50 ms: under 1 ppm) times
 * the distance to the point, plus the rate's change over a round (NTP slews
 * CLOCK_MONOTONIC by at most 500 ppm, changing it rarely): well under a
 * microsecond in a round.
 *
 * The counter is used only where it is invariant (constant_tsc and
 * nonstop_tsc) and the kernel itself keeps time with it (clocksource
 * "tsc": it found the counters of all CPUs in step). Elsewhere ticks are
 * CLOCK_MONOTONIC nanoseconds already and the conversion is the identity.
 * docs/internals/trace.md has the figures.
 */
#ifndef CPROF_SRC_TRACE_TCLOCK_H
#define CPROF_SRC_TRACE_TCLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* True when the waits read the time-stamp counter (set by init). */
extern bool cprof__trace_clock_tsc;

/* Decides whether the counter can be used (reads /proc and /sys: ordinary
 * context, at cprof's start). */
void cprof__trace_clock_init(void);
/* The first calibration (two points 2 ms apart, sleeping between them,
 * once per process), at a trace's start; outside any lock. */
void cprof__trace_clock_start(void);
/* A new calibration point (every collection while a trace runs: the
 * collector's rounds and the dumps; trace lock held). */
void cprof__trace_clock_tick(void);

/* The counter (or CLOCK_MONOTONIC ns when it is not used). Hooks; never
 * blocks, no syscall when the counter is used. */
int64_t cprof__trace_clock_ticks(void);
/* Two readings of one wait as CLOCK_MONOTONIC ns, converted with the same
 * calibration: *end_ns >= *begin_ns even if the thread moved to a CPU
 * whose counter is a little behind. Hooks; never blocks. */
void cprof__trace_clock_interval(int64_t begin_ticks, int64_t end_ticks,
				 int64_t *begin_ns, int64_t *end_ns);

#endif
