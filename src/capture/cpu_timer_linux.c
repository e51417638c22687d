/*
 * cpu_timer_linux.c - per-thread CPU timers (see cpu_timer.h).
 *
 * Linux specifics: a thread's CPU clock id is derived from its tid as the
 * kernel's MAKE_THREAD_CPUCLOCK does, and SIGEV_THREAD_ID routes the signal
 * to that thread. At rates above the kernel tick (250 Hz here) expirations
 * coalesce and si_overrun reports the missed ones; the handler weights each
 * sample by 1 + si_overrun, so totals stay right at any rate.
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

static _Atomic bool timers_on;
static _Atomic bool timers_itimer;
static int timers_signo;
static int64_t timers_period_ns;
static uint64_t timers_rand_state; /* xorshift; under the registry lock */

static clockid_t timer_thread_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned)tid << 3) |
			   (CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD_MASK));
}

/* Uniform in (0, period]: the first expiry of a new timer. */
static int64_t timer_first_expiry(void)
{
	uint64_t x = timers_rand_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	timers_rand_state = x;
	return 1 + (int64_t)(x % (uint64_t)timers_period_ns);
}

static void timer_spec(struct timespec *ts, int64_t ns)
{
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

static void timer_start_itimer(void)
{
	struct itimerval it;
	int64_t us = timers_period_ns / 1000;

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

void cprof__cpu_timer_arm_locked(struct cprof__thread *t)
{
	struct sigevent sev;
	struct itimerspec its;

	if (!atomic_load(&timers_on) || t->has_timer || t->internal)
		return;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = timers_signo;
	sev.sigev_value.sival_int = CPROF_TIMER_COOKIE;
	sev.sigev_notify_thread_id = atomic_load(&t->tid);
	if (timer_create(timer_thread_clock(atomic_load(&t->tid)), &sev,
			 &t->timer) != 0) {
		/* EINVAL: the thread is gone. Anything else: out of timers,
		 * fall back to the process-wide timer. */
		if (errno != EINVAL && errno != ESRCH)
			timer_start_itimer();
		return;
	}
	timer_spec(&its.it_interval, timers_period_ns);
	timer_spec(&its.it_value, timer_first_expiry());
	if (timer_settime(t->timer, 0, &its, NULL) != 0) {
		timer_delete(t->timer);
		return;
	}
	t->has_timer = true;
}

void cprof__cpu_timer_disarm_locked(struct cprof__thread *t)
{
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

int cprof__cpu_timers_start(int signo, int hz)
{
	if (hz <= 0)
		return CPROF_EINVAL;
	timers_signo = signo;
	timers_period_ns = 1000000000 / hz;
	if (timers_period_ns < 1)
		timers_period_ns = 1;
	timers_rand_state = (uint64_t)cprof__now_ns() | 1;
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

bool cprof__cpu_itimer_on_as(void)
{
	return atomic_load_explicit(&timers_itimer, memory_order_relaxed);
}

int cprof__cpu_timer_oneshot(pid_t tid, int signo, int cookie, timer_t *out)
{
	struct sigevent sev;
	struct itimerspec its;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = signo;
	sev.sigev_value.sival_int = cookie;
	sev.sigev_notify_thread_id = tid;
	if (timer_create(timer_thread_clock(tid), &sev, out) != 0)
		return errno == EINVAL || errno == ESRCH ? CPROF_ESTATE
							 : CPROF_ENOMEM;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 1; /* the thread's next nanosecond of CPU */
	if (timer_settime(*out, 0, &its, NULL) != 0) {
		timer_delete(*out);
		return CPROF_ESTATE;
	}
	return 0;
}
