/*
 * heap.c - building the heap and allocs profiles (see heap.h).
 *
 * Unsampling follows Go's runtime/pprof exactly, per bucket and for each
 * (count, bytes) pair: with avg = bytes / count, both are multiplied by
 * 1 / (1 - exp(-avg / rate)), the inverse of the probability that an
 * allocation of that size is sampled; rate 1 means every allocation was
 * recorded and nothing is scaled. Buckets are keyed by size, so avg is the
 * exact size. Each sample carries Go's numeric `bytes` label.
 */
#include "profiles/heap.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "capture/alloc_sampler.h"
#include "cprof.h"
#include "profiles/collector.h"
#include "profiles/heap_aggregate.h"
#include "profiles/registry.h"
#include "profiles/stackset.h"
#include "profiles/stacktab.h"

#define HEAP_LOST_FRAME "[cprof] lost samples"

static int64_t heap_rate;

/* The copy of the buckets a builder works on, outside the lock. */
struct heap_snapshot {
	struct cprof__stackset *stacks;
	struct cprof__heap_bucket *buckets; /* one per stack of the set */
	size_t n;
	int64_t lost;
};

static int heap_snapshot_locked(struct heap_snapshot *s)
{
	size_t n;
	const struct cprof__heap_bucket *b =
		cprof__heap_aggregate_buckets_locked(&n);

	s->stacks = cprof__stackset_new();
	s->buckets = cprof__calloc(n ? n : 1, sizeof(*s->buckets));
	if (s->stacks == NULL || s->buckets == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int depth;
		const uintptr_t *pcs =
			cprof__stacktab_get_locked(b[i].stack_id, &depth);

		if (cprof__stackset_add(s->stacks, pcs, depth, true) < 0)
			return CPROF_ENOMEM;
		s->buckets[s->n++] = b[i];
	}
	s->lost = cprof__heap_aggregate_lost_locked() +
		  (int64_t)atomic_load(&cprof__alloc_lost);
	return 0;
}

static void heap_snapshot_free(struct heap_snapshot *s)
{
	cprof__stackset_free(s->stacks);
	cprof__free(s->buckets);
}

/* Go's scaleHeapSample. */
static void heap_unsample(int64_t count, int64_t bytes, int64_t *out_count,
			  int64_t *out_bytes)
{
	double scale;

	if (count == 0 || bytes == 0) {
		*out_count = *out_bytes = 0;
		return;
	}
	if (heap_rate <= 1) {
		*out_count = count;
		*out_bytes = bytes;
		return;
	}
	scale = 1 / (1 - exp(-((double)bytes / (double)count) /
			     (double)heap_rate));
	*out_count = (int64_t)((double)count * scale);
	*out_bytes = (int64_t)((double)bytes * scale);
}

static int heap_add_samples(struct cprof__profile *p,
			    const struct heap_snapshot *s)
{
	struct cprof__label label = {cprof__profile_string(p, "bytes"), 0, 0,
				     0};

	for (size_t i = 0; i < s->n; i++) {
		const struct cprof__heap_bucket *b = &s->buckets[i];
		int64_t live = b->alloc_objects - b->free_objects;
		int64_t v[4];
		size_t nlocs;
		const uint64_t *locs =
			cprof__stackset_locations(s->stacks, (long)i, &nlocs);

		heap_unsample(b->alloc_objects, b->alloc_objects * b->size,
			      &v[0], &v[1]);
		heap_unsample(live, live * b->size, &v[2], &v[3]);
		label.num = b->size;
		if (cprof__profile_add_sample(p, locs, nlocs, v, 4, &label,
					      b->size != 0 ? 1 : 0))
			return CPROF_ENOMEM;
	}
	if (s->lost > 0) {
		uint64_t loc = cprof__profile_pseudo_location(p,
							      HEAP_LOST_FRAME);
		int64_t v[4] = {s->lost, 0, 0, 0};

		if (loc == 0 ||
		    cprof__profile_add_sample(p, &loc, 1, v, 4, NULL, 0))
			return CPROF_ENOMEM;
	}
	return 0;
}

struct cprof__profile *cprof__heap_build(bool allocs, int *error)
{
	struct heap_snapshot s;
	struct cprof__profile *p = NULL;

	memset(&s, 0, sizeof(s));
	cprof__collector_lock();
	cprof__collector_drain_locked();
	*error = heap_snapshot_locked(&s);
	cprof__collector_unlock();
	if (*error == 0 && (p = cprof__profile_new()) == NULL)
		*error = CPROF_ENOMEM;
	if (*error == 0) {
		cprof__profile_add_sample_type(p, "alloc_objects", "count");
		cprof__profile_add_sample_type(p, "alloc_space", "bytes");
		cprof__profile_add_sample_type(p, "inuse_objects", "count");
		cprof__profile_add_sample_type(p, "inuse_space", "bytes");
		cprof__profile_set_period(p, "space", "bytes", heap_rate);
		if (allocs)
			p->default_sample_type =
				cprof__profile_string(p, "alloc_space");
		p->time_nanos = cprof__wall_ns();
		*error = cprof__stackset_resolve(s.stacks, p);
	}
	if (*error == 0)
		*error = heap_add_samples(p, &s);
	if (*error == 0)
		*error = cprof__profile_error(p);
	heap_snapshot_free(&s);
	if (*error != 0) {
		cprof__profile_free(p);
		return NULL;
	}
	return p;
}

static long heap_count(void)
{
	size_t n;

	cprof__collector_lock();
	cprof__collector_drain_locked();
	cprof__heap_aggregate_buckets_locked(&n);
	cprof__collector_unlock();
	return (long)n;
}

static struct cprof__profile *heap_build_heap(int *error)
{
	return cprof__heap_build(false, error);
}

static struct cprof__profile *heap_build_allocs(int *error)
{
	return cprof__heap_build(true, error);
}

static const struct cprof__named_profile heap_profile = {
	.name = "heap",
	.description = "A sampling of memory allocations of live objects.",
	.delta = true,
	.count = heap_count,
	.build = heap_build_heap,
	.write_text = NULL,
};

static const struct cprof__named_profile allocs_profile = {
	.name = "allocs",
	.description = "A sampling of all past memory allocations",
	.delta = true,
	.count = heap_count,
	.build = heap_build_allocs,
	.write_text = NULL,
};

int cprof__heap_init(int64_t rate)
{
	int rc;

	heap_rate = rate;
	if (rate == 0)
		return 0;
	rc = cprof__alloc_sampler_start(rate);
	if (rc != 0)
		return rc;
	cprof__registry_add(&heap_profile);
	cprof__registry_add(&allocs_profile);
	return 0;
}

void cprof__heap_fini(void) { cprof__alloc_sampler_stop(); }
