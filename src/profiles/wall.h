/*
 * wall.h - the wall-clock profile (/debug/pprof/wall?seconds=N): every host
 * thread sampled at a wall-clock rate whether it runs or waits, so that
 * time spent blocked (on a lock, in poll, in read) shows up where a CPU
 * profile is blind. Go has no such profile; this one is cprof's addition.
 *
 * One session at a time, as for the CPU profile. A sampler thread of
 * cprof's own ticks at hz; on each tick every host thread counts one tick
 * on its current stack, found without ever signalling a blocked thread
 * (profiles/thread_dump.h's methods 1 and 2: breadcrumbs, /proc), with the
 * stack walked once per blocking episode and cached; a running thread is
 * sampled by a one-shot timer on its own CPU clock (capture/thread_sample.h).
 * docs/internals/wall.md has the details and the costs.
 *
 * The profile: sample types samples/count and wall/nanoseconds, period
 * type wall/nanoseconds, period 1e9/hz; samples carry the thread's labels.
 * Ordinary threads only (takes locks, allocates).
 */
#ifndef CPROF_SRC_PROFILES_WALL_H
#define CPROF_SRC_PROFILES_WALL_H

#include "pprof/profile.h"

/* The message for a second concurrent wall profile (as Go's CPU one). */
#define CPROF_WALL_BUSY_MESSAGE "wall profiling already in use"
/* A thread that was running but whose one-shot sample did not come in
 * time (not scheduled): its tick is charged to this frame. */
#define CPROF_WALL_NO_SAMPLE_FRAME "[cprof] runnable, no sample"

/* The rate of the next sessions (CPROF_WALL_HZ; cprof_start). */
void cprof__wall_configure(int hz);
/* Starts a session. CPROF_EBUSY when one runs, CPROF_ENOMEM. */
int cprof__wall_begin(void);
/* Ends the running session and returns its profile (caller frees), or
 * NULL with *error set (CPROF_ESTATE when none runs). */
struct cprof__profile *cprof__wall_end(int *error);
/* cprof_stop: ends a running session and drops its profile. */
void cprof__wall_fini(void);
/* The child after fork: the sampler thread is not there; no session runs
 * (the parent's state is left to it, not freed). */
void cprof__wall_atfork_child(void);

#endif
