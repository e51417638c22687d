/*
 * registry.h - the named profiles served at /debug/pprof/<name>.
 *
 * Each profile kind (heap, allocs, mutex, block, goroutine, threadcreate,
 * ...) registers one entry at start. The HTTP surface lists them on the index
 * page and serves them; the delta machinery (?seconds=N) works on any entry
 * whose `delta` is true. Entries are static and never unregistered.
 */
#ifndef CPROF_SRC_PROFILES_REGISTRY_H
#define CPROF_SRC_PROFILES_REGISTRY_H

#include <stdbool.h>

#include "base/buf.h"
#include "pprof/profile.h"

struct cprof__named_profile {
	const char *name;        /* "heap" */
	const char *description; /* one line for the index page */
	bool delta;              /* supports ?seconds=N */
	/* Number shown on the index page. */
	long (*count)(void);
	/* The profile as a model (debug=0); NULL with *error on failure. */
	struct cprof__profile *(*build)(int *error);
	/* The legacy text form for debug=N (N != 0) into out; 0 or CPROF_E*. */
	int (*write_text)(int debug, struct cprof__buf *out);
};

#define CPROF_MAX_NAMED_PROFILES 16

/* Adds an entry (a static object). Ignored beyond the table size. */
void cprof__registry_add(const struct cprof__named_profile *profile);
const struct cprof__named_profile *cprof__registry_find(const char *name);
/* Entries in registration order; *n is set to their number. */
const struct cprof__named_profile *const *cprof__registry_list(int *n);

#endif
