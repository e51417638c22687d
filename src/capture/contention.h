/*
 * contention.h - what the synchronisation hooks (hooks/sync.c) record for
 * the mutex and block profiles.
 *
 * Block: every wait a hook times (contended lock, condition variable,
 * join, semaphore, barrier) is an event of its duration, sampled with Go's
 * SetBlockProfileRate rule and recorded with the waiter's stack.
 *
 * Mutex: the delay waiters suffer is charged to the thread that held the
 * lock, at its unlock (Go's meaning). A lock with waiters has a slot in a
 * small table keyed by its address, which integrates the number of waiters
 * over time (waiter-nanoseconds); each unlock takes what accumulated since
 * the previous one, so a lock held 1 s with 5 waiters charges 5 s to the
 * unlock that ended the hold. Events are sampled 1 in `fraction` (Go's
 * SetMutexProfileFraction).
 *
 * The fast paths read two words: cprof__contention_on (is any of the two
 * profiles on) in lock hooks, cprof__contention_pending (does any lock have
 * a slot) in unlock hooks. Everything else runs only on a contended path.
 */
#ifndef CPROF_SRC_CAPTURE_CONTENTION_H
#define CPROF_SRC_CAPTURE_CONTENTION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Locks that can have waiters tracked at once; a lock whose slot is taken
 * by another lock is not tracked (its delay is counted as lost). */
#define CPROF_CONTENTION_SLOTS 4096
/* Block records carry counts in thousandths (Go keeps them as floats:
 * an event of a tenth of the rate stands for 10 events). */
#define CPROF_BLOCK_COUNT_SCALE 1000

#define CPROF_CONTENTION_MUTEX 0x1
#define CPROF_CONTENTION_BLOCK 0x2
/* Always set while cprof runs: the hooks time and mark every wait for the
 * other consumers of waits (breadcrumbs, the trace, the wall profile). */
#define CPROF_CONTENTION_WAITS 0x4

/* CPROF_CONTENTION_* bits of the profiles on. Atomic, relaxed. */
extern __attribute__((visibility("hidden"))) _Atomic int cprof__contention_on;
/* Slots in use: while 0, no unlock has anything to charge. Atomic. */
extern __attribute__((visibility("hidden"))) _Atomic int
	cprof__contention_pending;

/* Starts recording: mutex events 1 in fraction (0: off), block events
 * at Go's rate in ns (0: off). Not thread-safe against itself. */
void cprof__contention_start(long mutex_fraction, long block_rate);
void cprof__contention_stop(void);
long cprof__contention_mutex_fraction(void);
long cprof__contention_block_rate(void);
/* Events that could not be recorded (ring full, lock not tracked). */
int64_t cprof__contention_lost(int which);
/* The child after fork: the parent's waiters do not exist there. */
void cprof__contention_atfork_child(void);

/* One wait in progress, on the waiter's stack. */
struct cprof__wait {
	int64_t start_ns;
	int slot;     /* the lock's slot, or -1 */
	uintptr_t ra; /* where the host called the hook */
};

/*
 * The two points of every wait. begin: before the real call blocks; `lock`
 * is the mutex or rwlock whose waiters the mutex profile counts, or NULL.
 * end: after it returned; `waited` says whether it was a wait the block
 * profile counts (it returned success, a timeout or EOWNERDEAD, not an
 * error found before waiting). end returns the time it read (cprof__now_ns),
 * the wait's end for the trace. Hook context; no lock, no allocation.
 */
void cprof__wait_begin_as(struct cprof__wait *w, const void *lock,
			  uintptr_t ra);
int64_t cprof__wait_end_as(struct cprof__wait *w, bool waited);

/* Before the real unlock of `lock`: the delay to charge to this unlock
 * (0 when nobody waited). Hook context. */
int64_t cprof__contention_charge_as(const void *lock);
/* After the real unlock: samples and records a charged delay with the
 * stack of the code at ra. Hook context. */
void cprof__contention_mutex_event_as(int64_t delay_ns, uintptr_t ra);

#endif
