/*
 * threads_tls.h - the thread registry's per-thread variables, shared by
 * threads.c (ordinary code) and threads_as.c (handler code). initial-exec
 * TLS (the build's default model) so that an access never allocates.
 */
#ifndef CPROF_SRC_CAPTURE_THREADS_TLS_H
#define CPROF_SRC_CAPTURE_THREADS_TLS_H

#include <stdatomic.h>
#include <stdint.h>

#include "capture/threads.h"

/* The calling thread's slot once known; NULL otherwise. */
extern __thread struct cprof__thread *cprof__tls_thread;

/* Registry storage, shared with the handler side. The index maps a tid to
 * a slot: open addressing over CPROF_THREADS_INDEX_SIZE entries holding a
 * slot number, THREADS_INDEX_EMPTY or THREADS_INDEX_DELETED. */
#define CPROF_THREADS_INDEX_SIZE (2 * CPROF_MAX_THREADS)
#define THREADS_INDEX_EMPTY (-1)
#define THREADS_INDEX_DELETED (-2)

extern struct cprof__thread *cprof__threads_slots;
extern _Atomic int32_t *cprof__threads_index;

static inline uint32_t cprof__threads_hash(pid_t tid)
{
	return ((uint32_t)tid * 2654435761u) & (CPROF_THREADS_INDEX_SIZE - 1);
}

#endif
