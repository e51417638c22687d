/*
 * cpu.c - the CPU profile session (see cpu.h).
 *
 * Begin: clear the aggregate, enable the handler, arm the timers. End: stop
 * the timers, disable the handler, drain what is pending, copy the buckets
 * out under the collector lock, then build the profile without it (the
 * symbolizer may take a while and must not stall the collector).
 *
 * Lock order: cpu_lock, then the collector lock, then the registry lock.
 */
#include "profiles/cpu.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/log.h"
#include "capture/cpu_signal.h"
#include "capture/cpu_timer.h"
#include "capture/labels.h"
#include "capture/ring.h"
#include "capture/unwind_select.h"
#include "cprof.h"
#include "profiles/collector.h"
#include "profiles/stack_counts.h"
#include "profiles/stacktab.h"
#include "profiles/stackset.h"

#define CPU_LOST_FRAME "[cprof] lost samples"

struct cpu_session {
	bool running;
	int hz;
	int64_t start_wall_ns;
	int64_t start_mono_ns;
	uint64_t ring_dropped_at_start; /* ring drops belong to a session */
};

static pthread_mutex_t cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cpu_session cpu_session; /* cpu_lock */
/* The session's samples: value 0 is timer periods. Collector lock. */
static struct cprof__stack_counts cpu_counts;
static int cpu_signo;                  /* 0: CPU profiling is off */
/* Trace holds of the sampling (cpu_lock); timers run while a session
 * runs or this is non-zero. */
static int cpu_trace_holds;
/* The rate the timers run at, 0 when they are off (cpu_lock). */
static int cpu_timers_hz;
/* A session aggregates samples (set under cpu_lock, read by the collector
 * without it). */
static _Atomic bool cpu_collecting;

int cprof__cpu_init(int signo)
{
	int rc = cprof__cpu_signal_install(signo);

	cpu_signo = rc == 0 ? signo : 0;
	return rc;
}

void cprof__cpu_fini(void)
{
	int error;
	struct cprof__profile *p = NULL;

	if (cprof__cpu_running())
		p = cprof__cpu_end(&error);
	cprof__profile_free(p);
}

bool cprof__cpu_running(void)
{
	bool running;

	pthread_mutex_lock(&cpu_lock);
	running = cpu_session.running;
	pthread_mutex_unlock(&cpu_lock);
	return running;
}

static void cpu_turn_off_locked(void)
{
	cprof__cpu_timers_stop();
	cprof__cpu_signal_enable(false);
	cpu_timers_hz = 0;
	cprof__warn("the program installed its own handler for signal %d; "
		    "CPU profiling is off from now on (set CPROF_SIGNAL to a "
		    "free signal)", cpu_signo);
	cpu_signo = 0;
}

void cprof__cpu_add_locked(const struct cprof__record *rec)
{
	if (!atomic_load_explicit(&cpu_collecting, memory_order_relaxed))
		return;
	cprof__stack_counts_add_locked(&cpu_counts, rec);
}

void cprof__cpu_check_signal(void)
{
	pthread_mutex_lock(&cpu_lock);
	if (cpu_signo != 0 && !cprof__cpu_signal_still_ours())
		cpu_turn_off_locked();
	pthread_mutex_unlock(&cpu_lock);
}

void cprof__cpu_yield_signal(void)
{
	pthread_mutex_lock(&cpu_lock);
	if (cpu_signo != 0)
		cpu_turn_off_locked();
	pthread_mutex_unlock(&cpu_lock);
}

/* Timers at hz for every thread; restarted if they run at another rate. */
static int cpu_timers_on_locked(int hz)
{
	int rc;

	if (cpu_timers_hz == hz)
		return 0;
	if (cpu_timers_hz != 0)
		cprof__cpu_timers_stop();
	cprof__cpu_signal_enable(true);
	rc = cprof__cpu_timers_start(cpu_signo, hz);
	if (rc != 0) {
		cprof__cpu_signal_enable(false);
		cpu_timers_hz = 0;
		return rc;
	}
	cpu_timers_hz = hz;
	return 0;
}

static void cpu_timers_off_locked(void)
{
	cprof__cpu_timers_stop();
	cprof__cpu_signal_enable(false);
	cpu_timers_hz = 0;
}

int cprof__cpu_sampling_hold(int hz)
{
	int rc = 0;

	pthread_mutex_lock(&cpu_lock);
	if (cpu_signo == 0 || !cprof__cpu_signal_still_ours())
		rc = CPROF_ENOTSUP;
	else if (!cpu_session.running)
		rc = cpu_timers_on_locked(hz);
	cpu_trace_holds++; /* released whatever happened */
	pthread_mutex_unlock(&cpu_lock);
	return rc;
}

void cprof__cpu_sampling_release(void)
{
	pthread_mutex_lock(&cpu_lock);
	if (cpu_trace_holds > 0 && --cpu_trace_holds == 0 &&
	    !cpu_session.running && cpu_timers_hz != 0)
		cpu_timers_off_locked();
	pthread_mutex_unlock(&cpu_lock);
}

int cprof__cpu_begin(int hz)
{
	int rc = 0;

	pthread_mutex_lock(&cpu_lock);
	if (cpu_session.running) {
		rc = CPROF_EBUSY;
		goto out;
	}
	if (cpu_signo == 0 || !cprof__cpu_signal_still_ours()) {
		rc = CPROF_ENOTSUP;
		goto out;
	}
	cprof__collector_lock();
	cprof__collector_drain_locked();
	cprof__stack_counts_clear_locked(&cpu_counts);
	cprof__collector_unlock();
	cpu_session.hz = hz;
	cpu_session.start_wall_ns = cprof__wall_ns();
	cpu_session.start_mono_ns = cprof__now_ns();
	cpu_session.ring_dropped_at_start =
		atomic_load(&cprof__capture_ring.dropped_weight);
	rc = cpu_timers_on_locked(hz);
	if (rc != 0)
		goto out;
	atomic_store(&cpu_collecting, true);
	cpu_session.running = true;
	cprof__debug("CPU profile started at %d Hz", hz);
out:
	pthread_mutex_unlock(&cpu_lock);
	return rc;
}

/* What a finished session hands to the builder, copied out of the
 * aggregate under the collector lock. */
struct cpu_result {
	struct cprof__stackset *stacks;
	int64_t *periods; /* per stack of the set */
	const void **labels; /* per stack of the set: its label set */
	size_t n;
	int64_t lost;     /* periods lost to a full ring or table */
};

static int cpu_collect_locked(struct cpu_result *r, uint64_t dropped_before)
{
	size_t n = cpu_counts.len;
	const struct cprof__stack_bucket *b = cpu_counts.buckets;

	r->stacks = cprof__stackset_new();
	r->periods = cprof__calloc(n ? n : 1, sizeof(int64_t));
	r->labels = cprof__calloc(n ? n : 1, sizeof(*r->labels));
	if (r->stacks == NULL || r->periods == NULL || r->labels == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int depth;
		const uintptr_t *pcs =
			cprof__stacktab_get_locked(b[i].stack_id, &depth);

		if (cprof__stackset_add(r->stacks, pcs, depth, false) < 0)
			return CPROF_ENOMEM;
		r->labels[r->n] = b[i].labels;
		r->periods[r->n++] = b[i].v[0];
	}
	r->lost = cpu_counts.lost[0] +
		  (int64_t)(atomic_load(&cprof__capture_ring.dropped_weight) -
			    dropped_before);
	return 0;
}

static int cpu_add_samples(struct cprof__profile *p,
			   const struct cpu_result *r, int64_t period)
{
	struct cprof__label labels[CPROF_LABELS_MAX_DEPTH + 1];

	for (size_t i = 0; i < r->n; i++) {
		size_t nlocs, nlabels;
		const uint64_t *locs =
			cprof__stackset_locations(r->stacks, (long)i, &nlocs);
		int64_t v[2] = {r->periods[i], r->periods[i] * period};

		nlabels = cprof__profile_labels(p, r->labels[i], labels);
		if (cprof__profile_add_sample(p, locs, nlocs, v, 2, labels,
					      nlabels))
			return CPROF_ENOMEM;
	}
	if (r->lost > 0) {
		uint64_t loc = cprof__profile_pseudo_location(p, CPU_LOST_FRAME);
		int64_t v[2] = {r->lost, r->lost * period};

		if (loc == 0 || cprof__profile_add_sample(p, &loc, 1, v, 2,
							  NULL, 0))
			return CPROF_ENOMEM;
	}
	return 0;
}

static struct cprof__profile *cpu_build(const struct cpu_session *s,
					struct cpu_result *r, int64_t end_ns,
					int *error)
{
	struct cprof__profile *p = cprof__profile_new();
	int64_t period = 1000000000 / s->hz;

	if (p == NULL) {
		*error = CPROF_ENOMEM;
		return NULL;
	}
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	cprof__profile_set_period(p, "cpu", "nanoseconds", period);
	p->time_nanos = s->start_wall_ns;
	p->duration_nanos = end_ns - s->start_mono_ns;
	cprof__profile_add_comment(
		p, atomic_load(&cprof__unwinder_in_use) == CPROF_UNWINDER_CFI
			   ? "cprof unwinder: cfi"
			   : "cprof unwinder: fp");
	*error = cprof__stackset_resolve(r->stacks, p);
	if (*error == 0)
		*error = cpu_add_samples(p, r, period);
	if (*error == 0)
		*error = cprof__profile_error(p);
	if (*error != 0) {
		cprof__profile_free(p);
		return NULL;
	}
	return p;
}

struct cprof__profile *cprof__cpu_end(int *error)
{
	struct cpu_session s;
	struct cpu_result r;
	struct cprof__profile *p = NULL;
	int64_t end_ns;

	memset(&r, 0, sizeof(r));
	pthread_mutex_lock(&cpu_lock);
	if (!cpu_session.running) {
		pthread_mutex_unlock(&cpu_lock);
		*error = CPROF_ESTATE;
		return NULL;
	}
	if (cpu_trace_holds == 0)
		cpu_timers_off_locked();
	end_ns = cprof__now_ns();
	s = cpu_session;
	cprof__collector_lock();
	cprof__collector_drain_locked();
	*error = cpu_collect_locked(&r, s.ring_dropped_at_start);
	atomic_store(&cpu_collecting, false);
	cprof__stack_counts_clear_locked(&cpu_counts);
	cprof__collector_unlock();
	cpu_session.running = false;
	pthread_mutex_unlock(&cpu_lock);
	if (*error == 0)
		p = cpu_build(&s, &r, end_ns, error);
	cprof__stackset_free(r.stacks);
	cprof__free(r.periods);
	cprof__free(r.labels);
	cprof__debug("CPU profile ended");
	return p;
}

void cprof__cpu_atfork_prepare(void) { pthread_mutex_lock(&cpu_lock); }

void cprof__cpu_atfork_parent(void) { pthread_mutex_unlock(&cpu_lock); }

void cprof__cpu_atfork_child(void)
{
	pthread_mutex_init(&cpu_lock, NULL);
	cprof__cpu_timers_atfork_child();
	cprof__cpu_signal_enable(false);
	memset(&cpu_session, 0, sizeof(cpu_session));
	cpu_trace_holds = 0;
	cpu_timers_hz = 0;
	atomic_store(&cpu_collecting, false);
}
