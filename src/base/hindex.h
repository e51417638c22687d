/*
 * hindex.h - an open-addressing hash index from keys to small integers.
 *
 * Aggregates keep their records in dense arrays and need to find a record
 * by its key (a stack, a (stack, labels) pair, a location's content...).
 * The index stores only each record's number and the key's hash; the
 * caller compares keys through a callback. Linear probing, doubling at half
 * full, no deletion (records are only ever added until the whole index is
 * cleared). Not thread-safe; not for signal handlers (it allocates).
 */
#ifndef CPROF_SRC_BASE_HINDEX_H
#define CPROF_SRC_BASE_HINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cprof__hindex {
	uint64_t *slots; /* hash << 32 | (value + 1); 0 = empty */
	size_t size;     /* power of two, or 0 */
	size_t count;
};

/* Does record `value` have the key `key`? */
typedef bool (*cprof__hindex_eq_fn)(const void *ctx, uint32_t value,
				    const void *key);

#define CPROF_HINDEX_INIT {NULL, 0, 0}

void cprof__hindex_fini(struct cprof__hindex *ix);

/*
 * Looks key up. Returns 1 and sets *value when a record has it; returns 0
 * when none has, with *slot reserved for cprof__hindex_add (valid until the
 * next call on ix); returns CPROF_ENOMEM when the index cannot grow.
 */
int cprof__hindex_find(struct cprof__hindex *ix, uint32_t hash,
		       cprof__hindex_eq_fn eq, const void *ctx,
		       const void *key, uint32_t *value, size_t *slot);
/* Records that key (looked up with this hash) is record `value`. */
void cprof__hindex_add(struct cprof__hindex *ix, size_t slot, uint32_t hash,
		       uint32_t value);

/* A 32-bit hash step for building keys' hashes. */
static inline uint32_t cprof__hash_mix(uint32_t h, uint64_t v)
{
	uint64_t x = (h ^ v) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x ^ (x >> 32));
}

#endif
