/*
 * stack_counts.c - values by (stack, labels) (see stack_counts.h).
 *
 * A dense bucket array found through a hash index; both grow by doubling.
 */
#include "profiles/stack_counts.h"

#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "profiles/stacktab.h"

static bool stack_counts_equal(const void *ctx, uint32_t i, const void *key)
{
	const struct cprof__stack_counts *sc = ctx;
	const struct cprof__stack_bucket *k = key;

	return sc->buckets[i].stack_id == k->stack_id &&
	       sc->buckets[i].labels == k->labels;
}

static bool stack_counts_reserve(struct cprof__stack_counts *sc)
{
	size_t cap = sc->cap ? sc->cap * 2 : 512;
	struct cprof__stack_bucket *b;

	if (sc->len < sc->cap)
		return true;
	b = cprof__realloc(sc->buckets, cap * sizeof(*b));
	if (b == NULL)
		return false;
	sc->buckets = b;
	sc->cap = cap;
	return true;
}

void cprof__stack_counts_add_locked(struct cprof__stack_counts *sc,
				    const struct cprof__record *rec)
{
	struct cprof__stack_bucket key = {0, rec->labels, {0}};
	uint32_t h, i;
	size_t slot;
	int found = -1;

	memcpy(key.v, rec->value, sizeof(key.v));
	key.stack_id = cprof__stacktab_intern_locked(rec->pc, rec->depth);
	h = cprof__hash_mix(key.stack_id, (uintptr_t)key.labels);
	if (key.stack_id != 0)
		found = cprof__hindex_find(&sc->index, h, stack_counts_equal,
					   sc, &key, &i, &slot);
	if (found > 0) {
		for (int k = 0; k < CPROF_STACK_COUNTS_VALUES; k++)
			sc->buckets[i].v[k] += key.v[k];
	} else if (found == 0 && stack_counts_reserve(sc)) {
		sc->buckets[sc->len] = key;
		cprof__hindex_add(&sc->index, slot, h, (uint32_t)sc->len++);
	} else {
		for (int k = 0; k < CPROF_STACK_COUNTS_VALUES; k++)
			sc->lost[k] += key.v[k];
	}
}

void cprof__stack_counts_clear_locked(struct cprof__stack_counts *sc)
{
	cprof__free(sc->buckets);
	cprof__hindex_fini(&sc->index);
	memset(sc, 0, sizeof(*sc));
}
