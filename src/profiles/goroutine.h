/*
 * goroutine.h - the threads profile, served as /debug/pprof/goroutine and
 * /debug/pprof/threads: every live host thread's current stack (Go's
 * goroutine profile shape: goroutine/count, period 1, labels on samples).
 */
#ifndef CPROF_SRC_PROFILES_GOROUTINE_H
#define CPROF_SRC_PROFILES_GOROUTINE_H

/* Registers both names. */
void cprof__goroutine_init(void);

#endif
