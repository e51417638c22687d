/*
 * cfi_registry.h - the set of unwind tables of every loaded ELF object.
 *
 * The registry builds one table per object (main program, libraries, the
 * vDSO) on ordinary threads, gathers them into an immutable snapshot sorted
 * by address, and publishes it with one atomic pointer store. The walker
 * (cfi_walk_as.c) reads whatever snapshot is current between
 * cprof__cfi_read_begin_as and cprof__cfi_read_end_as; a superseded snapshot
 * and the tables only it used are freed once no walker can still be in it
 * (two reader counters and an epoch flip, as in SRCU).
 *
 * Tables are reused across snapshots while their object stays loaded, so a
 * dlopen parses only the new library.
 */
#ifndef CPROF_SRC_CAPTURE_CFI_REGISTRY_H
#define CPROF_SRC_CAPTURE_CFI_REGISTRY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/cfi_table.h"

/* Most objects in one snapshot; objects beyond it unwind by frame pointers
 * (counted in cprof__cfi_registry_stats.objects_dropped). */
#define CPROF_CFI_MAX_OBJECTS 4096

struct cprof__cfi_object {
	uintptr_t lo, hi; /* executable range [lo, hi) */
	uintptr_t bias;   /* table offsets are pc - bias */
	const struct cprof__cfi_table *table;
};

struct cprof__cfi_snapshot {
	uint64_t gen;      /* tags the walker's pc cache entries */
	uint32_t nobjects;
	size_t map_size;
	struct cprof__cfi_object objects[]; /* sorted by lo, disjoint */
};

/* Handler-visible state, defined in cfi_registry.c: one page, so that a
 * walk with cold caches and a cold TLB pays one TLB miss for all of it (on
 * a virtual machine a TLB miss costs two nested page walks: more than the
 * cache line it brings).
 *
 * Line 0, read and written by every walk:
 *  - current: the published snapshot, with its generation modulo
 *    CPROF_CFI_GEN_MASK + 1 in the low bits (snapshots are page-aligned),
 *    so that a walker gets both from one load; 0 before init, after fini;
 *  - epoch: selects which reader counter a new walk increments;
 *  - readers: walks in flight per epoch parity;
 *  - cache_off: the walker's pc cache is bypassed (benchmarks);
 *  - walks, frames, lookups: the walker's counts (relaxed load + store:
 *    concurrent walks may lose a count; a locked add each would cost more).
 * Line 1, written only by a walk that has one of these events: the
 *  walker's counts of rarer outcomes (cfi_walk_as.c) and unknown_pcs, the
 *  walks that met a pc outside every object (a hint for the registry that
 *  a library was mapped behind the loader's back).
 * Lines 2..63: the walker's pc -> rule cache (cfi_walk_as.c owns its
 *  format), cleared by the registry when it frees a snapshot. */
#define CPROF_CFI_GEN_MASK 0xfffu
#define CPROF_CFI_CACHE_SLOTS 496
#define CPROF_CFI_RARE_COUNTS 7

struct cprof__cfi_shared {
	_Atomic uintptr_t current;
	_Atomic unsigned epoch;
	_Atomic int cache_off;
	_Atomic long readers[2];
	_Atomic uint64_t walks;
	_Atomic uint64_t frames;
	_Atomic uint64_t lookups;
	_Atomic uint64_t rare[CPROF_CFI_RARE_COUNTS] __attribute__((aligned(64)));
	_Atomic uint64_t unknown_pcs;
	_Atomic uint64_t cache[CPROF_CFI_CACHE_SLOTS] __attribute__((aligned(64)));
} __attribute__((aligned(4096)));

_Static_assert(sizeof(struct cprof__cfi_shared) == 4096,
	       "the walker's shared state is one page");

extern struct cprof__cfi_shared cprof__cfi_shared;

static inline const struct cprof__cfi_snapshot *
cprof__cfi_snapshot_of(uintptr_t current)
{
	return (const struct cprof__cfi_snapshot *)(current &
						    ~(uintptr_t)CPROF_CFI_GEN_MASK);
}

/* Builds tables for every loaded object and publishes them. Ordinary
 * threads; call before any walk (cprof_start). 0 or a negative CPROF_E*;
 * on error the walker falls back to frame pointers. */
int cprof__cfi_init(void);
/* Rebuilds after dlopen/dlclose (and periodically): a no-op when the set of
 * loaded objects did not change and no unknown pc was seen. Reclaims
 * snapshots that no walker reads any more. Ordinary threads. */
void cprof__cfi_refresh(void);
/* Unpublishes and frees everything (waits for walkers to leave). */
void cprof__cfi_fini(void);
/* From the pthread_atfork child handler: resets the reader counts and the
 * lock (only the forking thread survives a fork). */
void cprof__cfi_atfork_child(void);

struct cprof__cfi_registry_stats {
	uint32_t objects;         /* in the current snapshot */
	uint32_t objects_dropped; /* over CPROF_CFI_MAX_OBJECTS */
	uint64_t rows;
	uint64_t table_bytes;     /* all tables of the current snapshot */
	uint64_t build_ns;        /* last refresh, wall time */
	uint64_t build_cpu_ns;    /* last refresh, CPU time of its thread */
	uint64_t refreshes;       /* snapshots published */
	uint32_t retired_pending; /* superseded snapshots not yet freed */
};

void cprof__cfi_registry_stats(struct cprof__cfi_registry_stats *out);

/* Calls fn for each object of the current snapshot with its name (as
 * dl_iterate_phdr gave it; "" for the main program). For the benchmark and
 * debugging. Ordinary threads. */
void cprof__cfi_registry_each(void (*fn)(const char *name,
					 const struct cprof__cfi_object *obj,
					 void *arg),
			      void *arg);

#endif
