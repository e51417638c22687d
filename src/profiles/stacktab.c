/*
 * stacktab.c - hash-consed stacks (see stacktab.h).
 *
 * Stacks are appended to one pcs pool; `stacks` maps an id to its
 * (offset, depth) in the pool; an open-addressing table of ids, keyed by a
 * hash of the pcs, finds an existing stack. Everything grows by doubling up
 * to the cap. Caller holds the collector lock.
 */
#include "profiles/stacktab.h"

#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"

struct stacktab_entry {
	uint32_t offset; /* into pool */
	uint16_t depth;
	uint32_t hash;
};

static uintptr_t *stacktab_pool;
static size_t stacktab_pool_len, stacktab_pool_cap;
static struct stacktab_entry *stacktab_stacks; /* [0] unused */
static uint32_t stacktab_nstacks, stacktab_stacks_cap;
static uint32_t *stacktab_buckets; /* ids, 0 = empty */
static uint32_t stacktab_nbuckets;

static uint32_t stacktab_hash(const uintptr_t *pcs, int depth)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)depth;

	for (int i = 0; i < depth; i++) {
		h ^= pcs[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static bool stacktab_grow_buckets(void)
{
	uint32_t n = stacktab_nbuckets ? stacktab_nbuckets * 2 : 4096;
	uint32_t *b = cprof__calloc(n, sizeof(*b));

	if (b == NULL)
		return false;
	for (uint32_t id = 1; id < stacktab_nstacks; id++) {
		uint32_t at = stacktab_stacks[id].hash & (n - 1);

		while (b[at] != 0)
			at = (at + 1) & (n - 1);
		b[at] = id;
	}
	cprof__free(stacktab_buckets);
	stacktab_buckets = b;
	stacktab_nbuckets = n;
	return true;
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
	if ((stacktab_nstacks + 1) * 2 > stacktab_nbuckets)
		return stacktab_grow_buckets();
	return true;
}

uint32_t cprof__stacktab_intern_locked(const uintptr_t *pcs, int depth)
{
	uint32_t h = stacktab_hash(pcs, depth), at, id;

	if (stacktab_nbuckets != 0) {
		for (at = h & (stacktab_nbuckets - 1);
		     (id = stacktab_buckets[at]) != 0;
		     at = (at + 1) & (stacktab_nbuckets - 1)) {
			const struct stacktab_entry *e = &stacktab_stacks[id];

			if (e->hash == h && e->depth == depth &&
			    memcmp(stacktab_pool + e->offset, pcs,
				   (size_t)depth * sizeof(*pcs)) == 0)
				return id;
		}
	}
	if (!stacktab_reserve(depth))
		return 0;
	id = stacktab_nstacks++;
	stacktab_stacks[id].offset = (uint32_t)stacktab_pool_len;
	stacktab_stacks[id].depth = (uint16_t)depth;
	stacktab_stacks[id].hash = h;
	memcpy(stacktab_pool + stacktab_pool_len, pcs,
	       (size_t)depth * sizeof(*pcs));
	stacktab_pool_len += (size_t)depth;
	for (at = h & (stacktab_nbuckets - 1); stacktab_buckets[at] != 0;
	     at = (at + 1) & (stacktab_nbuckets - 1))
		;
	stacktab_buckets[at] = id;
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

void cprof__stacktab_clear_locked(void)
{
	cprof__free(stacktab_pool);
	cprof__free(stacktab_stacks);
	cprof__free(stacktab_buckets);
	stacktab_pool = NULL;
	stacktab_stacks = NULL;
	stacktab_buckets = NULL;
	stacktab_pool_len = stacktab_pool_cap = 0;
	stacktab_nstacks = stacktab_stacks_cap = stacktab_nbuckets = 0;
}
