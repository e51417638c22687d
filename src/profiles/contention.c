/*
 * contention.c - the mutex and block profiles (see contention.h).
 *
 * Both have Go's shape: sample types contentions/count and
 * delay/nanoseconds, period type contentions/count, period 1, one sample
 * per (stack, label set). Mutex records are raw (one per sampled event)
 * and scaled here by the sampling fraction, as Go 1.19's writeMutex does;
 * block records arrive unsampled (Go's rule, applied when recording).
 *
 * The text form (?debug=1) is Go's: "--- mutex:" or "--- contention:",
 * "cycles/second=", for mutex "sampling period=", then "<delay> <count> @
 * pcs" and frame lines per stack, largest delay first. Our cycles are
 * nanoseconds (cycles/second=1000000000). Mutex values are printed raw,
 * with the sampling period, which pprof's legacy parser multiplies back in.
 */
#include "profiles/contention.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "capture/contention.h"
#include "capture/labels.h"
#include "cprof.h"
#include "profiles/collector.h"
#include "profiles/legacy_text.h"
#include "profiles/registry.h"
#include "profiles/stack_counts.h"
#include "profiles/stackset.h"
#include "profiles/stacktab.h"

#define CONTENTION_LOST_FRAME "[cprof] lost samples"
#define CONTENTION_CYCLES_PER_SECOND 1000000000

/* Records by (stack, labels). Collector lock. */
static struct cprof__stack_counts contention_mutex;
static struct cprof__stack_counts contention_block;

void cprof__contention_add_locked(const struct cprof__record *rec)
{
	cprof__stack_counts_add_locked(rec->kind == CPROF_RECORD_MUTEX
					       ? &contention_mutex
					       : &contention_block,
				       rec);
}

/* What a builder copies out under the collector lock. */
struct contention_snap {
	struct cprof__profile *p;
	struct cprof__stackset *stacks;
	int64_t (*v)[2];     /* per stack: count, delay as the proto has them */
	int64_t (*raw)[2];   /* per stack: as recorded */
	const void **labels; /* per stack */
	size_t n;
	int64_t lost;        /* events lost */
};

/* Go's values from a record's: mutex scaled by the fraction, block counts
 * from thousandths (at least 1, as runtime.BlockProfile reports). */
static void contention_values(bool mutex, const int64_t raw[2],
			      int64_t out[2])
{
	long fraction = cprof__contention_mutex_fraction();

	if (mutex) {
		out[0] = raw[0] * (fraction > 0 ? fraction : 1);
		out[1] = raw[1] * (fraction > 0 ? fraction : 1);
	} else {
		out[0] = raw[0] / CPROF_BLOCK_COUNT_SCALE;
		if (out[0] == 0 && raw[0] > 0)
			out[0] = 1;
		out[1] = raw[1];
	}
}

static int contention_copy_locked(struct contention_snap *s, bool mutex)
{
	const struct cprof__stack_counts *sc =
		mutex ? &contention_mutex : &contention_block;

	s->v = cprof__calloc(sc->len + 1, sizeof(*s->v));
	s->raw = cprof__calloc(sc->len + 1, sizeof(*s->raw));
	s->labels = cprof__calloc(sc->len + 1, sizeof(*s->labels));
	if (s->v == NULL || s->raw == NULL || s->labels == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < sc->len; i++) {
		const struct cprof__stack_bucket *b = &sc->buckets[i];
		int depth;
		const uintptr_t *pcs =
			cprof__stacktab_get_locked(b->stack_id, &depth);

		if (cprof__stackset_add(s->stacks, pcs, depth, true) < 0)
			return CPROF_ENOMEM;
		s->labels[s->n] = b->labels;
		s->raw[s->n][0] = b->v[0];
		s->raw[s->n][1] = b->v[1];
		contention_values(mutex, b->v, s->v[s->n++]);
	}
	s->lost = mutex ? sc->lost[0] : sc->lost[0] / CPROF_BLOCK_COUNT_SCALE;
	s->lost += cprof__contention_lost(mutex ? CPROF_CONTENTION_MUTEX
						: CPROF_CONTENTION_BLOCK);
	return 0;
}

static void contention_snap_free(struct contention_snap *s)
{
	cprof__profile_free(s->p);
	cprof__stackset_free(s->stacks);
	cprof__free(s->v);
	cprof__free(s->raw);
	cprof__free(s->labels);
}

/* The records of one kind, their stacks symbolized into a new profile. */
static int contention_snapshot(struct contention_snap *s, bool mutex)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->p = cprof__profile_new();
	s->stacks = cprof__stackset_new();
	if (s->p == NULL || s->stacks == NULL)
		return CPROF_ENOMEM;
	cprof__collector_lock();
	cprof__collector_drain_locked();
	rc = contention_copy_locked(s, mutex);
	cprof__collector_unlock();
	if (rc != 0)
		return rc;
	cprof__profile_add_sample_type(s->p, "contentions", "count");
	cprof__profile_add_sample_type(s->p, "delay", "nanoseconds");
	cprof__profile_set_period(s->p, "contentions", "count", 1);
	s->p->time_nanos = cprof__wall_ns();
	return cprof__stackset_resolve(s->stacks, s->p);
}

static int contention_add_samples(struct contention_snap *s)
{
	struct cprof__label tags[CPROF_LABELS_MAX_DEPTH + 1];

	for (size_t i = 0; i < s->n; i++) {
		size_t nlocs, ntags = cprof__profile_labels(s->p, s->labels[i],
							     tags);
		const uint64_t *locs =
			cprof__stackset_locations(s->stacks, (long)i, &nlocs);

		if (cprof__profile_add_sample(s->p, locs, nlocs, s->v[i], 2,
					      tags, ntags) != 0)
			return CPROF_ENOMEM;
	}
	if (s->lost > 0) {
		uint64_t loc = cprof__profile_pseudo_location(
			s->p, CONTENTION_LOST_FRAME);
		/* Their delay is not known. */
		int64_t v[2] = {s->lost, 0};

		if (cprof__profile_add_sample(s->p, &loc, 1, v, 2, NULL, 0))
			return CPROF_ENOMEM;
	}
	return 0;
}

static struct cprof__profile *contention_build(bool mutex, int *error)
{
	struct contention_snap s;
	struct cprof__profile *p = NULL;

	*error = contention_snapshot(&s, mutex);
	if (*error == 0)
		*error = contention_add_samples(&s);
	if (*error == 0) {
		p = s.p;
		s.p = NULL;
	}
	contention_snap_free(&s);
	return p;
}

static int contention_order(const void *a, const void *b, void *arg)
{
	const int64_t(*v)[2] = arg;
	int64_t x = v[*(const size_t *)a][1], y = v[*(const size_t *)b][1];

	return (x < y) - (x > y);
}

static int contention_write_text(bool mutex, struct cprof__buf *out)
{
	struct contention_snap s;
	size_t *order = NULL;
	int rc = contention_snapshot(&s, mutex);

	if (rc == 0)
		order = cprof__calloc(s.n + 1, sizeof(*order));
	if (rc == 0 && order == NULL)
		rc = CPROF_ENOMEM;
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < s.n; i++)
		order[i] = i;
	qsort_r(order, s.n, sizeof(*order), contention_order, s.v);
	cprof__buf_printf(out, "--- %s:\ncycles/second=%d\n",
			  mutex ? "mutex" : "contention",
			  CONTENTION_CYCLES_PER_SECOND);
	if (mutex)
		cprof__buf_printf(out, "sampling period=%ld\n",
				  cprof__contention_mutex_fraction());
	for (size_t k = 0; k < s.n; k++) {
		const int64_t *v = mutex ? s.raw[order[k]] : s.v[order[k]];
		size_t nlocs;
		const uint64_t *locs = cprof__stackset_locations(
			s.stacks, (long)order[k], &nlocs);

		cprof__buf_printf(out, "%" PRId64 " %" PRId64, v[1], v[0]);
		cprof__legacy_write_pcs(out, s.p, locs, nlocs, true);
		cprof__legacy_write_frames(out, s.p, locs, nlocs);
	}
	rc = cprof__buf_failed(out) ? out->error : 0;
out:
	contention_snap_free(&s);
	cprof__free(order);
	return rc;
}

static long contention_count(bool mutex)
{
	long n;

	cprof__collector_lock();
	cprof__collector_drain_locked();
	n = (long)(mutex ? contention_mutex.len : contention_block.len);
	cprof__collector_unlock();
	return n;
}

static struct cprof__profile *contention_mutex_build(int *error)
{
	return contention_build(true, error);
}

static struct cprof__profile *contention_block_build(int *error)
{
	return contention_build(false, error);
}

static int contention_mutex_text(int debug, struct cprof__buf *out)
{
	return contention_write_text(true, out);
}

static int contention_block_text(int debug, struct cprof__buf *out)
{
	return contention_write_text(false, out);
}

static long contention_mutex_count(void) { return contention_count(true); }

static long contention_block_count(void) { return contention_count(false); }

static const struct cprof__named_profile contention_block_named = {
	.name = "block",
	.description = "Stack traces that led to blocking on synchronization "
		       "primitives",
	.delta = true,
	.count = contention_block_count,
	.build = contention_block_build,
	.write_text = contention_block_text,
};

static const struct cprof__named_profile contention_mutex_named = {
	.name = "mutex",
	.description = "Stack traces of holders of contended mutexes",
	.delta = true,
	.count = contention_mutex_count,
	.build = contention_mutex_build,
	.write_text = contention_mutex_text,
};

void cprof__contention_init(void)
{
	cprof__registry_add(&contention_block_named);
	cprof__registry_add(&contention_mutex_named);
}
