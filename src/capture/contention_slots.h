/*
 * contention_slots.h - the table of locks with waiters, shared by
 * contention.c (reset) and contention_as.c (the hooks). Internal to the
 * contention module.
 */
#ifndef CPROF_SRC_CAPTURE_CONTENTION_SLOTS_H
#define CPROF_SRC_CAPTURE_CONTENTION_SLOTS_H

#include <stdatomic.h>
#include <stdint.h>

#include "capture/contention.h"

/*
 * One lock with waiters. Every field but `lock` is protected by `spin`,
 * which is held for a few instructions by hooks on a contended path only.
 * A slot is taken by the first waiter of a lock (lock != 0) and given back
 * by the unlock that finds no waiter left and charges what accumulated.
 */
struct cprof__contention_slot {
	_Alignas(64) _Atomic uintptr_t lock; /* the lock's address; 0: free */
	_Atomic int spin;
	int waiters;      /* threads waiting now */
	int64_t since_ns; /* when `accrued` was last brought up to date */
	int64_t accrued;  /* waiter-ns not yet charged to an unlock */
};

extern struct cprof__contention_slot
	cprof__contention_slots[CPROF_CONTENTION_SLOTS];
/* 1 in this many mutex events recorded (0: off). */
extern _Atomic long cprof__contention_fraction;
/* Block profile rate in ns (0: off). */
extern _Atomic long cprof__contention_rate;
/* Lost events: [0] mutex, [1] block. */
extern _Atomic int64_t cprof__contention_lost_events[2];

#endif
