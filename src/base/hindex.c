/*
 * hindex.c - open-addressing hash index (see hindex.h).
 */
#include "base/hindex.h"

#include "base/alloc.h"
#include "cprof.h"

#define HINDEX_MIN_SIZE 1024

static uint32_t hindex_hash(uint64_t slot) { return (uint32_t)(slot >> 32); }

void cprof__hindex_fini(struct cprof__hindex *ix)
{
	cprof__free(ix->slots);
	ix->slots = NULL;
	ix->size = ix->count = 0;
}

static int hindex_grow(struct cprof__hindex *ix)
{
	size_t size = ix->size ? ix->size * 2 : HINDEX_MIN_SIZE;
	uint64_t *slots = cprof__calloc(size, sizeof(*slots));

	if (slots == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < ix->size; i++) {
		size_t at;

		if (ix->slots[i] == 0)
			continue;
		for (at = hindex_hash(ix->slots[i]) & (size - 1);
		     slots[at] != 0; at = (at + 1) & (size - 1))
			;
		slots[at] = ix->slots[i];
	}
	cprof__free(ix->slots);
	ix->slots = slots;
	ix->size = size;
	return 0;
}

int cprof__hindex_find(struct cprof__hindex *ix, uint32_t hash,
		       cprof__hindex_eq_fn eq, const void *ctx,
		       const void *key, uint32_t *value, size_t *slot)
{
	size_t at;

	if ((ix->count + 1) * 2 > ix->size && hindex_grow(ix) != 0)
		return CPROF_ENOMEM;
	for (at = hash & (ix->size - 1); ix->slots[at] != 0;
	     at = (at + 1) & (ix->size - 1)) {
		uint32_t v = (uint32_t)ix->slots[at] - 1;

		if (hindex_hash(ix->slots[at]) == hash && eq(ctx, v, key)) {
			*value = v;
			return 1;
		}
	}
	*slot = at;
	return 0;
}

void cprof__hindex_add(struct cprof__hindex *ix, size_t slot, uint32_t hash,
		       uint32_t value)
{
	ix->slots[slot] = (uint64_t)hash << 32 | ((uint64_t)value + 1);
	ix->count++;
}
