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

#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/log.h"
#include "capture/alloc_sampler.h"
#include "capture/labels.h"
#include "cprof.h"
#include "hooks/hooks.h"
#include "profiles/collector.h"
#include "profiles/heap_aggregate.h"
#include "profiles/legacy_text.h"
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
	int64_t lost;       /* samples that could not be recorded */
	int64_t lost_bytes; /* their bytes, where known */
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
	s->lost_bytes = (int64_t)atomic_load(&cprof__alloc_lost_bytes);
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
	struct cprof__label labels[CPROF_LABELS_MAX_DEPTH + 2];
	int64_t bytes_key = cprof__profile_string(p, "bytes");

	for (size_t i = 0; i < s->n; i++) {
		const struct cprof__heap_bucket *b = &s->buckets[i];
		int64_t live = b->alloc_objects - b->free_objects;
		int64_t v[4];
		size_t nlocs, nlabels;
		const uint64_t *locs =
			cprof__stackset_locations(s->stacks, (long)i, &nlocs);

		heap_unsample(b->alloc_objects, b->alloc_objects * b->size,
			      &v[0], &v[1]);
		heap_unsample(live, live * b->size, &v[2], &v[3]);
		/* Go's numeric "bytes" label, then the thread's labels. */
		nlabels = 0;
		if (b->size != 0)
			labels[nlabels++] = (struct cprof__label){
				bytes_key, 0, b->size, 0};
		nlabels += cprof__profile_labels(p, b->labels,
						 labels + nlabels);
		if (cprof__profile_add_sample(p, locs, nlocs, v, 4, labels,
					      nlabels))
			return CPROF_ENOMEM;
	}
	if (s->lost > 0) {
		uint64_t loc = cprof__profile_pseudo_location(p,
							      HEAP_LOST_FRAME);
		/* Raw, unscaled: what was lost is not known well enough to
		 * unsample. Not in use: their frees may be lost too. */
		int64_t v[4] = {s->lost, s->lost_bytes, 0, 0};

		if (loc == 0 ||
		    cprof__profile_add_sample(p, &loc, 1, v, 4, NULL, 0))
			return CPROF_ENOMEM;
	}
	return 0;
}

/* The profile skeleton of a snapshot: sample types, period, and every
 * stack's locations (in s->stacks). NULL with *error on failure. */
static struct cprof__profile *heap_profile_new(struct heap_snapshot *s,
					       bool allocs, int *error)
{
	struct cprof__profile *p = cprof__profile_new();

	memset(s, 0, sizeof(*s));
	cprof__collector_lock();
	cprof__collector_drain_locked();
	*error = heap_snapshot_locked(s);
	cprof__collector_unlock();
	if (*error == 0 && p == NULL)
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
		*error = cprof__stackset_resolve(s->stacks, p);
	}
	if (*error != 0) {
		cprof__profile_free(p);
		heap_snapshot_free(s);
		return NULL;
	}
	return p;
}

struct cprof__profile *cprof__heap_build(bool allocs, int *error)
{
	struct heap_snapshot s;
	struct cprof__profile *p = heap_profile_new(&s, allocs, error);

	if (p == NULL)
		return NULL;
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

/* Go sorts the text form's records by in-use bytes, largest first. */
static int heap_text_order(const void *a, const void *b, void *arg)
{
	const struct cprof__heap_bucket *buckets = arg;
	const struct cprof__heap_bucket *x = &buckets[*(const size_t *)a];
	const struct cprof__heap_bucket *y = &buckets[*(const size_t *)b];
	int64_t bx = (x->alloc_objects - x->free_objects) * x->size;
	int64_t by = (y->alloc_objects - y->free_objects) * y->size;

	return (bx < by) - (bx > by);
}

/* The allocator's own statistics, where Go prints its MemStats: glibc's
 * mallinfo2 when glibc is the allocator behind the hooks. */
static void heap_text_allocator(struct cprof__buf *out)
{
	const char *allocator = cprof__hooks_allocator();
	struct rusage ru;

	cprof__buf_printf(out, "\n# allocator: %s\n",
			  allocator[0] ? allocator : "unknown");
	if (strstr(allocator, "/libc.so") != NULL) {
		struct mallinfo2 mi = mallinfo2();

		cprof__buf_printf(out,
			"# glibc mallinfo2\n# arena = %zu\n# ordblks = %zu\n"
			"# smblks = %zu\n# hblks = %zu\n# hblkhd = %zu\n"
			"# fsmblks = %zu\n# uordblks = %zu\n"
			"# fordblks = %zu\n# keepcost = %zu\n",
			mi.arena, mi.ordblks, mi.smblks, mi.hblks, mi.hblkhd,
			mi.fsmblks, mi.uordblks, mi.fordblks, mi.keepcost);
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cprof__buf_printf(out, "# MaxRSS = %ld\n", ru.ru_maxrss * 1024);
}

/* Go's legacy heap text: raw (sampled) counts, a "heap/<2*rate>" header. */
static int heap_write_text(int debug, struct cprof__buf *out)
{
	struct heap_snapshot s;
	struct cprof__profile *p = heap_profile_new(&s, false, &debug);
	int64_t t[4] = {0, 0, 0, 0};
	size_t *order;

	if (p == NULL)
		return debug;
	order = cprof__calloc(s.n ? s.n : 1, sizeof(*order));
	if (order == NULL) {
		cprof__profile_free(p);
		heap_snapshot_free(&s);
		return CPROF_ENOMEM;
	}
	for (size_t i = 0; i < s.n; i++) {
		const struct cprof__heap_bucket *b = &s.buckets[i];

		order[i] = i;
		t[0] += b->alloc_objects - b->free_objects;
		t[1] += (b->alloc_objects - b->free_objects) * b->size;
		t[2] += b->alloc_objects;
		t[3] += b->alloc_objects * b->size;
	}
	qsort_r(order, s.n, sizeof(*order), heap_text_order, s.buckets);
	/* Go's quirk: equal columns would read as a two-column profile. */
	if (t[1] == t[3])
		t[3]++;
	cprof__buf_printf(out, "heap profile: %" PRId64 ": %" PRId64
			  " [%" PRId64 ": %" PRId64 "] @ heap/%" PRId64 "\n",
			  t[0], t[1], t[2], t[3], 2 * heap_rate);
	for (size_t k = 0; k < s.n; k++) {
		const struct cprof__heap_bucket *b = &s.buckets[order[k]];
		int64_t live = b->alloc_objects - b->free_objects;
		size_t n;
		const uint64_t *locs = cprof__stackset_locations(
			s.stacks, (long)order[k], &n);

		cprof__buf_printf(out, "%" PRId64 ": %" PRId64 " [%" PRId64
				  ": %" PRId64 "]",
				  live, live * b->size, b->alloc_objects,
				  b->alloc_objects * b->size);
		cprof__legacy_write_pcs(out, p, locs, n, true);
		cprof__legacy_write_frames(out, p, locs, n);
	}
	heap_text_allocator(out);
	cprof__free(order);
	cprof__profile_free(p);
	heap_snapshot_free(&s);
	return cprof__buf_failed(out) ? out->error : 0;
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
	.write_text = heap_write_text,
};

static const struct cprof__named_profile allocs_profile = {
	.name = "allocs",
	.description = "A sampling of all past memory allocations",
	.delta = true,
	.count = heap_count,
	.build = heap_build_allocs,
	.write_text = heap_write_text,
};

int cprof__heap_init(int64_t rate)
{
	int rc;

	heap_rate = rate;
	if (rate == 0)
		return 0;
	if (!cprof__hooks_malloc_interposed())
		cprof__warn("the program's malloc is not cprof's (an allocator "
			    "comes before libcprof.so in LD_PRELOAD, or is "
			    "linked in): the heap and allocs profiles will be "
			    "empty; put libcprof.so first");
	rc = cprof__alloc_sampler_start(rate);
	if (rc != 0)
		return rc;
	cprof__registry_add(&heap_profile);
	cprof__registry_add(&allocs_profile);
	return 0;
}

void cprof__heap_fini(void) { cprof__alloc_sampler_stop(); }
