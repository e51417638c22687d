/*
 * cpu_timer.h - per-thread CPU-time timers that deliver the profiling
 * signal to the thread that used the time.
 *
 * While the timers are on, every live non-internal thread has one timer on
 * its own CPU clock (CLOCK_THREAD_CPUTIME_ID, derived from its tid so a
 * thread can be armed from another thread) with SIGEV_THREAD_ID, the period
 * 1e9/hz ns and a random first expiry in (0, period] so that short-lived
 * threads are sampled in proportion to their CPU time (as Go does). Where a
 * timer cannot be created the process-wide ITIMER_PROF is the fallback.
 */
#ifndef CPROF_SRC_CAPTURE_CPU_TIMER_H
#define CPROF_SRC_CAPTURE_CPU_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "capture/threads.h"

/* Marks our timers' signals (si_value) so that other sources of the same
 * signal are told apart. */
#define CPROF_TIMER_COOKIE 0x63707266 /* "cprf" */

/* Starts the timers on every registered thread (and on every thread that
 * registers until cprof__cpu_timers_stop). */
int cprof__cpu_timers_start(int signo, int hz);
void cprof__cpu_timers_stop(void);
/* True while the ITIMER_PROF fallback runs. Async-signal-safe. */
bool cprof__cpu_itimer_on_as(void);

/* A one-shot timer on thread tid's CPU clock that sends signo with cookie
 * in si_value to that thread after its next nanosecond of CPU time (the
 * threads profile's sample of a running thread). The caller deletes *out
 * with timer_delete. 0 or CPROF_E*. */
int cprof__cpu_timer_oneshot(pid_t tid, int signo, int cookie, timer_t *out);

/* For threads.c, under its lock: arm (when the timers are on) or disarm
 * one thread's timer. */
void cprof__cpu_timer_arm_locked(struct cprof__thread *t);
void cprof__cpu_timer_disarm_locked(struct cprof__thread *t);

#endif
