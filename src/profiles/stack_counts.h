/*
 * stack_counts.h - values summed by (stack, label set): the aggregate of
 * every profile kind whose records are "this stack, these values" (CPU
 * periods, threads created, and the contention kinds to come).
 *
 * Each kind owns one struct cprof__stack_counts. The collector lock is held
 * for every call. A record whose stack cannot be stored, or that finds no
 * room, is counted as lost, never dropped silently.
 */
#ifndef CPROF_SRC_PROFILES_STACK_COUNTS_H
#define CPROF_SRC_PROFILES_STACK_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/hindex.h"
#include "capture/record.h"

#define CPROF_STACK_COUNTS_VALUES 2

struct cprof__stack_bucket {
	uint32_t stack_id;  /* stack table id */
	const void *labels; /* the thread's label set, or NULL */
	int64_t v[CPROF_STACK_COUNTS_VALUES];
};

struct cprof__stack_counts {
	struct cprof__stack_bucket *buckets;
	size_t len, cap;
	struct cprof__hindex index;
	int64_t lost[CPROF_STACK_COUNTS_VALUES]; /* values of lost records */
};

/* Adds the record's stack and values (rec->value). */
void cprof__stack_counts_add_locked(struct cprof__stack_counts *sc,
				    const struct cprof__record *rec);
void cprof__stack_counts_clear_locked(struct cprof__stack_counts *sc);

#endif
