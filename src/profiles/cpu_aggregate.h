/*
 * cpu_aggregate.h - CPU samples summed by (stack, label set) while a CPU
 * session runs. Collector lock held for every call.
 */
#ifndef CPROF_SRC_PROFILES_CPU_AGGREGATE_H
#define CPROF_SRC_PROFILES_CPU_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/record.h"

struct cprof__cpu_bucket {
	uint32_t stack_id;    /* stack table id; 0 for lost samples */
	const void *labels;   /* the thread's label set, or NULL */
	int64_t periods;      /* timer periods: signals + overruns */
};

void cprof__cpu_aggregate_add_locked(const struct cprof__record *rec);
/* Periods whose stack could not be stored (stack table full). */
int64_t cprof__cpu_aggregate_lost_locked(void);
/* The buckets so far; valid until the next add or clear. */
const struct cprof__cpu_bucket *cprof__cpu_aggregate_buckets_locked(size_t *n);
void cprof__cpu_aggregate_clear_locked(void);

#endif
