/*
 * stacktab.c - hash-consed stacks (see stacktab.h).
 *
 * Stacks are appended to one pcs pool; `stacktab_stacks` maps an id to its
 * (offset, depth) in the pool; a hash index finds an existing stack. Both
 * grow by doubling up to the cap. Caller holds the collector lock.
 */
#include "profiles/stacktab.h"

#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hindex.h"

struct stacktab_entry {
	uint32_t offset; /* into the pool */
	uint16_t depth;
};

struct stacktab_key {
	const uintptr_t *pcs;
	int depth;
};

static uintptr_t *stacktab_pool;
static size_t stacktab_pool_len, stacktab_pool_cap;
static struct stacktab_entry *stacktab_stacks; /* [0] unused */
static uint32_t stacktab_nstacks, stacktab_stacks_cap;
static struct cprof__hindex stacktab_index = CPROF_HINDEX_INIT;

static uint32_t stacktab_hash(const uintptr_t *pcs, int depth)
{
	uint32_t h = (uint32_t)depth;

	for (int i = 0; i < depth; i++)
		h = cprof__hash_mix(h, pcs[i]);
	return h;
}

static bool stacktab_equal(const void *ctx, uint32_t id, const void *key)
{
	const struct stacktab_key *k = key;
	const struct stacktab_entry *e = &stacktab_stacks[id];

	return e->depth == k->depth &&
	       memcmp(stacktab_pool + e->offset, k->pcs,
		      (size_t)k->depth * sizeof(*k->pcs)) == 0;
}

static bool stacktab_reserve(int depth)
{
	if (stacktab_nstacks == 0)
		stacktab_nstacks = 1; /* id 0 means "none" */
	if (stacktab_pool_len + (size_t)depth > CPROF_STACKTAB_MAX_PCS)
		return false;
	if (stacktab_pool_len + (size_t)depth > stacktab_pool_cap) {
		size_t cap = stacktab_pool_cap ? stacktab_pool_cap * 2 : 65536;
		uintptr_t *p = cprof__realloc(stacktab_pool, cap * sizeof(*p));

		if (p == NULL)
			return false;
		stacktab_pool = p;
		stacktab_pool_cap = cap;
	}
	if (stacktab_nstacks + 1 > stacktab_stacks_cap) {
		uint32_t cap = stacktab_stacks_cap ? stacktab_stacks_cap * 2
						   : 4096;
		struct stacktab_entry *s =
			cprof__realloc(stacktab_stacks, cap * sizeof(*s));

		if (s == NULL)
			return false;
		stacktab_stacks = s;
		stacktab_stacks_cap = cap;
	}
	return true;
}

uint32_t cprof__stacktab_intern_locked(const uintptr_t *pcs, int depth)
{
	struct stacktab_key key = {pcs, depth};
	uint32_t h = stacktab_hash(pcs, depth), id;
	size_t slot;
	int found = cprof__hindex_find(&stacktab_index, h, stacktab_equal,
				       NULL, &key, &id, &slot);

	if (found != 0)
		return found > 0 ? id : 0;
	if (!stacktab_reserve(depth))
		return 0;
	id = stacktab_nstacks++;
	stacktab_stacks[id].offset = (uint32_t)stacktab_pool_len;
	stacktab_stacks[id].depth = (uint16_t)depth;
	memcpy(stacktab_pool + stacktab_pool_len, pcs,
	       (size_t)depth * sizeof(*pcs));
	stacktab_pool_len += (size_t)depth;
	cprof__hindex_add(&stacktab_index, slot, h, id);
	return id;
}

const uintptr_t *cprof__stacktab_get_locked(uint32_t id, int *depth)
{
	if (id == 0 || id >= stacktab_nstacks) {
		*depth = 0;
		return NULL;
	}
	*depth = stacktab_stacks[id].depth;
	return stacktab_pool + stacktab_stacks[id].offset;
}
