/*
 * wall_linux.c - the wall-clock profile session (see wall.h): the sampler
 * thread, what one tick does with each host thread, the tick counts by
 * (stack, labels), and the profile built from them.
 *
 * A tick looks at each host thread in turn (cprof__threads_each):
 *  - where it is blocked, as a fingerprint: its breadcrumb's sequence
 *    number when it is inside a wrapped call (a few loads), else its
 *    /proc/self/task/TID/syscall line (one open, read, close), or "not
 *    blocked". The same fingerprint as on the previous tick means the same
 *    blocking episode, so the same stack: the tick is counted on the cached
 *    entry without walking anything (an idle thread costs a few loads);
 *  - a new episode: its stack is walked once (thread_dump.h's
 *    cprof__thread_dump_blocked: the crumb's registers or /proc's, over a
 *    copy of its stack) and the entry cached;
 *  - not blocked: a one-shot timer on the thread's own CPU clock
 *    (thread_sample.h) takes its stack when it next runs; the next tick
 *    collects it, so the timer has a whole period to fire and the sampler
 *    never waits. A thread that was not scheduled (or blocked) before then
 *    counts that tick on CPROF_WALL_NO_SAMPLE_FRAME.
 * No thread is ever sent a signal while it may be blocked (the CPU-clock
 * timer only fires while its thread runs), so no call returns EINTR and no
 * sleep is cut short because of the profile. cprof's own threads are not
 * host threads and are not sampled.
 *
 * The profile is built by the thread that ends the session, after the
 * sampler has stopped: the counts need no lock of their own. wall_lock
 * serialises begin and end.
 */
#include "profiles/wall.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/log.h"
#include "capture/crumb.h"
#include "capture/labels.h"
#include "capture/thread_sample.h"
#include "capture/threads.h"
#include "capture/unwind_select.h"
#include "cprof.h"
#include "profiles/stackset.h"
#include "profiles/thread_dump.h"

/* Ticks between two listings of the host's threads (the registry's walk
 * of every slot costs more than a tick of 200 idle threads); in between,
 * the threads listed last are looked at, so a new thread joins the
 * profile within this many ticks. */
#define WALL_LIST_EVERY 10
/* The sampler sleeps in slices of at most this, to stop quickly. */
#define WALL_SLEEP_SLICE_NS 50000000LL

/* Ticks counted on one (stack, labels). depth 0: the no-sample frame. */
struct wall_entry {
	uint64_t hash;
	const void *labels;
	bool leaf_is_return;
	int depth;
	int64_t ticks;
	uintptr_t pcs[CPROF_MAX_FRAMES];
};

/* What the previous tick found for one thread slot. */
struct wall_thread {
	const struct cprof__thread *t; /* NULL: free */
	pid_t tid;
	uint64_t where;     /* fingerprint; 0: not blocked */
	const void *labels;
	long entry;         /* cached entry of the episode, or -1 */
	long run_entry;     /* its last on-CPU sample since it last blocked,
			     * or -1 */
};

struct wall_ref {
	struct cprof__thread *t;
	pid_t tid;
};

/* Everything a session owns; the sampler thread only, until it stops. */
struct wall_state {
	struct wall_entry *entries;
	size_t n, cap;
	uint32_t *index;    /* entry + 1 by hash, open addressing; 0: free */
	size_t index_cap;   /* a power of two, at least 2 * cap */
	struct wall_thread *threads; /* by slot address, open addressing */
	struct wall_ref *refs;
	size_t nrefs;
	unsigned char *scratch; /* CPROF_THREAD_DUMP_STACK_BYTES */
	struct wall_pending *pend; /* CPROF_MAX_THREADS; NULL: out of memory */
	size_t npend;
	struct cprof__thread_dump_entry e;
	int64_t ticks, ticks_late;
	bool oom;
};

#define WALL_THREAD_SLOTS (2 * CPROF_MAX_THREADS)

static pthread_mutex_t wall_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int wall_hz = 100;
static struct {
	bool running;
	int hz;
	pthread_t thread;
	atomic_bool stop;
	int64_t start_wall_ns;
	int64_t start_mono_ns;
	struct wall_state *st;
} wall; /* wall_lock */

void cprof__wall_configure(int hz)
{
	atomic_store(&wall_hz, hz > 0 ? hz : 100);
}

/* ---- the counts ---- */

static uint64_t wall_hash(const uintptr_t *pcs, int depth, const void *labels,
			  bool leaf_is_return)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uintptr_t)labels ^
		     (uint64_t)leaf_is_return;

	for (int i = 0; i < depth; i++)
		h = (h ^ pcs[i]) * 0x100000001b3ull;
	return h ^ (uint64_t)depth << 56;
}

static bool wall_grow(struct wall_state *s)
{
	size_t cap = s->cap ? 2 * s->cap : 256, icap = 2 * cap;
	struct wall_entry *e = cprof__calloc(cap, sizeof(*e));
	uint32_t *ix = cprof__calloc(icap, sizeof(*ix));

	if (e == NULL || ix == NULL) {
		cprof__free(e);
		cprof__free(ix);
		return false;
	}
	if (s->n > 0)
		memcpy(e, s->entries, s->n * sizeof(*e));
	for (size_t i = 0; i < s->n; i++) {
		size_t k = e[i].hash & (icap - 1);

		while (ix[k] != 0)
			k = (k + 1) & (icap - 1);
		ix[k] = (uint32_t)(i + 1);
	}
	cprof__free(s->entries);
	cprof__free(s->index);
	s->entries = e;
	s->index = ix;
	s->cap = cap;
	s->index_cap = icap;
	return true;
}

/* The entry of (pcs, labels), added if new; -1 when out of memory. */
static long wall_entry_of(struct wall_state *s, const uintptr_t *pcs,
			  int depth, const void *labels, bool leaf_is_return)
{
	uint64_t h = wall_hash(pcs, depth, labels, leaf_is_return);
	struct wall_entry *e;
	size_t k;

	if (s->n == s->cap && !wall_grow(s)) {
		s->oom = true;
		return -1;
	}
	for (k = h & (s->index_cap - 1); s->index[k] != 0;
	     k = (k + 1) & (s->index_cap - 1)) {
		e = &s->entries[s->index[k] - 1];
		if (e->hash == h && e->depth == depth && e->labels == labels &&
		    e->leaf_is_return == leaf_is_return &&
		    memcmp(e->pcs, pcs, (size_t)depth * sizeof(*pcs)) == 0)
			return (long)(s->index[k] - 1);
	}
	e = &s->entries[s->n];
	e->hash = h;
	e->labels = labels;
	e->leaf_is_return = leaf_is_return;
	e->depth = depth;
	e->ticks = 0;
	memcpy(e->pcs, pcs, (size_t)depth * sizeof(*pcs));
	s->index[k] = (uint32_t)(s->n + 1);
	return (long)s->n++;
}

/* ---- one tick ---- */

static struct wall_thread *wall_thread_of(struct wall_state *s,
					  const struct cprof__thread *t,
					  pid_t tid)
{
	size_t k = ((uintptr_t)t >> 6) * 0x9e3779b97f4a7c15ull >> 50;
	struct wall_thread *w;

	for (;; k = (k + 1) % WALL_THREAD_SLOTS) {
		w = &s->threads[k % WALL_THREAD_SLOTS];
		if (w->t == t || w->t == NULL)
			break;
	}
	if (w->t == NULL || w->tid != tid) {
		w->t = t;
		w->tid = tid;
		w->where = 0;
		w->entry = -1;
		w->run_entry = -1;
	}
	return w;
}

static uint64_t wall_hash_text(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h;
}

/*
 * Where t is blocked: its crumb's sequence (bit 63 set) or the hash of its
 * /proc syscall line (bit 62 set; the line holds the syscall, its
 * arguments, sp and pc, so another episode in the same call and place
 * shows the same stack anyway), or 0 when it is not blocked.
 */
static uint64_t wall_where(struct cprof__thread *t, pid_t tid)
{
	struct cprof__crumb_view v;
	char path[64], line[256];
	ssize_t n;
	int fd;

	if (cprof__crumb_read(t, &v))
		return 1ull << 63 | v.seq;
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line));
	close(fd);
	if (n <= 0 || strncmp(line, "running", 7) == 0)
		return 0;
	return 1ull << 62 | (wall_hash_text(line, (size_t)n) >> 2);
}

/* Counts one tick of a blocked thread; false when it is not blocked. */
static bool wall_tick_blocked(struct wall_state *s, struct wall_ref *r,
			      struct wall_thread *w, const void *labels)
{
	uint64_t where = wall_where(r->t, r->tid);

	if (where == 0) {
		w->where = 0;
		return false;
	}
	if (where != w->where || labels != w->labels || w->entry < 0) {
		if (!cprof__thread_dump_blocked(r->t, r->tid, s->scratch,
						&s->e)) {
			w->where = 0;
			return false;
		}
		w->where = where;
		w->labels = labels;
		w->run_entry = -1;
		w->entry = wall_entry_of(s, s->e.pcs, s->e.depth, labels,
					 s->e.leaf_is_return);
	}
	if (w->entry >= 0)
		s->entries[w->entry].ticks++;
	return true;
}

static void wall_collect_each(struct cprof__thread *t, void *arg)
{
	struct wall_state *s = arg;

	if (s->nrefs < CPROF_MAX_THREADS) {
		s->refs[s->nrefs].t = t;
		s->refs[s->nrefs].tid = atomic_load(&t->tid);
		s->nrefs++;
	}
}

/* A running thread's one-shot sample, armed on one tick and collected on
 * the next: the timer has a whole period to fire. */
struct wall_pending {
	struct cprof__thread *t;
	struct wall_thread *w;
	const void *labels;
	bool armed;
	timer_t timer;
	struct cprof__thread_sample req;
};

/*
 * Counts the previous tick's running threads, from their samples. A thread
 * that got no sample was runnable but not scheduled in the whole period
 * (or blocked meanwhile, which the next tick sees): it is charged to its
 * last on-CPU sample if it has not blocked since (a starved CPU-bound
 * thread has not moved), else to the no-sample frame. A request whose
 * handler got stuck is leaked with its array, which the handler may still
 * write.
 */
static void wall_collect_running(struct wall_state *s)
{
	bool stuck = false;

	for (size_t k = 0; k < s->npend; k++) {
		struct wall_pending *p = &s->pend[k];
		int got = p->armed ? cprof__thread_sample_finish(p->t, &p->req,
								 p->timer)
				   : 0;
		int depth = 0;
		long entry;

		if (got < 0)
			stuck = true;
		if (got > 0)
			depth = cprof__unwind_mark_as(p->req.pcs, p->req.depth,
						      CPROF_MAX_FRAMES,
						      !p->req.complete);
		if (got > 0)
			entry = p->w->run_entry = wall_entry_of(
				s, p->req.pcs, depth, p->labels, false);
		else if (p->w->run_entry >= 0 &&
			 s->entries[p->w->run_entry].labels == p->labels)
			entry = p->w->run_entry;
		else
			entry = wall_entry_of(s, NULL, 0, p->labels, false);
		if (entry >= 0)
			s->entries[entry].ticks++;
	}
	s->npend = 0;
	if (stuck) {
		s->pend = cprof__calloc(CPROF_MAX_THREADS, sizeof(*s->pend));
		if (s->pend == NULL)
			s->oom = true;
	}
}

/* One tick: the blocked threads are counted now, the running ones get a
 * one-shot sample counted on the next tick (or at the end). */
static void wall_tick(struct wall_state *s)
{
	wall_collect_running(s);
	if (s->pend == NULL)
		return;
	if (s->ticks % WALL_LIST_EVERY == 0) {
		s->nrefs = 0;
		cprof__threads_each(wall_collect_each, s);
	}
	for (size_t i = 0; i < s->nrefs; i++) {
		struct wall_ref *r = &s->refs[i];
		const void *labels = atomic_load_explicit(
			&r->t->labels, memory_order_acquire);
		struct wall_thread *w;
		struct wall_pending *p;

		if (atomic_load(&r->t->state) != CPROF_THREAD_LIVE ||
		    atomic_load(&r->t->tid) != r->tid)
			continue; /* gone since the list was made */
		w = wall_thread_of(s, r->t, r->tid);
		if (wall_tick_blocked(s, r, w, labels))
			continue;
		w->labels = labels;
		p = &s->pend[s->npend++];
		p->t = r->t;
		p->w = w;
		p->labels = labels;
		memset(&p->req, 0, sizeof(p->req));
		p->armed = cprof__thread_sample_arm(r->t, r->tid, &p->req,
						    &p->timer) == 0;
	}
	s->ticks++;
}

/* ---- the sampler thread ---- */

static void wall_sleep_ns(long ns)
{
	struct timespec ts = {0, ns};

	nanosleep(&ts, NULL);
}

/* Sleeps until the monotonic time `until`, in slices, unless stopped. */
static bool wall_sleep_until(int64_t until)
{
	for (;;) {
		int64_t left = until - cprof__now_ns();

		if (atomic_load(&wall.stop))
			return false;
		if (left <= 0)
			return true;
		wall_sleep_ns((long)(left < WALL_SLEEP_SLICE_NS
					     ? left
					     : WALL_SLEEP_SLICE_NS));
	}
}

static void *wall_main(void *arg)
{
	struct wall_state *s = arg;
	int64_t period = 1000000000LL / wall.hz;
	int64_t next = cprof__now_ns();

	/* Created by an HTTP thread, it would carry that thread's name. */
	cprof__thread_become_internal("cprof-wall");
	while (wall_sleep_until(next)) {
		wall_tick(s);
		next += period;
		/* A late sampler skips the ticks it missed: they are not
		 * counted, so every tick counted stands for one period. */
		while (next < cprof__now_ns()) {
			next += period;
			s->ticks_late++;
		}
	}
	wall_collect_running(s); /* the last tick's */
	return NULL;
}

static void wall_state_free(struct wall_state *s)
{
	if (s == NULL)
		return;
	cprof__free(s->entries);
	cprof__free(s->index);
	cprof__free(s->threads);
	cprof__free(s->refs);
	cprof__free(s->scratch);
	cprof__free(s->pend);
	cprof__free(s);
}

static struct wall_state *wall_state_new(void)
{
	struct wall_state *s = cprof__calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->threads = cprof__calloc(WALL_THREAD_SLOTS, sizeof(*s->threads));
	s->refs = cprof__calloc(CPROF_MAX_THREADS, sizeof(*s->refs));
	s->scratch = cprof__alloc(CPROF_THREAD_DUMP_STACK_BYTES);
	s->pend = cprof__calloc(CPROF_MAX_THREADS, sizeof(*s->pend));
	if (s->threads == NULL || s->refs == NULL || s->scratch == NULL ||
	    s->pend == NULL ||
	    !wall_grow(s)) {
		wall_state_free(s);
		return NULL;
	}
	return s;
}

int cprof__wall_begin(void)
{
	int rc = 0;

	pthread_mutex_lock(&wall_lock);
	if (wall.running) {
		rc = CPROF_EBUSY;
		goto out;
	}
	wall.st = wall_state_new();
	if (wall.st == NULL) {
		rc = CPROF_ENOMEM;
		goto out;
	}
	wall.hz = atomic_load(&wall_hz);
	wall.start_wall_ns = cprof__wall_ns();
	wall.start_mono_ns = cprof__now_ns();
	atomic_store(&wall.stop, false);
	cprof__thread_internal_begin("cprof-wall");
	if (pthread_create(&wall.thread, NULL, wall_main, wall.st) != 0)
		rc = CPROF_ENOMEM;
	cprof__thread_internal_end();
	if (rc != 0) {
		wall_state_free(wall.st);
		wall.st = NULL;
		goto out;
	}
	wall.running = true;
	cprof__debug("wall profile started at %d Hz", wall.hz);
out:
	pthread_mutex_unlock(&wall_lock);
	return rc;
}

/* ---- the profile ---- */

static int wall_add_samples(struct cprof__profile *p,
			    const struct wall_state *s,
			    struct cprof__stackset *set, const long *idx,
			    int64_t period)
{
	struct cprof__label labels[CPROF_LABELS_MAX_DEPTH + 1];
	uint64_t no_sample = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct wall_entry *e = &s->entries[i];
		int64_t v[2] = {e->ticks, e->ticks * period};
		size_t nlocs = 1, nlabels;
		const uint64_t *locs = &no_sample;

		if (e->ticks == 0)
			continue;
		if (e->depth > 0) {
			locs = cprof__stackset_locations(set, idx[i], &nlocs);
		} else if (no_sample == 0) {
			no_sample = cprof__profile_pseudo_location(
				p, CPROF_WALL_NO_SAMPLE_FRAME);
			if (no_sample == 0)
				return CPROF_ENOMEM;
		}
		nlabels = cprof__profile_labels(p, e->labels, labels);
		if (cprof__profile_add_sample(p, locs, nlocs, v, 2, labels,
					      nlabels))
			return CPROF_ENOMEM;
	}
	return 0;
}

static int wall_fill(struct cprof__profile *p, const struct wall_state *s,
		     int64_t period)
{
	struct cprof__stackset *set = cprof__stackset_new();
	long *idx = cprof__calloc(s->n + 1, sizeof(*idx));
	int rc = CPROF_ENOMEM;

	if (set == NULL || idx == NULL)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		const struct wall_entry *e = &s->entries[i];

		idx[i] = -1;
		if (e->depth > 0 && e->ticks > 0 &&
		    (idx[i] = cprof__stackset_add(set, e->pcs, e->depth,
						  e->leaf_is_return)) < 0)
			goto out;
	}
	rc = cprof__stackset_resolve(set, p);
	if (rc == 0)
		rc = wall_add_samples(p, s, set, idx, period);
out:
	cprof__stackset_free(set);
	cprof__free(idx);
	return rc;
}

static struct cprof__profile *wall_build(const struct wall_state *s, int hz,
					 int64_t start_wall_ns,
					 int64_t duration_ns, int *error)
{
	struct cprof__profile *p = cprof__profile_new();
	int64_t period = 1000000000LL / hz;

	if (p == NULL) {
		*error = CPROF_ENOMEM;
		return NULL;
	}
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "wall", "nanoseconds");
	cprof__profile_set_period(p, "wall", "nanoseconds", period);
	p->time_nanos = start_wall_ns;
	p->duration_nanos = duration_ns;
	cprof__profile_add_comment(p, "cprof wall-clock profile: every thread "
				      "sampled whether it runs or waits");
	*error = s->oom ? CPROF_ENOMEM : wall_fill(p, s, period);
	if (*error == 0)
		*error = cprof__profile_error(p);
	if (*error != 0) {
		cprof__profile_free(p);
		return NULL;
	}
	cprof__debug("wall profile: %lld ticks, %lld skipped late",
		     (long long)s->ticks, (long long)s->ticks_late);
	return p;
}

struct cprof__profile *cprof__wall_end(int *error)
{
	struct cprof__profile *p;

	pthread_mutex_lock(&wall_lock);
	if (!wall.running) {
		pthread_mutex_unlock(&wall_lock);
		*error = CPROF_ESTATE;
		return NULL;
	}
	atomic_store(&wall.stop, true);
	pthread_join(wall.thread, NULL);
	p = wall_build(wall.st, wall.hz, wall.start_wall_ns,
		       cprof__now_ns() - wall.start_mono_ns, error);
	wall_state_free(wall.st);
	wall.st = NULL;
	wall.running = false;
	pthread_mutex_unlock(&wall_lock);
	return p;
}

void cprof__wall_fini(void)
{
	int error;

	cprof__profile_free(cprof__wall_end(&error));
}

void cprof__wall_atfork_child(void)
{
	pthread_mutex_init(&wall_lock, NULL);
	wall.running = false;
	wall.st = NULL;
}
