/*
 * cpu_timer_linux.c - CPU timers (see cpu_timer.h).
 *
 * Linux specifics: a thread's CPU clock id is derived from its tid as the
 * kernel's MAKE_THREAD_CPUCLOCK does, and SIGEV_THREAD_ID routes the signal
 * to that thread. The kernel checks CPU-time timers only at its tick (250 Hz
 * here), on the task the tick interrupts: expirations coalesce and
 * si_overrun reports the missed ones, so each sample weighs 1 + si_overrun
 * periods. But a thread that runs less than a tick between its start and
 * its exit is rarely checked at all, and its own timer would almost never
 * fire. So a young thread (its first TIMER_YOUNG_TICKS ticks of CPU from the
 * moment it is armed) also has a tick timer, one that expires every
 * nanosecond and so fires at every tick that interrupts the thread: the
 * handler weighs those samples by the tick length (clock_getres of the
 * coarse clock is one tick), which is unbiased however short the thread.
 * The regular timer takes over where youth ends.
 * docs/internals/capture.md has the argument.
 */
#include "capture/cpu_timer.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "cprof.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define CPUCLOCK_SCHED 2
#define CPUCLOCK_PERTHREAD_MASK 4

/* CPU time of its own (from the moment it is armed), in ticks, a thread
 * spends young: covered by its tick timer only. The trade-off (measured in
 * docs/internals/capture.md): the regular timer loses the expirations after
 * a thread's last tick (half a tick on average, at its exit), so youth
 * should be long against a tick; tick samples undercount on a machine with
 * more runnable threads than CPUs, so youth should be short. */
#define TIMER_YOUNG_TICKS 4

int64_t cprof__cpu_timer_tick_ns;
int64_t cprof__cpu_timer_period_ns;

static _Atomic bool timers_on;
static _Atomic bool timers_itimer;
static int timers_signo;
static uint64_t timers_rand_state; /* xorshift; under the registry lock */

static clockid_t timer_thread_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned)tid << 3) |
			   (CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD_MASK));
}

static int64_t timer_clock_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Uniform in (0, period]: the first expiry of a new timer. */
static int64_t timer_first_expiry(void)
{
	uint64_t x = timers_rand_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	timers_rand_state = x;
	return 1 + (int64_t)(x % (uint64_t)cprof__cpu_timer_period_ns);
}

static void timer_spec(struct timespec *ts, int64_t ns)
{
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

static void timer_start_itimer(void)
{
	struct itimerval it;
	int64_t us = cprof__cpu_timer_period_ns / 1000;

	if (timers_signo != SIGPROF || atomic_exchange(&timers_itimer, true))
		return;
	it.it_interval.tv_sec = us / 1000000;
	it.it_interval.tv_usec = us % 1000000;
	it.it_value = it.it_interval;
	if (setitimer(ITIMER_PROF, &it, NULL) != 0)
		atomic_store(&timers_itimer, false);
	else
		cprof__debug("per-thread CPU timers failed; using ITIMER_PROF");
}

/* An unarmed timer on thread tid's CPU clock that sends signo with cookie
 * to the thread. 0, or timer_create's errno. */
static int timer_thread_create(pid_t tid, int signo, int cookie,
			       timer_t *out)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = signo;
	sev.sigev_value.sival_int = cookie;
	sev.sigev_notify_thread_id = tid;
	return timer_create(timer_thread_clock(tid), &sev, out) != 0 ? errno
								      : 0;
}

/* A timer on thread tid's CPU clock that sends our signal with cookie to
 * the thread, first after value_ns of its CPU time, then every
 * interval_ns. 0, or the errno of the failing call. */
static int timer_thread_new(pid_t tid, int cookie, int64_t value_ns,
			    int64_t interval_ns, timer_t *out)
{
	struct itimerspec its;
	int err;

	err = timer_thread_create(tid, timers_signo, cookie, out);
	if (err != 0)
		return err;
	timer_spec(&its.it_interval, interval_ns);
	timer_spec(&its.it_value, value_ns);
	if (timer_settime(*out, 0, &its, NULL) != 0) {
		err = errno;
		timer_delete(*out);
		return err;
	}
	return 0;
}

void cprof__cpu_timer_arm_locked(struct cprof__thread *t)
{
	pid_t tid = atomic_load(&t->tid);
	int64_t now, young = 0;
	int err;

	if (!atomic_load(&timers_on) || t->has_timer || t->internal)
		return;
	now = timer_clock_ns(timer_thread_clock(tid));
	if (now < 0)
		return; /* the thread is gone */
	/* The tick timer: due at once and every nanosecond after, so it
	 * fires at each tick that interrupts the thread. Its first sample
	 * may come before this function returns. */
	t->young_until_ns = now + TIMER_YOUNG_TICKS * cprof__cpu_timer_tick_ns;
	t->tick_carry_ns = timer_first_expiry() - 1;
	t->has_tick_timer = cprof__cpu_timer_tick_ns > 0 &&
			    timer_thread_new(tid, CPROF_TICK_TIMER_COOKIE, 1, 1,
					     &t->tick_timer) == 0;
	if (t->has_tick_timer)
		young = TIMER_YOUNG_TICKS * cprof__cpu_timer_tick_ns;
	else
		t->young_until_ns = now;
	/* The regular timer takes over where youth ends. */
	err = timer_thread_new(tid, CPROF_TIMER_COOKIE,
			       young + timer_first_expiry(),
			       cprof__cpu_timer_period_ns, &t->timer);
	if (err != 0) {
		cprof__cpu_timer_disarm_locked(t);
		/* EINVAL: the thread is gone. Anything else: out of timers,
		 * fall back to the process-wide timer. */
		if (err != EINVAL && err != ESRCH)
			timer_start_itimer();
		return;
	}
	t->has_timer = true;
}

static void timer_tick_disarm_locked(struct cprof__thread *t)
{
	if (!t->has_tick_timer)
		return;
	timer_delete(t->tick_timer);
	t->has_tick_timer = false;
}

void cprof__cpu_timer_disarm_locked(struct cprof__thread *t)
{
	timer_tick_disarm_locked(t);
	if (!t->has_timer)
		return;
	timer_delete(t->timer);
	t->has_timer = false;
}

static void timer_arm_each(struct cprof__thread *t, void *arg)
{
	cprof__cpu_timer_arm_locked(t);
}

static void timer_disarm_each(struct cprof__thread *t, void *arg)
{
	cprof__cpu_timer_disarm_locked(t);
}

/* A thread past its youth: its tick timer's samples no longer count (the
 * handler drops them), so it stops costing a signal per tick. */
static void timer_age_each(struct cprof__thread *t, void *arg)
{
	int64_t now;

	if (!t->has_tick_timer)
		return;
	now = timer_clock_ns(timer_thread_clock(atomic_load(&t->tid)));
	if (now < 0 || now >= t->young_until_ns)
		timer_tick_disarm_locked(t);
}

void cprof__cpu_timers_age(void)
{
	if (atomic_load(&timers_on))
		cprof__threads_each(timer_age_each, NULL);
}

/* One kernel tick: the resolution of the coarse clocks, which advance
 * once a tick. 0 when it does not look like a tick (1 ms to 10 ms). */
static int64_t timer_tick_ns(void)
{
	struct timespec ts;
	int64_t ns;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return 0;
	ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return ns >= 1000000 && ns <= 10000000 ? ns : 0;
}

int cprof__cpu_timers_start(int signo, int hz)
{
	if (hz <= 0)
		return CPROF_EINVAL;
	timers_signo = signo;
	cprof__cpu_timer_period_ns = 1000000000 / hz;
	if (cprof__cpu_timer_period_ns < 1)
		cprof__cpu_timer_period_ns = 1;
	timers_rand_state = (uint64_t)cprof__now_ns() | 1;
	cprof__cpu_timer_tick_ns = timer_tick_ns();
	atomic_store(&timers_on, true);
	cprof__threads_each(timer_arm_each, NULL);
	return 0;
}

void cprof__cpu_timers_stop(void)
{
	struct itimerval off;

	if (!atomic_exchange(&timers_on, false))
		return;
	if (atomic_exchange(&timers_itimer, false)) {
		memset(&off, 0, sizeof(off));
		setitimer(ITIMER_PROF, &off, NULL);
	}
	cprof__threads_each(timer_disarm_each, NULL);
}

void cprof__cpu_timers_atfork_child(void)
{
	atomic_store(&timers_on, false);
	atomic_store(&timers_itimer, false);
}

bool cprof__cpu_itimer_on_as(void)
{
	return atomic_load_explicit(&timers_itimer, memory_order_relaxed);
}

int cprof__cpu_timer_oneshot(pid_t tid, int signo, int cookie, timer_t *out)
{
	struct itimerspec its;
	int err = timer_thread_create(tid, signo, cookie, out);

	if (err != 0)
		return err == EINVAL || err == ESRCH ? CPROF_ESTATE
						     : CPROF_ENOMEM;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 1; /* the thread's next nanosecond of CPU */
	if (timer_settime(*out, 0, &its, NULL) != 0) {
		timer_delete(*out);
		return CPROF_ESTATE;
	}
	return 0;
}
