/*
 * cpu.h - the CPU profile: one process-wide session at a time, as in Go.
 *
 * A session arms a per-thread CPU-time timer on every thread of the host
 * (those alive at the start and those born during it), aggregates the
 * samples the signal handler captures, and at the end builds a pprof profile
 * exactly as Go's runtime/pprof writes one: sample types samples/count and
 * cpu/nanoseconds, period type cpu/nanoseconds, period 1e9/hz.
 *
 * Ordinary threads only (takes locks, allocates).
 */
#ifndef CPROF_SRC_PROFILES_CPU_H
#define CPROF_SRC_PROFILES_CPU_H

#include <stdbool.h>

#include "base/buf.h"
#include "capture/record.h"
#include "pprof/profile.h"

/* Go's message for a second concurrent CPU profile. */
#define CPROF_CPU_BUSY_MESSAGE "cpu profiling already in use"

/* Installs the signal handler for `signal` unless the host already has one
 * there (then CPU profiling stays off: CPROF_ENOTSUP, said once on stderr).
 * Called once from cprof_start. */
int cprof__cpu_init(int signal);
void cprof__cpu_fini(void);

/* Starts a session at hz. CPROF_EBUSY when one is running,
 * CPROF_ENOTSUP when CPU profiling is off in this process. */
int cprof__cpu_begin(int hz);
/* Ends the running session and returns its profile (caller frees), or NULL
 * with *error set. */
struct cprof__profile *cprof__cpu_end(int *error);
bool cprof__cpu_running(void);
/*
 * CPU sampling for the trace: while held, the timers run (at hz, unless a
 * profile session already runs them) and the samples reach the collector,
 * which gives them to the trace; the profile session, if any, is not
 * affected. Holds nest. CPROF_ENOTSUP when CPU profiling is off.
 */
int cprof__cpu_sampling_hold(int hz);
void cprof__cpu_sampling_release(void);
/* Turns CPU profiling off for good if the host took the signal over since
 * cprof installed its handler (it must not receive our timer signals).
 * Called by the collector on every round. */
void cprof__cpu_check_signal(void);
/* The host is about to change the disposition of our signal: stop sending
 * it, now and for good (the interposed sigaction and signal call this). */
void cprof__cpu_yield_signal(void);

/* The collector hands each CPU record here (collector lock held). */
void cprof__cpu_add_locked(const struct cprof__record *rec);

/* fork: the child has no session (timers are not inherited). */
void cprof__cpu_atfork_prepare(void);
void cprof__cpu_atfork_parent(void);
void cprof__cpu_atfork_child(void);

#endif
