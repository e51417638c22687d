/*
 * stackmap.h - readable, writable memory regions of the process, for the
 * stacks of threads cprof did not see born.
 *
 * A thread created through our pthread_create hook records its exact stack
 * range. For the others (threads that existed before cprof started, threads
 * from raw clone) a handler bounds its reads by the region of the memory map
 * that contains its stack pointer: a stack is one private writable mapping,
 * and reads from sp up to that mapping's end cannot fault.
 *
 * The snapshot is rebuilt by ordinary code and published with an atomic
 * pointer swap; a retired snapshot is freed once no handler reads it.
 */
#ifndef CPROF_SRC_CAPTURE_STACKMAP_H
#define CPROF_SRC_CAPTURE_STACKMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Most regions kept in one snapshot; more are ignored (their threads'
 * samples then have only their leaf). */
#define CPROF_STACKMAP_MAX_REGIONS 65536

/* Rebuilds the snapshot from /proc/self/maps. Ordinary threads only. */
int cprof__stackmap_refresh(void);
void cprof__stackmap_fini(void);

/* The writable region containing sp: [*lo, *hi). Async-signal-safe. */
bool cprof__stackmap_find_as(uintptr_t sp, uintptr_t *lo, uintptr_t *hi);

#endif
