/*
 * reentry.h - the per-thread guard that keeps cprof out of its own hooks.
 *
 * While a thread's guard is raised, every interposed function passes the
 * call straight to the real one: cprof's own allocations (and those of the
 * libraries it calls: libdw, libmicrohttpd, zlib) are never sampled, and a
 * hook never re-enters itself. cprof raises it around everything it does on
 * a host thread (start, stop, writing profiles at exit) and keeps it raised
 * for the whole life of its own threads.
 *
 * initial-exec TLS: reading the guard never allocates. Async-signal-safe.
 */
#ifndef CPROF_SRC_BASE_REENTRY_H
#define CPROF_SRC_BASE_REENTRY_H

#include <stdbool.h>

extern __thread int cprof__reentry_depth;

static inline void cprof__reentry_enter(void) { cprof__reentry_depth++; }

static inline void cprof__reentry_leave(void) { cprof__reentry_depth--; }

static inline bool cprof__reentry_active(void)
{
	return cprof__reentry_depth != 0;
}

#endif
