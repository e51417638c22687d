/*
 * merge.h - combining profiles: merge (the CLI's `merge`), difference (Go's
 * delta profiles, `diff -base`).
 */
#ifndef CPROF_SRC_PPROF_MERGE_H
#define CPROF_SRC_PPROF_MERGE_H

#include <stddef.h>

#include "pprof/profile.h"

/*
 * *result = sum over i of scales[i] * in[i] (scales NULL: all 1), with
 * google/pprof's Merge semantics: same sample types required (else
 * CPROF_EINVAL), locations matched by mapping, address and lines, samples
 * by locations and labels, all-zero samples dropped. The inputs are not
 * changed. Returns 0 or a CPROF_E* code.
 */
int cprof__profile_merge(const struct cprof__profile *const *in,
			 const double *scales, size_t n,
			 struct cprof__profile **result);

#endif
