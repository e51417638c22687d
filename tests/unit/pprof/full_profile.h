/*
 * full_profile.h - the every-field test profile shared by the pprof tests.
 */
#ifndef CPROF_TESTS_UNIT_PPROF_FULL_PROFILE_H
#define CPROF_TESTS_UNIT_PPROF_FULL_PROFILE_H

#include "pprof/profile.h"

/* Three samples (labels: worker=burner, bytes=4096, wait=-7 seconds), two
 * mappings, a three-line inlined location, comments, doc_url and the rest.
 * Asserts (cmocka) that building succeeded. Free with cprof__profile_free. */
struct cprof__profile *build_full(void);

#endif
