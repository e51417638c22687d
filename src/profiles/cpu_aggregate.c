/*
 * cpu_aggregate.c - CPU samples by (stack, labels) (see cpu_aggregate.h).
 *
 * An open-addressing index over a dense bucket array; both grow by doubling.
 * If growing fails the sample's periods are counted as lost, never dropped
 * silently.
 */
#include "profiles/cpu_aggregate.h"

#include <stdbool.h>

#include "base/alloc.h"
#include "profiles/stacktab.h"

static struct cprof__cpu_bucket *agg_buckets;
static size_t agg_len, agg_cap;
static uint32_t *agg_index; /* bucket number + 1; 0 = empty */
static size_t agg_index_size;
static int64_t agg_lost;

static size_t agg_hash(uint32_t stack_id, const void *labels)
{
	uint64_t h = ((uint64_t)stack_id * 0x9e3779b97f4a7c15ull) ^
		     ((uint64_t)(uintptr_t)labels * 0xc2b2ae3d27d4eb4full);

	return (size_t)(h ^ (h >> 31));
}

static bool agg_grow(void)
{
	size_t size = agg_index_size ? agg_index_size * 2 : 1024;
	size_t cap = size / 2;
	struct cprof__cpu_bucket *b =
		cprof__realloc(agg_buckets, cap * sizeof(*b));
	uint32_t *index;

	if (b == NULL)
		return false;
	agg_buckets = b;
	agg_cap = cap;
	index = cprof__calloc(size, sizeof(*index));
	if (index == NULL)
		return false;
	for (size_t i = 0; i < agg_len; i++) {
		size_t at = agg_hash(b[i].stack_id, b[i].labels) & (size - 1);

		while (index[at] != 0)
			at = (at + 1) & (size - 1);
		index[at] = (uint32_t)i + 1;
	}
	cprof__free(agg_index);
	agg_index = index;
	agg_index_size = size;
	return true;
}

static void agg_add(uint32_t stack_id, const void *labels, int64_t periods)
{
	size_t at;

	if (agg_len + 1 > agg_cap && !agg_grow()) {
		agg_lost += periods;
		return;
	}
	for (at = agg_hash(stack_id, labels) & (agg_index_size - 1);
	     agg_index[at] != 0; at = (at + 1) & (agg_index_size - 1)) {
		struct cprof__cpu_bucket *b = &agg_buckets[agg_index[at] - 1];

		if (b->stack_id == stack_id && b->labels == labels) {
			b->periods += periods;
			return;
		}
	}
	agg_buckets[agg_len].stack_id = stack_id;
	agg_buckets[agg_len].labels = labels;
	agg_buckets[agg_len].periods = periods;
	agg_index[at] = (uint32_t)++agg_len;
}

void cprof__cpu_aggregate_add_locked(const struct cprof__record *rec)
{
	uint32_t id = cprof__stacktab_intern_locked(rec->pc, rec->depth);

	if (id == 0)
		agg_lost += rec->value[0];
	else
		agg_add(id, rec->labels, rec->value[0]);
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
	cprof__free(agg_index);
	agg_buckets = NULL;
	agg_index = NULL;
	agg_len = agg_cap = agg_index_size = 0;
	agg_lost = 0;
}
