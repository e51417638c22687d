/*
 * collector.h - the collector thread (cprof-collector): drains the capture
 * ring into the aggregates of each profile kind, and keeps the thread
 * registry current (scan for new threads, reap dead ones).
 *
 * The collector lock protects the stack table and every aggregate. Profile
 * builders take it to drain what is pending and copy what they need out,
 * then build without it. Lock order: collector lock, then the registry lock.
 */
#ifndef CPROF_SRC_PROFILES_COLLECTOR_H
#define CPROF_SRC_PROFILES_COLLECTOR_H

#include <stddef.h>

/* How often the ring is drained, and the thread list refreshed. */
#define CPROF_COLLECT_INTERVAL_MS 50
#define CPROF_THREAD_SCAN_INTERVAL_MS 1000

int cprof__collector_start(void);
void cprof__collector_stop(void);

void cprof__collector_lock(void);
void cprof__collector_unlock(void);
/* Drains every published record into the aggregates; caller holds the
 * collector lock. Returns how many it drained. */
size_t cprof__collector_drain_locked(void);

/* fork: hold the lock across fork; the child has no collector thread. */
void cprof__collector_atfork_prepare(void);
void cprof__collector_atfork_parent(void);
void cprof__collector_atfork_child(void);

#endif
