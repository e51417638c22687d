/*
 * clock.h - the clocks cprof reads. All async-signal-safe (clock_gettime is).
 */
#ifndef CPROF_SRC_BASE_CLOCK_H
#define CPROF_SRC_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t cprof__clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Monotonic time: intervals and event timestamps. */
static inline int64_t cprof__now_ns(void)
{
	return cprof__clock_ns(CLOCK_MONOTONIC);
}

/* Wall-clock time since the Unix epoch: profile time_nanos. */
static inline int64_t cprof__wall_ns(void)
{
	return cprof__clock_ns(CLOCK_REALTIME);
}

#endif
