/*
 * collector.c - the cprof-collector thread (see collector.h).
 *
 * Every CPROF_COLLECT_INTERVAL_MS it drains the capture ring, handing each
 * record to its profile kind; every CPROF_THREAD_SCAN_INTERVAL_MS it looks
 * for threads it has not seen (born without our pthread_create hook) and
 * releases the slots of threads that are gone. It sleeps on the ring's
 * semaphore, so a burst of samples (the ring half full) or a stop request
 * wakes it at once.
 */
#include "profiles/collector.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/reentry.h"
#include "capture/cfi_registry.h"
#include "capture/cpu_timer.h"
#include "capture/crumb.h"
#include "capture/ring.h"
#include "capture/threads.h"
#include "cprof.h"
#include "profiles/contention.h"
#include "profiles/cpu.h"
#include "profiles/heap_aggregate.h"
#include "profiles/threadcreate.h"
#include "trace/trace.h"

static pthread_mutex_t collector_mutex = PTHREAD_MUTEX_INITIALIZER;
static bool collector_running;          /* start/stop only */
static _Atomic bool collector_stopping; /* set by stop, read by the thread */
static pthread_t collector_thread;

void cprof__collector_lock(void) { pthread_mutex_lock(&collector_mutex); }

void cprof__collector_unlock(void)
{
	pthread_mutex_unlock(&collector_mutex);
}

size_t cprof__collector_drain_locked(void)
{
	const struct cprof__record *rec;
	size_t n = 0;

	while ((rec = cprof__ring_peek(&cprof__capture_ring)) != NULL) {
		if ((rec->kind == CPROF_RECORD_CPU ||
		     rec->kind == CPROF_RECORD_ALLOC) &&
		    cprof__trace_on())
			cprof__trace_record_locked(rec);
		switch (rec->kind) {
		case CPROF_RECORD_CPU:
			cprof__cpu_add_locked(rec);
			break;
		case CPROF_RECORD_ALLOC:
			cprof__heap_aggregate_alloc_locked(rec);
			break;
		case CPROF_RECORD_FREE:
			cprof__heap_aggregate_free_locked(rec);
			break;
		case CPROF_RECORD_THREAD_CREATE:
			cprof__threadcreate_add_locked(rec);
			break;
		case CPROF_RECORD_MUTEX:
		case CPROF_RECORD_BLOCK:
			cprof__contention_add_locked(rec);
			break;
		default:
			break;
		}
		cprof__ring_release(&cprof__capture_ring);
		n++;
	}
	return n;
}

/* The ring's helper: a hook that found the ring full drains it on its own
 * thread (see sampler_claim for why waiting for the lock is safe). True if
 * it made room. */
static bool collector_help(bool wait)
{
	size_t n;

	/* Raised first: the lock is cprof's, not the host's contention. */
	cprof__reentry_enter();
	if (wait) {
		pthread_mutex_lock(&collector_mutex);
	} else if (pthread_mutex_trylock(&collector_mutex) != 0) {
		cprof__reentry_leave();
		return false;
	}
	n = cprof__collector_drain_locked();
	pthread_mutex_unlock(&collector_mutex);
	cprof__reentry_leave();
	return n > 0;
}

/* Sleeps for the interval, or until a producer finds the ring half full,
 * or a stop request; false when stopping. */
static bool collector_sleep(int ms)
{
	cprof__ring_wait(&cprof__capture_ring, ms);
	return !atomic_load(&collector_stopping);
}

static void *collector_main(void *arg)
{
	int64_t next_scan = 0;

	while (collector_sleep(CPROF_COLLECT_INTERVAL_MS)) {
		cprof__collector_lock();
		cprof__collector_drain_locked();
		cprof__collector_unlock();
		cprof__trace_collect();
		cprof__cpu_check_signal();
		cprof__crumbs_tick();
		if (cprof__now_ns() >= next_scan) {
			cprof__threads_scan();
			cprof__threads_reap();
			cprof__cpu_timers_age();
			cprof__cfi_refresh(); /* libraries loaded behind dlopen's back */
			next_scan = cprof__now_ns() +
				    CPROF_THREAD_SCAN_INTERVAL_MS * 1000000ll;
		}
	}
	return NULL;
}

int cprof__collector_start(void)
{
	int rc;

	atomic_store(&collector_stopping, false);
	cprof__capture_ring.help = collector_help;
	cprof__thread_internal_begin("cprof-collector");
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
	cprof__capture_ring.help = NULL;
	atomic_store(&collector_stopping, true);
	cprof__ring_wake(&cprof__capture_ring);
	pthread_join(collector_thread, NULL);
	collector_running = false;
}

void cprof__collector_atfork_prepare(void) { cprof__collector_lock(); }

void cprof__collector_atfork_parent(void) { cprof__collector_unlock(); }

void cprof__collector_atfork_child(void)
{
	pthread_mutex_init(&collector_mutex, NULL);
	collector_running = false;
	cprof__capture_ring.help = NULL;
	cprof__ring_reset(&cprof__capture_ring);
}
