/*
 * threadcreate.c - the threadcreate profile (see threadcreate.h).
 *
 * Go's own threadcreate profile has shown empty stacks for years (golang/go
 * #6104); here every creation is recorded by the pthread_create hook with
 * the creator's stack. Text form (?debug=1) as Go's count profiles:
 * "threadcreate profile: total N", then "count @ pcs" and frame lines per
 * stack, most frequent first.
 */
#include "profiles/threadcreate.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "capture/labels.h"
#include "cprof.h"
#include "profiles/collector.h"
#include "profiles/legacy_text.h"
#include "profiles/registry.h"
#include "profiles/stack_counts.h"
#include "profiles/stackset.h"
#include "profiles/stacktab.h"

/* Threads created, by stack; value 0 is the count. Collector lock. */
static struct cprof__stack_counts threadcreate_counts;

void cprof__threadcreate_add_locked(const struct cprof__record *rec)
{
	cprof__stack_counts_add_locked(&threadcreate_counts, rec);
}

/* Copies the counts out under the lock and symbolizes their stacks into a
 * new profile. *counts gets one count per stack of *stacks. */
static struct cprof__profile *threadcreate_profile(
	struct cprof__stackset **stacks, int64_t **counts,
	const void ***labels, size_t *n, int *error)
{
	struct cprof__profile *p = cprof__profile_new();

	*stacks = cprof__stackset_new();
	*n = 0;
	cprof__collector_lock();
	cprof__collector_drain_locked();
	*counts = cprof__calloc(threadcreate_counts.len + 1, sizeof(**counts));
	*labels = cprof__calloc(threadcreate_counts.len + 1, sizeof(**labels));
	*error = p && *stacks && *counts && *labels ? 0 : CPROF_ENOMEM;
	for (size_t i = 0; *error == 0 && i < threadcreate_counts.len; i++) {
		const struct cprof__stack_bucket *b =
			&threadcreate_counts.buckets[i];
		int depth;
		const uintptr_t *pcs =
			cprof__stacktab_get_locked(b->stack_id, &depth);

		if (cprof__stackset_add(*stacks, pcs, depth, true) < 0)
			*error = CPROF_ENOMEM;
		(*labels)[*n] = b->labels;
		(*counts)[(*n)++] = b->v[0];
	}
	cprof__collector_unlock();
	if (*error == 0) {
		cprof__profile_add_sample_type(p, "threadcreate", "count");
		cprof__profile_set_period(p, "threadcreate", "count", 1);
		p->time_nanos = cprof__wall_ns();
		*error = cprof__stackset_resolve(*stacks, p);
	}
	if (*error != 0) {
		cprof__profile_free(p);
		p = NULL;
	}
	return p;
}

static struct cprof__profile *threadcreate_build(int *error)
{
	struct cprof__label tags[CPROF_LABELS_MAX_DEPTH + 1];
	struct cprof__stackset *stacks;
	const void **labels;
	int64_t *counts;
	size_t n;
	struct cprof__profile *p =
		threadcreate_profile(&stacks, &counts, &labels, &n, error);

	for (size_t i = 0; p != NULL && i < n; i++) {
		size_t nlocs, ntags = cprof__profile_labels(p, labels[i], tags);
		const uint64_t *locs =
			cprof__stackset_locations(stacks, (long)i, &nlocs);

		if (cprof__profile_add_sample(p, locs, nlocs, &counts[i], 1,
					      tags, ntags) != 0) {
			*error = CPROF_ENOMEM;
			cprof__profile_free(p);
			p = NULL;
		}
	}
	cprof__stackset_free(stacks);
	cprof__free(counts);
	cprof__free(labels);
	return p;
}

static int threadcreate_order(const void *a, const void *b, void *arg)
{
	const int64_t *counts = arg;
	int64_t x = counts[*(const size_t *)a], y = counts[*(const size_t *)b];

	return (x < y) - (x > y);
}

static int threadcreate_write_text(int debug, struct cprof__buf *out)
{
	struct cprof__stackset *stacks;
	const void **labels;
	int64_t *counts, total = 0;
	size_t n, *order = NULL;
	struct cprof__profile *p =
		threadcreate_profile(&stacks, &counts, &labels, &n, &debug);

	if (p != NULL)
		order = cprof__calloc(n + 1, sizeof(*order));
	if (p == NULL || order == NULL) {
		debug = debug ? debug : CPROF_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		total += counts[i];
	}
	qsort_r(order, n, sizeof(*order), threadcreate_order, counts);
	cprof__buf_printf(out, "threadcreate profile: total %" PRId64 "\n",
			  total);
	for (size_t k = 0; k < n; k++) {
		size_t nlocs;
		const uint64_t *locs = cprof__stackset_locations(
			stacks, (long)order[k], &nlocs);

		cprof__buf_printf(out, "%" PRId64, counts[order[k]]);
		cprof__legacy_write_pcs(out, p, locs, nlocs, true);
		cprof__legacy_write_frames(out, p, locs, nlocs);
	}
	debug = cprof__buf_failed(out) ? out->error : 0;
out:
	cprof__profile_free(p);
	cprof__stackset_free(stacks);
	cprof__free(counts);
	cprof__free(labels);
	cprof__free(order);
	return debug;
}

static long threadcreate_count(void)
{
	long total = 0;

	cprof__collector_lock();
	cprof__collector_drain_locked();
	for (size_t i = 0; i < threadcreate_counts.len; i++)
		total += (long)threadcreate_counts.buckets[i].v[0];
	cprof__collector_unlock();
	return total;
}

static const struct cprof__named_profile threadcreate_named = {
	.name = "threadcreate",
	.description = "Stack traces that led to the creation of new OS "
		       "threads",
	.delta = true,
	.count = threadcreate_count,
	.build = threadcreate_build,
	.write_text = threadcreate_write_text,
};

void cprof__threadcreate_init(void)
{
	cprof__registry_add(&threadcreate_named);
}
