/*
 * crumb.h - breadcrumbs: what a thread leaves behind while it blocks.
 *
 * Every interposed blocking call (the sleep, poll, read, accept... wrappers
 * in src/hooks/blocking.c, and the mutex, cond, sem and join hooks) brackets
 * the real call with enter and leave:
 *
 *	struct cprof__thread *t = CPROF_CRUMB_ENTER("epoll_wait");
 *	rc = real_epoll_wait(...);
 *	saved = errno;
 *	cprof__crumb_leave_as(t);
 *	errno = saved;
 *
 * While the thread is inside, another thread (the threads profile, a wall
 * clock sampler) can read the call's name, how long it has been in it, and
 * walk its stack from the caller's registers, without ever signalling it
 * (a signal makes epoll_wait, poll, nanosleep... return EINTR, and cuts
 * sleep() short: reference/blocked-threads.md). The layout and the seqlock
 * protocol are in crumb_types.h; readers use cprof__crumb_read.
 *
 * CPROF_CRUMB_ENTER MUST be used in the hook itself (not in a helper it
 * calls): it takes the hook's own frame, which -fno-omit-frame-pointer
 * gives every cprof function, to find the caller's pc, sp and rbp. Nested
 * wrapped calls (a host signal handler that calls read while the thread
 * sleeps) keep the outermost crumb.
 *
 * Cost: while cprof is stopped, one relaxed flag load; while it runs, a
 * TLS load, a load of the published clock and six plain stores in, one
 * store out (2.6–3.2 ns in all here: docs/PERFORMANCE.md). Async-signal-safe,
 * never allocates, never blocks.
 */
#ifndef CPROF_SRC_CAPTURE_CRUMB_H
#define CPROF_SRC_CAPTURE_CRUMB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/crumb_types.h"
#include "capture/threads_tls.h"

/* Read by every enter, written rarely: one cache line of its own. on: crumbs
 * are left only while cprof runs. clock_ns: CLOCK_MONOTONIC_COARSE as the
 * collector last published it (every CPROF_COLLECT_INTERVAL_MS, 50 ms):
 * reading even the coarse clock costs 6 ns here (vDSO), twice all the
 * rest of enter and leave, so a crumb's start time is known to within
 * that interval. */
struct cprof__crumb_shared {
	_Atomic bool on;
	_Atomic int64_t clock_ns;
} __attribute__((aligned(64)));
extern struct cprof__crumb_shared cprof__crumbs;

/* The calling thread's slot when the TLS pointer is not set yet (a thread
 * born before cprof). Async-signal-safe. */
struct cprof__thread *cprof__crumb_slot_as(void);

static inline __attribute__((always_inline)) struct cprof__thread *
cprof__crumb_enter_as(const char *call, const uintptr_t *frame)
{
	struct cprof__thread *t;
	struct cprof__crumb *c;
	uint32_t seq;

	if (!atomic_load_explicit(&cprof__crumbs.on, memory_order_relaxed))
		return NULL;
	t = cprof__tls_thread;
	if (__builtin_expect(t == NULL, 0) &&
	    (t = cprof__crumb_slot_as()) == NULL)
		return NULL;
	c = &t->crumb;
	if (c->depth++ != 0)
		return t;
	atomic_store_explicit(&c->call, call, memory_order_relaxed);
	atomic_store_explicit(&c->fp, frame[0], memory_order_relaxed);
	atomic_store_explicit(&c->pc, frame[1], memory_order_relaxed);
	atomic_store_explicit(&c->sp, (uintptr_t)(frame + 2),
			      memory_order_relaxed);
	atomic_store_explicit(&c->start_ns,
			      atomic_load_explicit(&cprof__crumbs.clock_ns,
						   memory_order_relaxed),
			      memory_order_relaxed);
	seq = atomic_load_explicit(&c->seq, memory_order_relaxed);
	atomic_store_explicit(&c->seq, seq | 1, memory_order_release);
	return t;
}

/* Enters a crumb named call for the hook this is written in. */
#define CPROF_CRUMB_ENTER(call)                                               \
	cprof__crumb_enter_as((call),                                         \
			      (const uintptr_t *)__builtin_frame_address(0))

/* Leaves the crumb entered with the slot t (NULL: nothing was entered).
 * Touches no errno. */
static inline __attribute__((always_inline)) void
cprof__crumb_leave_as(struct cprof__thread *t)
{
	uint32_t seq;

	/* depth 0: a crumb entered before a fork in a signal handler, reset in
	 * the child; nothing to leave. */
	if (t == NULL || t->crumb.depth == 0 || --t->crumb.depth != 0)
		return;
	seq = atomic_load_explicit(&t->crumb.seq, memory_order_relaxed);
	atomic_store_explicit(&t->crumb.seq, seq + 1, memory_order_release);
}

/* A consistent copy of a crumb, for readers. */
struct cprof__crumb_view {
	uint32_t seq;
	const char *call;
	uintptr_t pc, sp, fp;
	int64_t start_ns;
};

/* Reads t's crumb: true when t is inside a wrapped call (then *out holds
 * its fields). Check afterwards with cprof__crumb_still that the call was
 * not left meanwhile. Any thread; async-signal-safe. */
bool cprof__crumb_read(const struct cprof__thread *t,
		       struct cprof__crumb_view *out);
/* True when t is still inside the call that cprof__crumb_read saw. */
bool cprof__crumb_still(const struct cprof__thread *t,
			const struct cprof__crumb_view *v);
/* Nanoseconds since v's call began, to within the clock's interval. */
int64_t cprof__crumb_age_ns(const struct cprof__crumb_view *v);
/* Publishes the coarse clock for enter (the collector, every interval). */
void cprof__crumbs_tick(void);

/* Turns crumbs on (cprof starts) or off (cprof stops). */
void cprof__crumbs_enable(bool on);
/* A new or reused slot, and the forking thread in a child: no call. */
void cprof__crumb_reset(struct cprof__crumb *c);

#endif
