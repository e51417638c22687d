/*
 * cpu_timer.h - CPU-time timers that deliver the profiling signal to the
 * thread that used the time.
 *
 * While the timers are on, every live non-internal thread has a regular
 * timer on its own CPU clock (CLOCK_THREAD_CPUTIME_ID, derived from its tid
 * so a thread can be armed from another thread) with SIGEV_THREAD_ID, the
 * period 1e9/hz ns and a random first expiry in (0, period] after the
 * thread's youth: its first 4 ticks of CPU from the moment it is armed.
 * During its youth a tick timer samples the thread at every kernel tick
 * that interrupts it, each sample weighing one tick, because the kernel
 * checks CPU timers only at its tick and a thread shorter than a tick would
 * almost never see its regular timer fire. Where a timer cannot be created
 * the process-wide ITIMER_PROF is the fallback.
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
/* The tick timers' signals (samples of young threads). */
#define CPROF_TICK_TIMER_COOKIE 0x63707274 /* "cprt" */

/* Set before the timers start, read by the handler: the kernel tick (0
 * when unknown: no youth, no tick timers) and the period, in ns. */
extern int64_t cprof__cpu_timer_tick_ns;
extern int64_t cprof__cpu_timer_period_ns;

/* Starts the timers on every registered thread (and on every thread that
 * registers until cprof__cpu_timers_stop). */
int cprof__cpu_timers_start(int signo, int hz);
void cprof__cpu_timers_stop(void);
/* In a forked child: no timer survives fork. */
void cprof__cpu_timers_atfork_child(void);
/* Stops the tick timers of threads past their youth (the collector, now
 * and then). */
void cprof__cpu_timers_age(void);
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
