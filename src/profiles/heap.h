/*
 * heap.h - the heap and allocs profiles: sampled allocations by stack, as
 * Go's runtime/pprof writes them (alloc_objects, alloc_space,
 * inuse_objects, inuse_space; period type space/bytes; period = the
 * sampling rate; values unsampled).
 *
 * Sampling runs from cprof_start for the life of the process (like Go's
 * MemProfileRate), so both profiles are always available: heap defaults to
 * inuse_space, allocs to alloc_space. Ordinary threads only.
 */
#ifndef CPROF_SRC_PROFILES_HEAP_H
#define CPROF_SRC_PROFILES_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#include "pprof/profile.h"

/* Starts sampling at rate bytes (0: off) and registers heap and allocs. */
int cprof__heap_init(int64_t rate);
void cprof__heap_fini(void);

/* The profile now; for allocs, default_sample_type is alloc_space. NULL
 * with *error when it cannot be built. */
struct cprof__profile *cprof__heap_build(bool allocs, int *error);

#endif
