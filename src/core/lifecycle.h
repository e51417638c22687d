/*
 * lifecycle.h - what happens at start, stop, fork and exit, in which order.
 */
#ifndef CPROF_SRC_CORE_LIFECYCLE_H
#define CPROF_SRC_CORE_LIFECYCLE_H

#include "base/config.h"

/* Brings every module up as cfg says; on failure, what started is stopped. */
int cprof__lifecycle_start(const struct cprof__config *cfg);
/* Writes the at-exit profiles and stops every module. */
void cprof__lifecycle_stop(void);
/* At process exit: writes the at-exit profiles only (threads may run on). */
void cprof__lifecycle_exit(void);

/* cprof.c: in a forked child, cprof starts out stopped. */
void cprof__core_atfork_child(void);

#endif
