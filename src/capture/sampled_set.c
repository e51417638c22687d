/*
 * sampled_set.c - live sampled allocations (see sampled_set.h).
 *
 * The exact set is an open-addressing table with linear probing and
 * backward-shift deletion (no tombstones, so probe chains stay short however
 * long the process runs). It doubles when half full, up to
 * CPROF_SAMPLED_SET_MAX. Memory comes from mmap (the page filter is .bss):
 * this code runs inside malloc and must not call it.
 *
 * Both filters are written only under set_lock, so a counter update is a
 * plain load and store (atomic only for the lock-free readers).
 */
#include "capture/sampled_set.h"

#include <sched.h>
#include <stddef.h>

#include "base/alloc.h"
#include "cprof.h"

#define SET_MIN_SLOTS 4096u

_Atomic uint8_t cprof__sampled_pages[CPROF_SAMPLED_PAGE_CELLS];

static _Atomic(_Atomic uint32_t *) set_filter; /* set once, by init */

static atomic_flag set_lock = ATOMIC_FLAG_INIT;
static uintptr_t *set_slots; /* 0 = empty; set_lock */
static uint32_t set_nslots;  /* power of two; set_lock */
/* Written under set_lock; read without it for cprof's memory report. */
static _Atomic uint32_t set_count;

static uint32_t set_hash(uintptr_t p)
{
	return (uint32_t)(((uint64_t)p * 0x9e3779b97f4a7c15ull) >> 40);
}

static void set_lock_take(void)
{
	while (atomic_flag_test_and_set_explicit(&set_lock,
						 memory_order_acquire))
		sched_yield();
}

static void set_lock_drop(void)
{
	atomic_flag_clear_explicit(&set_lock, memory_order_release);
}

int cprof__sampled_set_init(void)
{
	_Atomic uint32_t *f;

	if (atomic_load(&set_filter) != NULL)
		return 0;
	f = cprof__map(CPROF_SAMPLED_FILTER_CELLS * sizeof(*f));
	if (f == NULL)
		return CPROF_ENOMEM;
	atomic_store(&set_filter, f);
	return 0;
}

static _Atomic uint32_t *set_filter_cell(_Atomic uint32_t *f, uintptr_t p)
{
	return &f[set_hash(p) & (CPROF_SAMPLED_FILTER_CELLS - 1)];
}

/* Counts p's page cell up or down; a saturated cell no longer counts. */
static void set_page_add_locked(uintptr_t p, int delta)
{
	_Atomic uint8_t *c = &cprof__sampled_pages[cprof__sampled_page_cell(p)];
	unsigned v = atomic_load_explicit(c, memory_order_relaxed);

	if (v == CPROF_SAMPLED_PAGE_SATURATED)
		return;
	atomic_store_explicit(c, (uint8_t)(v + (unsigned)delta),
			      memory_order_relaxed);
}

static void set_filters_add_locked(_Atomic uint32_t *f, uintptr_t p,
				   int delta)
{
	_Atomic uint32_t *c = set_filter_cell(f, p);

	atomic_store_explicit(
		c, atomic_load_explicit(c, memory_order_relaxed) + (uint32_t)delta,
		memory_order_relaxed);
	set_page_add_locked(p, delta);
}

static void set_put_locked(uintptr_t *slots, uint32_t n, uintptr_t p)
{
	uint32_t i = set_hash(p) & (n - 1);

	while (slots[i] != 0)
		i = (i + 1) & (n - 1);
	slots[i] = p;
}

static bool set_grow_locked(void)
{
	uint32_t n = set_nslots ? set_nslots * 2 : SET_MIN_SLOTS;
	uintptr_t *slots;

	if (n > CPROF_SAMPLED_SET_MAX * 2)
		return false;
	slots = cprof__map(n * sizeof(*slots));
	if (slots == NULL)
		return false;
	for (uint32_t i = 0; i < set_nslots; i++)
		if (set_slots[i] != 0)
			set_put_locked(slots, n, set_slots[i]);
	cprof__unmap(set_slots, set_nslots * sizeof(*set_slots));
	set_slots = slots;
	set_nslots = n;
	return true;
}

bool cprof__sampled_set_insert(uintptr_t p)
{
	_Atomic uint32_t *f = atomic_load(&set_filter);
	bool ok = true;
	uint32_t n;

	if (f == NULL || p == 0)
		return false;
	set_lock_take();
	n = atomic_load_explicit(&set_count, memory_order_relaxed);
	if ((n + 1) * 2 > set_nslots && !set_grow_locked()) {
		ok = false;
	} else {
		set_filters_add_locked(f, p, 1);
		set_put_locked(set_slots, set_nslots, p);
		atomic_store_explicit(&set_count, n + 1, memory_order_relaxed);
	}
	set_lock_drop();
	return ok;
}

/* Backward-shift deletion: moves later members of the probe chain into the
 * hole so that every member stays reachable from its home slot. */
static void set_delete_at_locked(uint32_t hole)
{
	uint32_t mask = set_nslots - 1, i = hole;

	for (;;) {
		uint32_t home;

		i = (i + 1) & mask;
		if (set_slots[i] == 0)
			break;
		home = set_hash(set_slots[i]) & mask;
		/* Move it if its home is not in (hole, i] cyclically. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			set_slots[hole] = set_slots[i];
			hole = i;
		}
	}
	set_slots[hole] = 0;
}

bool cprof__sampled_set_remove(uintptr_t p)
{
	_Atomic uint32_t *f = atomic_load_explicit(&set_filter,
						   memory_order_acquire);
	bool found = false;

	/* Lock-free "no", for the same reason as cprof__sampled_set_maybe. */
	if (f == NULL || p == 0 ||
	    atomic_load_explicit(set_filter_cell(f, p), memory_order_relaxed) ==
		    0)
		return false;
	set_lock_take();
	if (set_nslots != 0) {
		uint32_t mask = set_nslots - 1;

		for (uint32_t i = set_hash(p) & mask;
		     set_slots[i] != 0; i = (i + 1) & mask) {
			if (set_slots[i] == p) {
				set_delete_at_locked(i);
				atomic_store_explicit(
					&set_count,
					atomic_load_explicit(
						&set_count,
						memory_order_relaxed) - 1,
					memory_order_relaxed);
				found = true;
				break;
			}
		}
	}
	if (found)
		set_filters_add_locked(f, p, -1);
	set_lock_drop();
	return found;
}

uint64_t cprof__sampled_set_size(void)
{
	return atomic_load_explicit(&set_count, memory_order_relaxed);
}

void cprof__sampled_set_pin(uintptr_t lo, size_t len)
{
	if (len == 0)
		return;
	set_lock_take();
	for (uintptr_t page = lo >> CPROF_SAMPLED_PAGE_SHIFT;
	     page <= (lo + len - 1) >> CPROF_SAMPLED_PAGE_SHIFT; page++)
		atomic_store_explicit(
			&cprof__sampled_pages[cprof__sampled_page_cell(
				page << CPROF_SAMPLED_PAGE_SHIFT)],
			(uint8_t)CPROF_SAMPLED_PAGE_SATURATED,
			memory_order_relaxed);
	set_lock_drop();
}

void cprof__sampled_set_atfork_prepare(void) { set_lock_take(); }

void cprof__sampled_set_atfork_parent(void) { set_lock_drop(); }

/* The child keeps the parent's live samples: they are its memory too, and
 * its frees must find them. */
void cprof__sampled_set_atfork_child(void) { set_lock_drop(); }
