/*
 * heap_aggregate.c - memory-profile buckets (see heap_aggregate.h).
 *
 * Two tables: the buckets, found by (stack id, size) through a hash index,
 * and the live sampled addresses, each pointing at its bucket so that a
 * free finds what it frees (an open-addressing table that grows by doubling
 * and deletes by backward shift). A free of an address the aggregate does
 * not know (its allocation was lost) is ignored.
 */
#include "profiles/heap_aggregate.h"

#include <stdbool.h>

#include "base/alloc.h"
#include "base/hindex.h"
#include "profiles/stacktab.h"

struct heap_live {
	uintptr_t addr; /* 0: empty */
	uint32_t bucket;
};

static struct cprof__heap_bucket *heap_buckets;
static size_t heap_nbuckets, heap_buckets_cap;
static struct cprof__hindex heap_bucket_index = CPROF_HINDEX_INIT;
static struct heap_live *heap_live;
static size_t heap_live_size, heap_live_count;
static int64_t heap_lost;

static size_t heap_mix(uint64_t x)
{
	x *= 0x9e3779b97f4a7c15ull;
	return (size_t)(x ^ (x >> 29));
}

static bool heap_bucket_equal(const void *ctx, uint32_t i, const void *key)
{
	const struct cprof__heap_bucket *k = key;

	return heap_buckets[i].stack_id == k->stack_id &&
	       heap_buckets[i].size == k->size &&
	       heap_buckets[i].labels == k->labels;
}

/* The bucket for (stack_id, size, labels), created if new; -1 if out of
 * memory. */
static long heap_bucket_find(uint32_t stack_id, int64_t size,
			     const void *labels)
{
	struct cprof__heap_bucket key = {.stack_id = stack_id,
					 .labels = labels,
					 .size = size};
	uint32_t h = cprof__hash_mix(cprof__hash_mix(stack_id, (uint64_t)size),
				     (uintptr_t)labels),
		 i;
	size_t slot;
	int found = cprof__hindex_find(&heap_bucket_index, h,
				       heap_bucket_equal, NULL, &key, &i,
				       &slot);

	if (found != 0)
		return found > 0 ? (long)i : -1;
	if (heap_nbuckets == heap_buckets_cap) {
		size_t cap = heap_buckets_cap ? heap_buckets_cap * 2 : 512;
		struct cprof__heap_bucket *b =
			cprof__realloc(heap_buckets, cap * sizeof(*b));

		if (b == NULL)
			return -1;
		heap_buckets = b;
		heap_buckets_cap = cap;
	}
	heap_buckets[heap_nbuckets] = key;
	cprof__hindex_add(&heap_bucket_index, slot, h,
			  (uint32_t)heap_nbuckets);
	return (long)heap_nbuckets++;
}

static void heap_live_put(struct heap_live *t, size_t n, struct heap_live e)
{
	size_t at = heap_mix(e.addr) & (n - 1);

	while (t[at].addr != 0)
		at = (at + 1) & (n - 1);
	t[at] = e;
}

static bool heap_live_grow(void)
{
	size_t n = heap_live_size ? heap_live_size * 2 : 4096;
	struct heap_live *t = cprof__calloc(n, sizeof(*t));

	if (t == NULL)
		return false;
	for (size_t i = 0; i < heap_live_size; i++)
		if (heap_live[i].addr != 0)
			heap_live_put(t, n, heap_live[i]);
	cprof__free(heap_live);
	heap_live = t;
	heap_live_size = n;
	return true;
}

/* The live table's slot for addr, found in one probe: an empty slot (now
 * counted), or addr's own entry if it is still live, which means its free
 * was lost: that allocation is counted freed now. */
static struct heap_live *heap_live_claim(uintptr_t addr)
{
	size_t mask = heap_live_size - 1, at = heap_mix(addr) & mask;

	for (; heap_live[at].addr != 0; at = (at + 1) & mask) {
		if (heap_live[at].addr == addr) {
			heap_buckets[heap_live[at].bucket].free_objects++;
			return &heap_live[at];
		}
	}
	heap_live_count++;
	return &heap_live[at];
}

void cprof__heap_aggregate_alloc_locked(const struct cprof__record *rec)
{
	uint32_t id = cprof__stacktab_intern_locked(rec->pc, rec->depth);
	long b = id != 0 ? heap_bucket_find(id, rec->value[0], rec->labels) : -1;

	if (b < 0 || ((heap_live_count + 1) * 2 > heap_live_size &&
		      !heap_live_grow())) {
		heap_lost++;
		return;
	}
	heap_buckets[b].alloc_objects++;
	*heap_live_claim((uintptr_t)rec->value[1]) =
		(struct heap_live){(uintptr_t)rec->value[1], (uint32_t)b};
}

static void heap_live_delete_at(size_t hole)
{
	size_t mask = heap_live_size - 1, i = hole;

	for (;;) {
		size_t home;

		i = (i + 1) & mask;
		if (heap_live[i].addr == 0)
			break;
		home = heap_mix(heap_live[i].addr) & mask;
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			heap_live[hole] = heap_live[i];
			hole = i;
		}
	}
	heap_live[hole].addr = 0;
}

static void heap_live_forget(uintptr_t addr)
{
	if (heap_live_size == 0)
		return;
	for (size_t at = heap_mix(addr) & (heap_live_size - 1);
	     heap_live[at].addr != 0; at = (at + 1) & (heap_live_size - 1)) {
		if (heap_live[at].addr == addr) {
			heap_buckets[heap_live[at].bucket].free_objects++;
			heap_live_delete_at(at);
			heap_live_count--;
			return;
		}
	}
}

void cprof__heap_aggregate_free_locked(const struct cprof__record *rec)
{
	heap_live_forget((uintptr_t)rec->value[1]);
}

const struct cprof__heap_bucket *
cprof__heap_aggregate_buckets_locked(size_t *n)
{
	*n = heap_nbuckets;
	return heap_buckets;
}

int64_t cprof__heap_aggregate_lost_locked(void) { return heap_lost; }
