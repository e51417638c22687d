/*
 * trace.c - trace sessions: starting and stopping the consumers, moving
 * events from the threads' rings and from the capture ring into their
 * stores, and dumping a store as JSON (see trace.h).
 *
 * The trace lock protects the consumers and their stores. Lock order: the
 * collector lock, then the trace lock, then the rings' list lock (tbuf.c).
 * A dump copies its window out under the trace lock, then symbolizes and
 * writes without it.
 *
 * CPU samples reach the trace from the collector as it drains the capture
 * ring (cprof__trace_record_locked), not from the signal handler: the
 * handler already records the time, thread and stack, and writing the
 * thread's trace ring from a handler would race with the thread itself
 * writing it. A trace keeps the CPU timers armed for its duration.
 */
#include "trace/trace.h"

#include <pthread.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "capture/alloc_sampler.h"
#include "cprof.h"
#include "pprof/pprof.h"
#include "profiles/collector.h"
#include "profiles/cpu.h"
#include "profiles/stacktab.h"
#include "trace/json.h"
#include "trace/store.h"
#include "trace/tbuf.h"
#include "trace/tclock.h"

_Atomic int cprof__trace_active;

enum { TRACE_TIMED = 1, TRACE_FLIGHT = 2 };

struct trace_consumer {
	bool on;
	int64_t start_ns;
	struct cprof__trace_store store;
};

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trace_consumer trace_timed;  /* trace_lock */
static struct trace_consumer trace_flight; /* trace_lock */
static int trace_cpu_hz = 100;             /* set before any trace */

void cprof__trace_configure(uint32_t buffer_bytes, int cpu_hz)
{
	uint32_t slots = 1;

	while (slots * 2 * CPROF_TRACE_SLOT_BYTES <= buffer_bytes)
		slots *= 2;
	if (slots < CPROF_TRACE_MAX_SLOTS) /* room for the largest event */
		slots = 64;
	cprof__trace_tbuf_slots = slots;
	trace_cpu_hz = cpu_hz;
	cprof__trace_clock_init();
}

static void trace_update_active_locked(void)
{
	atomic_store(&cprof__trace_active,
		     (trace_timed.on ? TRACE_TIMED : 0) |
			     (trace_flight.on ? TRACE_FLIGHT : 0));
	cprof__alloc_sampler_timed(trace_timed.on || trace_flight.on);
}

static void trace_store_event(const struct cprof__trace_event *ev, void *arg)
{
	if (trace_timed.on)
		cprof__trace_store_add(&trace_timed.store, ev);
	if (trace_flight.on)
		cprof__trace_store_add(&trace_flight.store, ev);
}

static void trace_collect_locked(void)
{
	cprof__trace_clock_tick();
	cprof__trace_tbuf_drain_locked(trace_store_event, NULL);
	if (trace_flight.on)
		cprof__trace_store_age(&trace_flight.store, cprof__now_ns());
}

void cprof__trace_collect(void)
{
	if (!cprof__trace_on())
		return;
	pthread_mutex_lock(&trace_lock);
	trace_collect_locked();
	pthread_mutex_unlock(&trace_lock);
}

void cprof__trace_record_locked(const struct cprof__record *rec)
{
	struct cprof__trace_event ev;

	if (rec->tid == 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = rec->kind == CPROF_RECORD_CPU ? CPROF_TRACE_CPU
						: CPROF_TRACE_ALLOC;
	ev.nslots = 1;
	ev.len = (rec->flags & CPROF_RECORD_RETURN_ADDRESSES) ? 1 : 0;
	ev.tid = rec->tid;
	ev.ts = rec->time_ns;
	ev.a = cprof__stacktab_intern_locked(rec->pc, rec->depth);
	ev.b = rec->value[0];
	pthread_mutex_lock(&trace_lock);
	trace_store_event(&ev, NULL);
	pthread_mutex_unlock(&trace_lock);
}

/* Pending CPU and allocation records into the stores: they were captured
 * before now and belong to the window that ends now. */
static void trace_drain_capture(void)
{
	cprof__collector_lock();
	cprof__collector_drain_locked();
	cprof__collector_unlock();
}

/* Starts consumer c; trace_lock held. The first consumer empties the rings
 * of what was written before (it belongs to no trace). */
static void trace_start_locked(struct trace_consumer *c, bool ring,
			       int64_t window_ns)
{
	if (!trace_timed.on && !trace_flight.on)
		cprof__trace_tbuf_discard_locked();
	cprof__trace_store_init(&c->store, ring, window_ns,
				CPROF_TRACE_STORE_MAX_BYTES);
	c->start_ns = cprof__now_ns();
	c->on = true;
	trace_update_active_locked();
}

int cprof__trace_begin(void)
{
	cprof__trace_clock_start();
	pthread_mutex_lock(&trace_lock);
	if (trace_timed.on) {
		pthread_mutex_unlock(&trace_lock);
		return CPROF_EBUSY;
	}
	trace_start_locked(&trace_timed, false, 0);
	pthread_mutex_unlock(&trace_lock);
	/* Without CPU sampling the trace still has every other event. */
	if (cprof__cpu_sampling_hold(trace_cpu_hz) != 0)
		cprof__debug("the trace has no CPU samples");
	return 0;
}

static int trace_write(const struct cprof__trace_snapshot *snap,
		       const struct cprof__trace_meta *meta,
		       struct cprof__buf *out, bool gz)
{
	struct cprof__buf json = CPROF_BUF_INIT;
	int rc;

	if (!gz)
		return cprof__trace_json_write(snap, meta, out);
	rc = cprof__trace_json_write(snap, meta, &json);
	if (rc == 0)
		rc = cprof__gzip(json.data, json.len, 6, out);
	cprof__buf_fini(&json);
	return rc;
}

int cprof__trace_end(struct cprof__buf *out, bool gz)
{
	struct cprof__trace_snapshot snap = {0};
	struct cprof__trace_store store;
	struct cprof__trace_meta meta = {0};
	int rc;

	pthread_mutex_lock(&trace_lock);
	if (!trace_timed.on) {
		pthread_mutex_unlock(&trace_lock);
		return CPROF_ESTATE;
	}
	pthread_mutex_unlock(&trace_lock);
	cprof__cpu_sampling_release();
	trace_drain_capture();
	pthread_mutex_lock(&trace_lock);
	trace_collect_locked();
	meta.start_ns = trace_timed.start_ns;
	meta.end_ns = cprof__now_ns();
	store = trace_timed.store;
	trace_timed.on = false;
	trace_update_active_locked();
	pthread_mutex_unlock(&trace_lock);

	meta.cpu_period_ns = 1000000000ll / trace_cpu_hz;
	meta.dropped = store.dropped;
	meta.mode = "trace";
	cprof__trace_snapshot_add(&snap, &store, meta.start_ns, meta.end_ns);
	cprof__trace_store_fini(&store);
	rc = snap.error ? snap.error : trace_write(&snap, &meta, out, gz);
	cprof__trace_snapshot_fini(&snap);
	return rc;
}

int cprof__trace_flight_start(int seconds)
{
	cprof__trace_clock_start();
	pthread_mutex_lock(&trace_lock);
	if (trace_flight.on) {
		pthread_mutex_unlock(&trace_lock);
		return CPROF_EBUSY;
	}
	trace_start_locked(&trace_flight, true, seconds * 1000000000ll);
	pthread_mutex_unlock(&trace_lock);
	if (cprof__cpu_sampling_hold(trace_cpu_hz) != 0)
		cprof__debug("the flight recorder has no CPU samples");
	return 0;
}

int cprof__trace_flight_dump(struct cprof__buf *out, bool gz)
{
	struct cprof__trace_snapshot snap = {0};
	struct cprof__trace_meta meta = {0};
	int rc;

	pthread_mutex_lock(&trace_lock);
	rc = trace_flight.on ? 0 : CPROF_ESTATE;
	pthread_mutex_unlock(&trace_lock);
	if (rc != 0)
		return rc;
	trace_drain_capture();
	pthread_mutex_lock(&trace_lock);
	trace_collect_locked();
	meta.end_ns = cprof__now_ns();
	meta.start_ns = meta.end_ns - trace_flight.store.window_ns;
	if (meta.start_ns < trace_flight.start_ns)
		meta.start_ns = trace_flight.start_ns;
	meta.dropped = trace_flight.store.dropped;
	cprof__trace_snapshot_add(&snap, &trace_flight.store, meta.start_ns,
				  meta.end_ns);
	pthread_mutex_unlock(&trace_lock);
	meta.cpu_period_ns = 1000000000ll / trace_cpu_hz;
	meta.mode = "flight recorder";
	rc = snap.error ? snap.error : trace_write(&snap, &meta, out, gz);
	cprof__trace_snapshot_fini(&snap);
	return rc;
}

void cprof__trace_stop_all(void)
{
	int holds = 0;

	pthread_mutex_lock(&trace_lock);
	if (trace_flight.on) {
		trace_flight.on = false;
		cprof__trace_store_fini(&trace_flight.store);
		holds++;
	}
	if (trace_timed.on) { /* its owner ended it already, or never will */
		trace_timed.on = false;
		cprof__trace_store_fini(&trace_timed.store);
		holds++;
	}
	trace_update_active_locked();
	pthread_mutex_unlock(&trace_lock);
	while (holds-- > 0)
		cprof__cpu_sampling_release();
}

void cprof__trace_atfork_prepare(void) { pthread_mutex_lock(&trace_lock); }

void cprof__trace_atfork_parent(void) { pthread_mutex_unlock(&trace_lock); }

void cprof__trace_atfork_child(void)
{
	pthread_mutex_init(&trace_lock, NULL);
	/* The stores are the parent's: forgotten, not freed (they may be
	 * large, and freeing costs the child time it did not ask for). */
	memset(&trace_timed, 0, sizeof(trace_timed));
	memset(&trace_flight, 0, sizeof(trace_flight));
	atomic_store(&cprof__trace_active, 0);
	cprof__alloc_sampler_timed(false);
	cprof__trace_tbuf_atfork_child();
}
