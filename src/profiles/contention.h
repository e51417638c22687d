/*
 * contention.h - the mutex and block profiles (/debug/pprof/mutex and
 * /debug/pprof/block): what capture/contention.h records, in Go's shape.
 */
#ifndef CPROF_SRC_PROFILES_CONTENTION_H
#define CPROF_SRC_PROFILES_CONTENTION_H

#include "capture/record.h"

/* Registers /debug/pprof/block and /debug/pprof/mutex. */
void cprof__contention_init(void);
/* The collector hands each mutex and block record here (collector lock). */
void cprof__contention_add_locked(const struct cprof__record *rec);

#endif
