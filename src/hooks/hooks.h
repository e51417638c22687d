/*
 * hooks.h - cprof's interposed functions: what they need at start.
 *
 * The interposed symbols themselves (pthread_create, ...) are exported by
 * libcprof.so and reach the real functions through dlsym(RTLD_NEXT).
 */
#ifndef CPROF_SRC_HOOKS_HOOKS_H
#define CPROF_SRC_HOOKS_HOOKS_H

#include <stdbool.h>

/* Resolves the real functions and creates what the hooks use (the thread
 * exit key, the fork handlers). Called from cprof_start; idempotent. */
int cprof__hooks_init(void);
/* Resolves the real blocking calls behind the breadcrumb wrappers
 * (blocking.c), outside any signal handler. */
int cprof__blocking_init(void);
/* While false the hooks pass straight through. */
void cprof__hooks_enable(int on);

/* Resolves the real synchronisation functions (hooks/sync.c) before any
 * hook needs them. */
void cprof__hooks_sync_init(void);

/* Whether threads start with their creator's labels (default: yes). */
void cprof__hooks_inherit_labels(bool on);

/* True when the program's malloc is cprof's (the malloc hooks see the
 * program's allocations); false when an allocator loaded before libcprof
 * (earlier in LD_PRELOAD, or linked statically) takes the calls. */
bool cprof__hooks_malloc_interposed(void);

/* The file of the allocator behind the malloc hooks (the object whose
 * malloc they call: libc.so.6, libjemalloc.so.2...), or "" if unknown. */
const char *cprof__hooks_allocator(void);

#endif
