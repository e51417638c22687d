/*
 * cpu_aggregate.c - CPU samples by (stack, labels) (see cpu_aggregate.h).
 *
 * A dense bucket array found through a hash index. If growing fails the
 * sample's periods are counted as lost, never dropped silently.
 */
#include "profiles/cpu_aggregate.h"

#include <stdbool.h>

#include "base/alloc.h"
#include "base/hindex.h"
#include "profiles/stacktab.h"

static struct cprof__cpu_bucket *agg_buckets;
static size_t agg_len, agg_cap;
static struct cprof__hindex agg_index = CPROF_HINDEX_INIT;
static int64_t agg_lost;

static bool agg_equal(const void *ctx, uint32_t i, const void *key)
{
	const struct cprof__cpu_bucket *k = key;

	return agg_buckets[i].stack_id == k->stack_id &&
	       agg_buckets[i].labels == k->labels;
}

static bool agg_reserve(void)
{
	size_t cap = agg_cap ? agg_cap * 2 : 512;
	struct cprof__cpu_bucket *b;

	if (agg_len < agg_cap)
		return true;
	b = cprof__realloc(agg_buckets, cap * sizeof(*b));
	if (b == NULL)
		return false;
	agg_buckets = b;
	agg_cap = cap;
	return true;
}

void cprof__cpu_aggregate_add_locked(const struct cprof__record *rec)
{
	struct cprof__cpu_bucket key = {0, rec->labels, rec->value[0]};
	uint32_t h, i;
	size_t slot;
	int found;

	key.stack_id = cprof__stacktab_intern_locked(rec->pc, rec->depth);
	h = cprof__hash_mix(key.stack_id, (uintptr_t)key.labels);
	found = key.stack_id == 0 ? -1
				  : cprof__hindex_find(&agg_index, h, agg_equal,
						       NULL, &key, &i, &slot);
	if (found > 0) {
		agg_buckets[i].periods += key.periods;
	} else if (found == 0 && agg_reserve()) {
		agg_buckets[agg_len] = key;
		cprof__hindex_add(&agg_index, slot, h, (uint32_t)agg_len++);
	} else {
		agg_lost += key.periods;
	}
}

int64_t cprof__cpu_aggregate_lost_locked(void) { return agg_lost; }

const struct cprof__cpu_bucket *cprof__cpu_aggregate_buckets_locked(size_t *n)
{
	*n = agg_len;
	return agg_buckets;
}

void cprof__cpu_aggregate_clear_locked(void)
{
	cprof__free(agg_buckets);
	cprof__hindex_fini(&agg_index);
	agg_buckets = NULL;
	agg_len = agg_cap = 0;
	agg_lost = 0;
}
