/*
 * bench_clock.h - the clocks the benchmark programs read, in int64
 * nanoseconds (header only: each program includes it relatively).
 */
#ifndef CPROF_BENCH_CLOCK_H
#define CPROF_BENCH_CLOCK_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

static inline int64_t bench_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wall time. */
static inline int64_t bench_mono_ns(void)
{
	return bench_clock_ns(CLOCK_MONOTONIC);
}

static inline int64_t bench_tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000;
}

/* User + system time of the whole process, every thread included. */
static inline int64_t bench_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return bench_tv_ns(&ru.ru_utime) + bench_tv_ns(&ru.ru_stime);
}

#endif
