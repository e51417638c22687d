/*
 * thread_dump.h - every live host thread's state and current stack, taken
 * without signalling any thread that may be blocked (the threads profile,
 * served as /debug/pprof/goroutine).
 *
 * Each thread is handled in this order (reference/blocked-threads.md §9):
 *  1. inside a wrapped blocking call (a breadcrumb, capture/crumb.h): its
 *     stack is walked from the caller's registers over a copy of its stack;
 *  2. blocked outside any wrapper (/proc/self/task/TID/syscall shows a
 *     syscall): walked from that file's sp and pc with the unwind tables;
 *  3. running: one-shot timer on its own CPU clock (thread_sample.h), a
 *     bounded wait, then 1 or 2 again for the threads that blocked
 *     meanwhile; the rest are "runnable, no sample".
 * No thread is ever sent a signal it could receive while blocked, so no
 * call returns EINTR and no sleep is cut short because of a dump.
 *
 * Ordinary threads only; one dump at a time per caller (no shared state).
 */
#ifndef CPROF_SRC_PROFILES_THREAD_DUMP_H
#define CPROF_SRC_PROFILES_THREAD_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture/threads.h"
#include "capture/unwind.h"

/* The longest a dump waits for running threads to be sampled. */
#define CPROF_THREAD_DUMP_SAMPLE_WAIT_MS 20
/* Most bytes of a thread's stack copied to walk it. */
#define CPROF_THREAD_DUMP_STACK_BYTES (256 * 1024)

enum cprof__thread_dump_state {
	CPROF_TD_WRAPPED,  /* blocked in the wrapped call `call` */
	CPROF_TD_SYSCALL,  /* blocked in syscall `syscall_nr`, not wrapped */
	CPROF_TD_RUNNING,  /* sampled while running */
	CPROF_TD_RUNNABLE, /* running, but not sampled within the wait */
};

struct cprof__thread_dump_entry {
	pid_t tid;
	char name[16];          /* /proc/self/task/TID/comm */
	int state;              /* enum cprof__thread_dump_state */
	const char *call;       /* CPROF_TD_WRAPPED */
	long syscall_nr;        /* CPROF_TD_SYSCALL */
	int64_t wait_ns;        /* CPROF_TD_WRAPPED: time in the call */
	const void *labels;     /* struct cprof__label_set, or NULL */
	int depth;              /* pcs; 0 when no stack could be taken */
	bool leaf_is_return;    /* pcs[0] is a return address too */
	bool truncated;         /* the walk did not reach the root */
	uintptr_t pcs[CPROF_MAX_FRAMES];
	int created_depth;      /* 0: not born through pthread_create */
	pid_t created_tid;      /* the creating thread */
	uintptr_t created_by[CPROF_THREAD_CREATOR_FRAMES];
};

struct cprof__thread_dump {
	size_t n;
	struct cprof__thread_dump_entry *e;
};

/* Takes a dump of every live non-internal thread into d (allocated; free
 * with cprof__thread_dump_fini). 0 or CPROF_E*. */
int cprof__thread_dump_take(struct cprof__thread_dump *d);
void cprof__thread_dump_fini(struct cprof__thread_dump *d);
/* The number of live non-internal threads (the index page's count). */
long cprof__thread_dump_count(void);
/*
 * One thread by methods 1 and 2 only (no signal, no wait), for samplers
 * that look at the threads again and again (the wall profile): true when
 * t, whose tid is tid, is blocked; then e holds its state, call and stack
 * (name, labels and creator are left as they were). scratch holds
 * CPROF_THREAD_DUMP_STACK_BYTES bytes.
 */
bool cprof__thread_dump_blocked(struct cprof__thread *t, pid_t tid,
				unsigned char *scratch,
				struct cprof__thread_dump_entry *e);

#endif
