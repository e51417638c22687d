/*
 * threads.h - the registry of the host's threads.
 *
 * One slot per live thread: its kernel tid, its exact stack range (taken in
 * the pthread_create trampoline, or derived from the memory map for threads
 * cprof did not see born), its CPU timer while a CPU profile runs, and
 * whether it is one of cprof's own threads (never profiled).
 *
 * Slots are claimed and released by ordinary code under the registry lock.
 * A signal handler finds its own slot without a lock: through a TLS pointer,
 * or, for a thread born before cprof started, by probing the tid index
 * (cprof__thread_self_as). A slot is only released after its thread is gone,
 * so a handler never sees its own slot vanish.
 */
#ifndef CPROF_SRC_CAPTURE_THREADS_H
#define CPROF_SRC_CAPTURE_THREADS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "capture/crumb_types.h"
#include "capture/unwind.h"

/* Most threads tracked at once; threads beyond it are not profiled (counted
 * in cprof__threads_overflow). */
#define CPROF_MAX_THREADS 8192

/* Frames kept of the stack that created a thread. */
#define CPROF_THREAD_CREATOR_FRAMES 32

enum cprof__thread_state {
	CPROF_THREAD_FREE = 0,
	CPROF_THREAD_LIVE,
};

struct cprof__thread {
	_Atomic pid_t tid;          /* 0 when free; written under the lock */
	_Atomic int state;          /* enum cprof__thread_state */
	bool internal;              /* a cprof thread: never profiled */
	bool seen_born;             /* born through our pthread_create hook */
	/* Exact stack range when seen_born; otherwise 0 and the handler
	 * derives the range from the memory map. Written before the slot
	 * turns LIVE, read-only afterwards. */
	uintptr_t stack_lo;
	uintptr_t stack_hi;
	/* The CPU timer of the running CPU session; registry lock. */
	bool has_timer;
	timer_t timer;
	/* Its tick timer while young, and the value of its CPU clock where
	 * its youth ends (cpu_timer.h); registry lock, written before
	 * has_timer. */
	bool has_tick_timer;
	timer_t tick_timer;
	int64_t young_until_ns;
	/* Tick time not yet counted as a whole period (cpu_signal_as.c):
	 * set when armed, then only the thread's own handler touches it. */
	int64_t tick_carry_ns;
	/* The blocking call the thread is in, if any (crumb.h). */
	struct cprof__crumb crumb;
	/* The thread's current label set (struct cprof__label_set), published
	 * by the owner whenever it changes, for readers on other threads. */
	_Atomic(const void *) labels;
	/* The creator's stack (return addresses), for the threads dump's
	 * "created by". Owner writes it once after registering, then
	 * publishes created_depth (release). */
	uintptr_t created_by[CPROF_THREAD_CREATOR_FRAMES];
	_Atomic uint32_t created_depth;
	pid_t created_tid;          /* the creating thread; 0 unknown */
	/* A pending one-shot stack sample of this running thread (thread_sample.h):
	 * the sampler sets it, the handler on this thread takes it. */
	_Atomic(void *) sample_req;
};

/* Starts the registry and registers the calling thread. Idempotent. */
int cprof__threads_init(void);
void cprof__threads_fini(void);

/* Registers the calling thread (from the pthread_create trampoline, or the
 * thread that starts cprof). internal marks cprof's own threads. */
struct cprof__thread *cprof__thread_register_self(bool internal);
/* Records, on the calling thread's own slot t, the stack that created it
 * (return addresses, innermost first; at most CPROF_THREAD_CREATOR_FRAMES
 * kept) and the tid of the thread that created it. */
void cprof__thread_set_creator(struct cprof__thread *t, const uintptr_t *pcs,
			       int n, pid_t creator);
/* Unregisters the calling thread (thread exit): stops its timer. */
void cprof__thread_unregister_self(void);

/* Registers every thread in /proc/self/task not known yet (threads born
 * before cprof, or through clone without pthread_create). */
void cprof__threads_scan(void);
/* Releases slots of threads that no longer exist. */
void cprof__threads_reap(void);

/* The calling thread's slot, or NULL when it has none.
 * Async-signal-safe; no lock; caches the result in TLS. */
struct cprof__thread *cprof__thread_self_as(void);
/* The calling thread's readable stack for the walker.
 * Async-signal-safe. */
bool cprof__thread_stack_as(const struct cprof__thread *t, uintptr_t sp,
			    struct cprof__stack_bounds *out);

/* Threads created by this thread between begin and end (and all threads they
 * create) are cprof's own, and named `name` (at most 15 bytes, "cprof-..."),
 * even if the code that creates them names them otherwise. */
void cprof__thread_internal_begin(const char *name);
void cprof__thread_internal_end(void);
/* The name a thread created now by the calling thread must have if it is
 * cprof's own, or NULL when it is the host's. */
const char *cprof__thread_creating_internal(void);
/* The calling thread's name if it is one of cprof's own, else NULL. */
const char *cprof__thread_internal_name(void);
/* Marks the calling thread as cprof's own, named `name` (the trampoline of
 * a thread created between internal_begin and internal_end). */
void cprof__thread_become_internal(const char *name);
static inline bool cprof__thread_is_internal(void)
{
	return cprof__thread_internal_name() != NULL;
}

/* Calls fn on every live, non-internal slot under the registry lock. fn
 * must not register or unregister threads. */
void cprof__threads_each(void (*fn)(struct cprof__thread *t, void *arg),
			 void *arg);

/* fork: the child keeps only the forking thread. */
void cprof__threads_atfork_prepare(void);
void cprof__threads_atfork_parent(void);
void cprof__threads_atfork_child(void);

/* Threads that found the registry full. */
extern _Atomic uint64_t cprof__threads_overflow;

#endif
