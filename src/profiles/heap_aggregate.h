/*
 * heap_aggregate.h - sampled allocations and frees, summed per (stack,
 * size), as Go's runtime keeps its memory-profile buckets. Counts are raw
 * (sampled) here; the profile builder unsamples them. Collector lock held
 * for every call.
 */
#ifndef CPROF_SRC_PROFILES_HEAP_AGGREGATE_H
#define CPROF_SRC_PROFILES_HEAP_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/record.h"

struct cprof__heap_bucket {
	uint32_t stack_id;
	const void *labels;    /* the allocating thread's label set */
	int64_t size;          /* bytes of each allocation in the bucket */
	int64_t alloc_objects; /* sampled allocations */
	int64_t free_objects;  /* of which freed */
};

void cprof__heap_aggregate_alloc_locked(const struct cprof__record *rec);
void cprof__heap_aggregate_free_locked(const struct cprof__record *rec);
const struct cprof__heap_bucket *
cprof__heap_aggregate_buckets_locked(size_t *n);
/* Sampled allocations whose stack could not be kept (table full). */
int64_t cprof__heap_aggregate_lost_locked(void);

#endif
