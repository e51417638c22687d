/*
 * sampled_set.h - the addresses of the sampled allocations that are still
 * live, so that free and realloc can tell in a few nanoseconds whether the
 * pointer they release was sampled.
 *
 * The common question ("was this pointer sampled?") is answered without a
 * lock by a counting filter: one counter per hash cell, raised before an
 * address enters the set and lowered after it leaves. A zero counter means
 * "certainly not sampled" — almost every free stops there. A non-zero one
 * sends the caller to the exact set, a linear-probing table behind a short
 * spinlock; only sampled allocations, their frees and rare filter
 * collisions take it. The lock is never held across anything that can
 * allocate or block; fork takes it in prepare.
 *
 * Called from the malloc hooks; not from signal handlers.
 */
#ifndef CPROF_SRC_CAPTURE_SAMPLED_SET_H
#define CPROF_SRC_CAPTURE_SAMPLED_SET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counting-filter cells (a power of two). */
#define CPROF_SAMPLED_FILTER_CELLS (1u << 16)
/* Most live sampled allocations tracked; past it a sample is dropped and
 * counted (the profile shows it as lost). */
#define CPROF_SAMPLED_SET_MAX (1u << 22)

extern _Atomic(_Atomic uint32_t *) cprof__sampled_filter;

static inline uint32_t cprof__sampled_hash(uintptr_t p)
{
	return (uint32_t)(((uint64_t)p * 0x9e3779b97f4a7c15ull) >> 40);
}

/* False means p is certainly not in the set. Lock-free. */
static inline bool cprof__sampled_set_maybe(uintptr_t p)
{
	_Atomic uint32_t *f = atomic_load_explicit(&cprof__sampled_filter,
						   memory_order_relaxed);

	return f != NULL &&
	       atomic_load_explicit(
		       &f[cprof__sampled_hash(p) &
			  (CPROF_SAMPLED_FILTER_CELLS - 1)],
		       memory_order_acquire) != 0;
}

int cprof__sampled_set_init(void);
/* Adds p; false when the set is full or out of memory. */
bool cprof__sampled_set_insert(uintptr_t p);
/* Removes p; true if it was there. */
bool cprof__sampled_set_remove(uintptr_t p);
/* Live entries (for cprof's own memory report). */
uint64_t cprof__sampled_set_size(void);

void cprof__sampled_set_atfork_prepare(void);
void cprof__sampled_set_atfork_parent(void);
void cprof__sampled_set_atfork_child(void);

#endif
