/*
 * stackset.h - turning captured stacks into a profile's location ids.
 *
 * Every profile kind ends the same way: a set of raw stacks (leaf pc, then
 * return addresses) must become lists of location ids in a new profile. A
 * stack set collects the stacks, converts each return address to the
 * address of its call (return address - 1, Go's convention, so that lines
 * and inline frames are those of the call), symbolizes each distinct address
 * once, and hands back the location ids per stack.
 *
 * Ordinary threads only; not thread-safe (one builder owns a set).
 */
#ifndef CPROF_SRC_PROFILES_STACKSET_H
#define CPROF_SRC_PROFILES_STACKSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pprof/profile.h"

struct cprof__stackset;

struct cprof__stackset *cprof__stackset_new(void);
void cprof__stackset_free(struct cprof__stackset *set);
/* Adds a stack (copied); returns its index, or -1 when out of memory.
 * pcs[0] is an interrupted pc (looked up as is), unless leaf_is_return says
 * it is a return address like the others (a hook's stack). */
long cprof__stackset_add(struct cprof__stackset *set, const uintptr_t *pcs,
			 int depth, bool leaf_is_return);
/* Symbolizes every address into p. 0 or CPROF_E*. */
int cprof__stackset_resolve(struct cprof__stackset *set,
			    struct cprof__profile *p);
/* After resolve: the location ids of stack i (leaf first). */
const uint64_t *cprof__stackset_locations(const struct cprof__stackset *set,
					  long i, size_t *n);

/* The labels of a captured label set (struct cprof__label_set, or NULL)
 * as profile labels, into out (room for CPROF_LABELS_MAX_DEPTH + 1).
 * Returns their number. */
size_t cprof__profile_labels(struct cprof__profile *p, const void *set,
			     struct cprof__label *out);

/* A location for a pseudo-frame such as "[cprof] lost samples". */
uint64_t cprof__profile_pseudo_location(struct cprof__profile *p,
					const char *name);

#endif
