/*
 * threads.c - the thread registry, ordinary side (see threads.h).
 *
 * Owns slot claiming and release, the tid index, the scan of
 * /proc/self/task for threads cprof did not see born, and the reaping of
 * threads that are gone. It arms and disarms a thread's CPU timer as the
 * thread comes and goes while a CPU session runs (cpu_timer_linux.c owns the
 * timers themselves). The handler side is threads_as.c.
 *
 * Lock: `threads_lock` protects slot claiming/release, index writes and
 * timer fields. It is never taken in a handler, and nothing that holds it
 * calls into the host.
 */
#include "capture/threads.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "capture/cpu_timer.h"
#include "capture/crumb.h"
#include "capture/labels.h"
#include "capture/stackmap.h"
#include "capture/threads_tls.h"
#include "cprof.h"

#define THREADS_SLOTS_BYTES (sizeof(struct cprof__thread) * CPROF_MAX_THREADS)
#define THREADS_INDEX_BYTES (sizeof(int32_t) * CPROF_THREADS_INDEX_SIZE)

_Static_assert((CPROF_THREADS_INDEX_SIZE & (CPROF_THREADS_INDEX_SIZE - 1)) ==
		       0,
	       "the tid index size must be a power of two");

struct cprof__thread *cprof__threads_slots;
_Atomic int32_t *cprof__threads_index;
_Atomic uint64_t cprof__threads_overflow;

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static int threads_next_free;   /* where the slot search starts; lock */
static int threads_deleted;     /* tombstones in the index; lock */

/* cprof's own threads: the thread's own name if it is one, and the name
 * for the threads it creates between internal_begin and internal_end. */
static __thread const char *threads_self_name;
static __thread const char *threads_creating_name;

static pid_t threads_gettid(void) { return (pid_t)syscall(SYS_gettid); }

static int threads_index_find_locked(pid_t tid)
{
	uint32_t h = cprof__threads_hash(tid);

	for (uint32_t i = 0; i < CPROF_THREADS_INDEX_SIZE; i++) {
		uint32_t at = (h + i) & (CPROF_THREADS_INDEX_SIZE - 1);
		int32_t slot = atomic_load(&cprof__threads_index[at]);

		if (slot == THREADS_INDEX_EMPTY)
			return -1;
		if (slot >= 0 && atomic_load(&cprof__threads_slots[slot].tid) ==
					 tid)
			return (int)at;
	}
	return -1;
}

/* Rebuilds the index without tombstones. A handler probing meanwhile may
 * miss its thread for one sample; it then drops the sample (counted). */
static void threads_index_rebuild_locked(void)
{
	for (uint32_t i = 0; i < CPROF_THREADS_INDEX_SIZE; i++)
		atomic_store(&cprof__threads_index[i], THREADS_INDEX_EMPTY);
	for (int32_t s = 0; s < CPROF_MAX_THREADS; s++) {
		struct cprof__thread *t = &cprof__threads_slots[s];
		uint32_t h;

		if (atomic_load(&t->state) != CPROF_THREAD_LIVE)
			continue;
		h = cprof__threads_hash(atomic_load(&t->tid));
		while (atomic_load(&cprof__threads_index[h]) >= 0)
			h = (h + 1) & (CPROF_THREADS_INDEX_SIZE - 1);
		atomic_store(&cprof__threads_index[h], s);
	}
	threads_deleted = 0;
}

static void threads_index_insert_locked(pid_t tid, int32_t slot)
{
	uint32_t h = cprof__threads_hash(tid);

	while (atomic_load(&cprof__threads_index[h]) >= 0)
		h = (h + 1) & (CPROF_THREADS_INDEX_SIZE - 1);
	if (atomic_load(&cprof__threads_index[h]) == THREADS_INDEX_DELETED)
		threads_deleted--;
	atomic_store_explicit(&cprof__threads_index[h], slot,
			      memory_order_release);
}

static void threads_release_locked(struct cprof__thread *t)
{
	int at = threads_index_find_locked(atomic_load(&t->tid));

	cprof__cpu_timer_disarm_locked(t);
	if (at >= 0) {
		atomic_store(&cprof__threads_index[at], THREADS_INDEX_DELETED);
		if (++threads_deleted > CPROF_THREADS_INDEX_SIZE / 4)
			threads_index_rebuild_locked();
	}
	atomic_store(&t->state, CPROF_THREAD_FREE);
	atomic_store(&t->tid, 0);
}

/* A slot's per-thread state starts empty: no call, no labels, no creator. */
static void threads_slot_clear(struct cprof__thread *t)
{
	cprof__crumb_reset(&t->crumb);
	atomic_store(&t->labels, NULL);
	atomic_store(&t->created_depth, 0);
	atomic_store(&t->sample_req, NULL);
}

/* Claims a slot for tid (replacing a stale slot of a dead thread that had
 * the same tid). NULL when the registry is full. */
static struct cprof__thread *threads_claim_locked(pid_t tid, bool internal,
						  uintptr_t lo, uintptr_t hi)
{
	int at = threads_index_find_locked(tid);
	struct cprof__thread *t = NULL;

	if (at >= 0)
		threads_release_locked(
			&cprof__threads_slots[atomic_load(
				&cprof__threads_index[at])]);
	for (int i = 0; i < CPROF_MAX_THREADS; i++) {
		int s = (threads_next_free + i) % CPROF_MAX_THREADS;

		if (atomic_load(&cprof__threads_slots[s].state) ==
		    CPROF_THREAD_FREE) {
			t = &cprof__threads_slots[s];
			threads_next_free = (s + 1) % CPROF_MAX_THREADS;
			break;
		}
	}
	if (t == NULL) {
		atomic_fetch_add(&cprof__threads_overflow, 1);
		return NULL;
	}
	t->internal = internal;
	t->seen_born = hi != 0;
	t->stack_lo = lo;
	t->stack_hi = hi;
	t->has_timer = false;
	threads_slot_clear(t);
	atomic_store(&t->tid, tid);
	atomic_store_explicit(&t->state, CPROF_THREAD_LIVE,
			      memory_order_release);
	threads_index_insert_locked(tid, (int32_t)(t - cprof__threads_slots));
	if (!internal)
		cprof__cpu_timer_arm_locked(t);
	return t;
}

int cprof__threads_init(void)
{
	pthread_mutex_lock(&threads_lock);
	if (cprof__threads_slots == NULL) {
		cprof__threads_slots = cprof__map(THREADS_SLOTS_BYTES);
		cprof__threads_index = cprof__map(THREADS_INDEX_BYTES);
		if (cprof__threads_slots == NULL ||
		    cprof__threads_index == NULL) {
			cprof__unmap(cprof__threads_slots,
				     THREADS_SLOTS_BYTES);
			cprof__unmap((void *)cprof__threads_index,
				     THREADS_INDEX_BYTES);
			cprof__threads_slots = NULL;
			cprof__threads_index = NULL;
			pthread_mutex_unlock(&threads_lock);
			return CPROF_ENOMEM;
		}
		threads_index_rebuild_locked();
	}
	pthread_mutex_unlock(&threads_lock);
	cprof__stackmap_refresh();
	return 0;
}

void cprof__threads_fini(void)
{
	/* Slots stay mapped: handlers of exiting threads may still look. */
	cprof__stackmap_fini();
}

static void threads_stack_range(uintptr_t *lo, uintptr_t *hi)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	*lo = *hi = 0;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
		*lo = (uintptr_t)addr;
		*hi = (uintptr_t)addr + size;
	}
	pthread_attr_destroy(&attr);
}

/* Keeps the profiling signal away while the calling thread's own slot
 * changes under it. */
static void threads_block_signals(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, saved);
}

struct cprof__thread *cprof__thread_register_self(bool internal)
{
	struct cprof__thread *t;
	uintptr_t lo, hi;
	sigset_t saved;

	if (cprof__threads_slots == NULL)
		return NULL;
	threads_stack_range(&lo, &hi);
	threads_block_signals(&saved);
	pthread_mutex_lock(&threads_lock);
	t = threads_claim_locked(threads_gettid(), internal, lo, hi);
	pthread_mutex_unlock(&threads_lock);
	if (t != NULL)
		atomic_store(&t->labels, cprof__labels_current);
	cprof__tls_thread = t;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return t;
}

void cprof__thread_unregister_self(void)
{
	struct cprof__thread *t = cprof__tls_thread;
	sigset_t saved;

	if (t == NULL)
		return;
	threads_block_signals(&saved);
	cprof__tls_thread = NULL;
	pthread_mutex_lock(&threads_lock);
	if (atomic_load(&t->tid) == threads_gettid())
		threads_release_locked(t);
	pthread_mutex_unlock(&threads_lock);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

void cprof__threads_scan(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;
	bool added = false;

	if (dir == NULL || cprof__threads_slots == NULL) {
		if (dir != NULL)
			closedir(dir);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);

		if (*end != '\0' || tid <= 0)
			continue;
		pthread_mutex_lock(&threads_lock);
		if (threads_index_find_locked((pid_t)tid) < 0) {
			threads_claim_locked((pid_t)tid, false, 0, 0);
			added = true;
		}
		pthread_mutex_unlock(&threads_lock);
	}
	closedir(dir);
	if (added)
		cprof__stackmap_refresh();
}

static bool threads_alive(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	return access(path, F_OK) == 0;
}

void cprof__threads_reap(void)
{
	if (cprof__threads_slots == NULL)
		return;
	for (int s = 0; s < CPROF_MAX_THREADS; s++) {
		struct cprof__thread *t = &cprof__threads_slots[s];
		pid_t tid = atomic_load(&t->tid);

		if (atomic_load(&t->state) != CPROF_THREAD_LIVE ||
		    threads_alive(tid))
			continue;
		pthread_mutex_lock(&threads_lock);
		if (atomic_load(&t->tid) == tid &&
		    atomic_load(&t->state) == CPROF_THREAD_LIVE)
			threads_release_locked(t);
		pthread_mutex_unlock(&threads_lock);
	}
}

void cprof__threads_each(void (*fn)(struct cprof__thread *t, void *arg),
			 void *arg)
{
	if (cprof__threads_slots == NULL)
		return;
	pthread_mutex_lock(&threads_lock);
	for (int s = 0; s < CPROF_MAX_THREADS; s++) {
		struct cprof__thread *t = &cprof__threads_slots[s];

		if (atomic_load(&t->state) == CPROF_THREAD_LIVE &&
		    !t->internal)
			fn(t, arg);
	}
	pthread_mutex_unlock(&threads_lock);
}

void cprof__thread_internal_begin(const char *name)
{
	threads_creating_name = name;
}

void cprof__thread_internal_end(void) { threads_creating_name = NULL; }

const char *cprof__thread_creating_internal(void)
{
	return threads_self_name ? threads_self_name : threads_creating_name;
}

const char *cprof__thread_internal_name(void) { return threads_self_name; }

void cprof__thread_become_internal(const char *name)
{
	threads_self_name = name;
	prctl(PR_SET_NAME, name, 0, 0, 0);
}

void cprof__threads_atfork_prepare(void) { pthread_mutex_lock(&threads_lock); }

void cprof__threads_atfork_parent(void)
{
	pthread_mutex_unlock(&threads_lock);
}

/* Only the forking thread lives on in the child, and POSIX timers are not
 * inherited: every other slot is released and no slot has a timer. */
void cprof__threads_atfork_child(void)
{
	struct cprof__thread *self = cprof__tls_thread;

	pthread_mutex_init(&threads_lock, NULL);
	if (cprof__threads_slots == NULL)
		return;
	for (int s = 0; s < CPROF_MAX_THREADS; s++) {
		struct cprof__thread *t = &cprof__threads_slots[s];

		t->has_timer = false;
		if (t != self) {
			threads_slot_clear(t);
			atomic_store(&t->state, CPROF_THREAD_FREE);
			atomic_store(&t->tid, 0);
		}
	}
	if (self != NULL)
		atomic_store(&self->tid, threads_gettid());
	threads_index_rebuild_locked();
}

void cprof__thread_set_creator(struct cprof__thread *t, const uintptr_t *pcs,
			       int n, pid_t creator)
{
	t->created_tid = creator;
	if (n > CPROF_THREAD_CREATOR_FRAMES)
		n = CPROF_THREAD_CREATOR_FRAMES;
	for (int i = 0; i < n; i++)
		t->created_by[i] = pcs[i];
	atomic_store_explicit(&t->created_depth, (uint32_t)(n > 0 ? n : 0),
			      memory_order_release);
}
