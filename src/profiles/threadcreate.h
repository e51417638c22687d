/*
 * threadcreate.h - the threadcreate profile: the stacks that created the
 * host's threads, one count per thread created since cprof started (Go's
 * shape: sample type threadcreate/count, period 1). cprof's own threads are
 * not counted.
 */
#ifndef CPROF_SRC_PROFILES_THREADCREATE_H
#define CPROF_SRC_PROFILES_THREADCREATE_H

#include "capture/record.h"

/* Registers /debug/pprof/threadcreate. */
void cprof__threadcreate_init(void);
/* The collector hands each thread-creation record here (collector lock). */
void cprof__threadcreate_add_locked(const struct cprof__record *rec);

#endif
