/*
 * stacktab.h - the hash-consed stack table: each distinct sequence of pcs
 * is stored once and named by a small id that aggregates use as a key.
 *
 * Written by the collector and read by profile builders, both under the
 * collector lock (collector.h). Bounded: past CPROF_STACKTAB_MAX_PCS stored
 * pcs, interning fails (id 0) and the caller counts the sample as lost.
 */
#ifndef CPROF_SRC_PROFILES_STACKTAB_H
#define CPROF_SRC_PROFILES_STACKTAB_H

#include <stdint.h>

/* 8M pcs = 64 MiB at most: about 130,000 distinct 64-frame stacks. */
#define CPROF_STACKTAB_MAX_PCS (8u << 20)

/* Returns the id (>= 1) of pcs[0..depth), adding it if new; 0 when full. */
uint32_t cprof__stacktab_intern_locked(const uintptr_t *pcs, int depth);
/* The pcs of id; *depth gets their number. */
const uintptr_t *cprof__stacktab_get_locked(uint32_t id, int *depth);

#endif
