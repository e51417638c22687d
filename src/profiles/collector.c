/*
 * collector.c - the cprof-collector thread (see collector.h).
 *
 * Every CPROF_COLLECT_INTERVAL_MS it drains the capture ring, handing each
 * record to its profile kind; every CPROF_THREAD_SCAN_INTERVAL_MS it looks
 * for threads it has not seen (born without our pthread_create hook) and
 * releases the slots of threads that are gone. It sleeps on a condition
 * variable so that cprof__collector_stop returns promptly.
 */
#include "profiles/collector.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "capture/ring.h"
#include "capture/threads.h"
#include "cprof.h"
#include "profiles/cpu.h"
#include "profiles/cpu_aggregate.h"

static pthread_mutex_t collector_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t collector_wake_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t collector_wake;
static bool collector_running;  /* collector_wake_mutex */
static bool collector_stopping; /* collector_wake_mutex */
static pthread_t collector_thread;

void cprof__collector_lock(void) { pthread_mutex_lock(&collector_mutex); }

void cprof__collector_unlock(void)
{
	pthread_mutex_unlock(&collector_mutex);
}

void cprof__collector_drain_locked(void)
{
	const struct cprof__record *rec;

	while ((rec = cprof__ring_peek(&cprof__capture_ring)) != NULL) {
		switch (rec->kind) {
		case CPROF_RECORD_CPU:
			cprof__cpu_aggregate_add_locked(rec);
			break;
		default:
			break;
		}
		cprof__ring_release(&cprof__capture_ring);
	}
}

/* Sleeps until the deadline or a stop request; false when stopping. */
static bool collector_sleep(int64_t ms)
{
	struct timespec until;
	bool go_on;
	int64_t ns = cprof__now_ns() + ms * 1000000;

	until.tv_sec = ns / 1000000000;
	until.tv_nsec = ns % 1000000000;
	pthread_mutex_lock(&collector_wake_mutex);
	while (!collector_stopping &&
	       pthread_cond_timedwait(&collector_wake, &collector_wake_mutex,
				      &until) == 0)
		;
	go_on = !collector_stopping;
	pthread_mutex_unlock(&collector_wake_mutex);
	return go_on;
}

static void *collector_main(void *arg)
{
	int64_t next_scan = 0;

	prctl(PR_SET_NAME, "cprof-collector", 0, 0, 0);
	while (collector_sleep(CPROF_COLLECT_INTERVAL_MS)) {
		cprof__collector_lock();
		cprof__collector_drain_locked();
		cprof__collector_unlock();
		cprof__cpu_check_signal();
		if (cprof__now_ns() >= next_scan) {
			cprof__threads_scan();
			cprof__threads_reap();
			next_scan = cprof__now_ns() +
				    CPROF_THREAD_SCAN_INTERVAL_MS * 1000000ll;
		}
	}
	return NULL;
}

int cprof__collector_start(void)
{
	pthread_condattr_t attr;
	int rc;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&collector_wake, &attr);
	pthread_condattr_destroy(&attr);
	collector_stopping = false;
	cprof__thread_internal_begin();
	rc = pthread_create(&collector_thread, NULL, collector_main, NULL);
	cprof__thread_internal_end();
	if (rc != 0) {
		cprof__warn("cannot start the collector thread; profiling is "
			    "off");
		return CPROF_ENOMEM;
	}
	collector_running = true;
	return 0;
}

void cprof__collector_stop(void)
{
	if (!collector_running)
		return;
	pthread_mutex_lock(&collector_wake_mutex);
	collector_stopping = true;
	pthread_cond_signal(&collector_wake);
	pthread_mutex_unlock(&collector_wake_mutex);
	pthread_join(collector_thread, NULL);
	collector_running = false;
}

void cprof__collector_atfork_prepare(void) { cprof__collector_lock(); }

void cprof__collector_atfork_parent(void) { cprof__collector_unlock(); }

void cprof__collector_atfork_child(void)
{
	pthread_mutex_init(&collector_mutex, NULL);
	pthread_mutex_init(&collector_wake_mutex, NULL);
	collector_running = false;
	cprof__ring_reset(&cprof__capture_ring);
}
