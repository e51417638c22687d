/*
 * sampled_set.h - the addresses of the sampled allocations that are still
 * live, so that free and realloc can tell in a few nanoseconds whether the
 * pointer they release was sampled.
 *
 * Three levels, each exact on "no":
 *
 *   page filter   one byte per page cell (cell = address >> 12, masked):
 *                 how many live samples start in the pages of the cell.
 *                 Indexed by address, not by a hash, so that neighbouring
 *                 blocks share a cache line: a 64-byte line covers 256 KiB
 *                 of heap and the lines a free touches stay in L1. Every
 *                 free and realloc reads it; almost all stop at its zero.
 *   hash filter   a counter per hash cell of the address (64K uint32), read
 *                 only when the page cell is not zero (a free of a block
 *                 that shares a page with a live sample: about 4 KiB / rate
 *                 of the frees).
 *   exact set     a linear-probing table behind a short spinlock, taken only
 *                 by sampled allocations, their frees and rare collisions
 *                 of both filters.
 *
 * Counters are raised before an address enters the set and lowered after
 * it leaves, all under the set's lock; readers take no lock. A page cell
 * that reaches 255 stays there (saturated: from then on its pages always
 * go on to the hash filter), so its count never wraps and zero stays
 * exact. The lock is never held across anything that can allocate or
 * block; fork takes it in prepare.
 *
 * Called from the malloc hooks; not from signal handlers.
 */
#ifndef CPROF_SRC_CAPTURE_SAMPLED_SET_H
#define CPROF_SRC_CAPTURE_SAMPLED_SET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Page filter: 2^20 one-byte cells of 4 KiB pages, so addresses alias only
 * 4 GiB apart. 1 MiB of zero-filled virtual memory (.bss); a page of it
 * becomes resident only when a sample is recorded in the 16 MiB of address
 * space it covers. */
#define CPROF_SAMPLED_PAGE_SHIFT 12
#define CPROF_SAMPLED_PAGE_CELLS (1u << 20)
#define CPROF_SAMPLED_PAGE_SATURATED 255u
/* Hash-filter cells (a power of two). */
#define CPROF_SAMPLED_FILTER_CELLS (1u << 16)
/* Most live sampled allocations tracked; past it a sample is dropped and
 * counted (the profile shows it as lost). */
#define CPROF_SAMPLED_SET_MAX (1u << 22)

/* Written under the set's lock; read without it (relaxed). */
extern _Atomic uint8_t cprof__sampled_pages[CPROF_SAMPLED_PAGE_CELLS];

static inline uint32_t cprof__sampled_page_cell(uintptr_t p)
{
	return (uint32_t)(p >> CPROF_SAMPLED_PAGE_SHIFT) &
	       (CPROF_SAMPLED_PAGE_CELLS - 1);
}

/*
 * False means p is certainly not in the set. Lock-free: one load, which
 * needs no ordering of its own. A pointer that was sampled reached the
 * freeing thread after its malloc returned, so after its cell was raised
 * (that is the program's synchronisation, which free already relies on),
 * and a cell is never lowered for an address still in the set.
 */
static inline bool cprof__sampled_set_maybe(uintptr_t p)
{
	return atomic_load_explicit(
		       &cprof__sampled_pages[cprof__sampled_page_cell(p)],
		       memory_order_relaxed) != 0;
}

int cprof__sampled_set_init(void);
/* Adds p; false when the set is full or out of memory. */
bool cprof__sampled_set_insert(uintptr_t p);
/* Removes p; true if it was there. Checks the hash filter without the lock
 * first, so a page-filter collision costs one load. */
bool cprof__sampled_set_remove(uintptr_t p);
/* Live entries (for cprof's own memory report). */
uint64_t cprof__sampled_set_size(void);
/*
 * Saturates the page cells of [lo, lo + len): cprof__sampled_set_maybe is
 * true for every address in the range from then on. For memory the hooks
 * own (the bootstrap pool), so that their fast paths need no range check
 * of their own. Needs no init; takes the lock.
 */
void cprof__sampled_set_pin(uintptr_t lo, size_t len);

void cprof__sampled_set_atfork_prepare(void);
void cprof__sampled_set_atfork_parent(void);
void cprof__sampled_set_atfork_child(void);

#endif
