/*
 * sync.c - the interposed waits of pthread and semaphores, for the mutex
 * and block profiles (capture/contention.h says what is recorded).
 *
 * A mutex lock first reads the mutex's lock word (glibc: 0 when free) and
 * jumps to the real lock when it is free: an uncontended lock costs two
 * loads and a jump more than without cprof. A mutex that looks taken, and
 * every rwlock acquisition, tries the real trylock, and only a lock found
 * taken is timed, with its wait counted for
 * the block profile and its waiters for the mutex profile. Unlocks read one
 * word (are any waiters tracked at all) before the real unlock. Condition
 * variables, joins, semaphores and barriers are timed whole; a semaphore
 * is tried first (sem_trywait) so that a wait that does not block is not
 * an event. trylock never waits and is not interposed.
 *
 * The host sees what it would see without us: trylock and lock agree on
 * every outcome but a taken lock (EBUSY, then the real lock answers),
 * timed and clock variants whose checks come before any attempt (clock id,
 * timeout) get them before we try, and errno is restored around our work.
 * While profiling is off, on cprof's own threads and on re-entry (cprof's
 * own code takes pthread mutexes) everything passes straight through.
 *
 * Each hook has one begin and one end of its wait (cprof__wait_begin_as,
 * cprof__wait_end_as), in a helper the hook reaches by a tail call (SYNC_WAIT
 * below): a breadcrumb for the time the real call blocks (the threads and
 * wall profiles name the call and walk the waiter's stack from it) and a
 * trace wait interval timed by the same two clock reads.
 *
 * pthread_cond_wait and pthread_cond_timedwait have two versions in glibc;
 * ours are GLIBC_2.3.2 (libcprof.map) and call that version, so programs
 * built for the old condition variables keep the old functions.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "base/reentry.h"
#include "capture/contention.h"
#include "capture/crumb.h"
#include "cprof.h"
#include "hooks/hooks.h"
#include "trace/trace.h"

typedef int (*sync_mutex_fn)(pthread_mutex_t *);
typedef int (*sync_rwlock_fn)(pthread_rwlock_t *);
typedef int (*sync_sem_fn)(sem_t *);

static int sync_stub_mutex_lock(pthread_mutex_t *m);
static int sync_stub_mutex_trylock(pthread_mutex_t *m);
static int sync_stub_mutex_unlock(pthread_mutex_t *m);
static int sync_stub_rdlock(pthread_rwlock_t *l);
static int sync_stub_tryrdlock(pthread_rwlock_t *l);
static int sync_stub_wrlock(pthread_rwlock_t *l);
static int sync_stub_trywrlock(pthread_rwlock_t *l);
static int sync_stub_rwlock_unlock(pthread_rwlock_t *l);

/* The next definitions. The hot ones start as stubs that resolve them all
 * (no check on the fast paths); the others are resolved before use. */
static struct {
	sync_mutex_fn mutex_lock;
	sync_mutex_fn mutex_trylock;
	sync_mutex_fn mutex_unlock;
	int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*mutex_clocklock)(pthread_mutex_t *, clockid_t,
			       const struct timespec *);
	sync_rwlock_fn rdlock;
	sync_rwlock_fn tryrdlock;
	sync_rwlock_fn wrlock;
	sync_rwlock_fn trywrlock;
	sync_rwlock_fn rwlock_unlock;
	int (*timedrdlock)(pthread_rwlock_t *, const struct timespec *);
	int (*timedwrlock)(pthread_rwlock_t *, const struct timespec *);
	int (*clockrdlock)(pthread_rwlock_t *, clockid_t,
			   const struct timespec *);
	int (*clockwrlock)(pthread_rwlock_t *, clockid_t,
			   const struct timespec *);
	int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *,
			      const struct timespec *);
	int (*cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
			      const struct timespec *);
	int (*join)(pthread_t, void **);
	int (*timedjoin)(pthread_t, void **, const struct timespec *);
	int (*clockjoin)(pthread_t, void **, clockid_t,
			 const struct timespec *);
	sync_sem_fn sem_wait;
	sync_sem_fn sem_trywait;
	int (*sem_timedwait)(sem_t *, const struct timespec *);
	int (*sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
	int (*barrier_wait)(pthread_barrier_t *);
} sync_real = {
	.mutex_lock = sync_stub_mutex_lock,
	.mutex_trylock = sync_stub_mutex_trylock,
	.mutex_unlock = sync_stub_mutex_unlock,
	.rdlock = sync_stub_rdlock,
	.tryrdlock = sync_stub_tryrdlock,
	.wrlock = sync_stub_wrlock,
	.trywrlock = sync_stub_trywrlock,
	.rwlock_unlock = sync_stub_rwlock_unlock,
};
static _Atomic bool sync_resolved;

/* The GLIBC_2.3.2 condition variables when there are two versions. */
static void *sync_next_cond(const char *name)
{
	void *fn = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");

	return fn != NULL ? fn : dlsym(RTLD_NEXT, name);
}

#define SYNC_NEXT(field, name) (*(void **)&sync_real.field = dlsym(RTLD_NEXT, name))
/* A stubbed function stays its stub (which fails) when not found. */
#define SYNC_NEXT_HOT(field, name)                                            \
	do {                                                                  \
		void *fn_ = dlsym(RTLD_NEXT, name);                           \
		if (fn_ != NULL)                                              \
			*(void **)&sync_real.field = fn_;                     \
	} while (0)

/*
 * Looks every next definition up. dlsym takes the loader's lock, which
 * glibc takes with its internal mutex functions, not through these hooks;
 * concurrent resolutions store the same values. A function that is not
 * found stays a stub or NULL: its hook then fails with ENOSYS.
 */
static void sync_resolve(void)
{
	int saved_errno = errno;

	SYNC_NEXT(mutex_timedlock, "pthread_mutex_timedlock");
	SYNC_NEXT(mutex_clocklock, "pthread_mutex_clocklock");
	SYNC_NEXT(timedrdlock, "pthread_rwlock_timedrdlock");
	SYNC_NEXT(timedwrlock, "pthread_rwlock_timedwrlock");
	SYNC_NEXT(clockrdlock, "pthread_rwlock_clockrdlock");
	SYNC_NEXT(clockwrlock, "pthread_rwlock_clockwrlock");
	*(void **)&sync_real.cond_wait = sync_next_cond("pthread_cond_wait");
	*(void **)&sync_real.cond_timedwait =
		sync_next_cond("pthread_cond_timedwait");
	SYNC_NEXT(cond_clockwait, "pthread_cond_clockwait");
	SYNC_NEXT(join, "pthread_join");
	SYNC_NEXT(timedjoin, "pthread_timedjoin_np");
	SYNC_NEXT(clockjoin, "pthread_clockjoin_np");
	SYNC_NEXT(sem_wait, "sem_wait");
	SYNC_NEXT(sem_trywait, "sem_trywait");
	SYNC_NEXT(sem_timedwait, "sem_timedwait");
	SYNC_NEXT(sem_clockwait, "sem_clockwait");
	SYNC_NEXT(barrier_wait, "pthread_barrier_wait");
	/* The stubs' functions last: once they are real, all are known. */
	SYNC_NEXT_HOT(mutex_trylock, "pthread_mutex_trylock");
	SYNC_NEXT_HOT(mutex_unlock, "pthread_mutex_unlock");
	SYNC_NEXT_HOT(tryrdlock, "pthread_rwlock_tryrdlock");
	SYNC_NEXT_HOT(trywrlock, "pthread_rwlock_trywrlock");
	SYNC_NEXT_HOT(rdlock, "pthread_rwlock_rdlock");
	SYNC_NEXT_HOT(wrlock, "pthread_rwlock_wrlock");
	SYNC_NEXT_HOT(rwlock_unlock, "pthread_rwlock_unlock");
	SYNC_NEXT_HOT(mutex_lock, "pthread_mutex_lock");
	atomic_store(&sync_resolved, true);
	errno = saved_errno;
}

static inline void sync_ready(void)
{
	if (!atomic_load_explicit(&sync_resolved, memory_order_acquire))
		sync_resolve();
}

#define SYNC_STUB(fn, type, field)                                            \
	static int fn(type *p)                                                \
	{                                                                     \
		sync_resolve();                                               \
		return sync_real.field != fn ? sync_real.field(p) : ENOSYS;   \
	}
SYNC_STUB(sync_stub_mutex_lock, pthread_mutex_t, mutex_lock)
SYNC_STUB(sync_stub_mutex_trylock, pthread_mutex_t, mutex_trylock)
SYNC_STUB(sync_stub_mutex_unlock, pthread_mutex_t, mutex_unlock)
SYNC_STUB(sync_stub_rdlock, pthread_rwlock_t, rdlock)
SYNC_STUB(sync_stub_tryrdlock, pthread_rwlock_t, tryrdlock)
SYNC_STUB(sync_stub_wrlock, pthread_rwlock_t, wrlock)
SYNC_STUB(sync_stub_trywrlock, pthread_rwlock_t, trywrlock)
SYNC_STUB(sync_stub_rwlock_unlock, pthread_rwlock_t, rwlock_unlock)

static inline bool sync_on(void)
{
	return atomic_load_explicit(&cprof__contention_on,
				    memory_order_relaxed) != 0;
}

/* True when the hook must only call through: profiling off, re-entry from
 * cprof (or one of cprof's threads, whose guard is always up). */
static inline bool sync_passthrough(void)
{
	return !sync_on() || cprof__reentry_active();
}

/* A lock acquisition that waited, with what the block profile counts. */
static inline bool sync_lock_waited(int rc)
{
	return rc == 0 || rc == ETIMEDOUT || rc == EOWNERDEAD;
}

/* Timeouts the real functions reject before trying (glibc: rwlocks and
 * clock variants check first); with those we must not try first. */
static bool sync_timeout_valid(clockid_t clock, const struct timespec *t)
{
	return t != NULL && t->tv_nsec >= 0 && t->tv_nsec < 1000000000 &&
	       (clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC);
}

/* Which of a function's forms a shared wait helper calls: plain, with an
 * absolute CLOCK_REALTIME timeout, or with a clock and a timeout. */
enum sync_variant { SYNC_PLAIN, SYNC_TIMED, SYNC_CLOCK };

#define SYNC_RA() ((uintptr_t)__builtin_return_address(0))

/*
 * The two ends of a wait, in the helpers below (which the hooks reach by a
 * tail call: their own return address is then the host's call site ra).
 * Begin leaves a breadcrumb named call, taken from the helper's frame, so
 * it starts at the host's call site; a build where the hook did not make
 * the tail call (the frame above would be the hook's) leaves none rather
 * than a wrong one. End records the trace's wait interval with the two
 * times the contention code read (its stack starts at the helper's caller,
 * the host's call site), then leaves the crumb.
 */
#define SYNC_WAIT_BEGIN(w, lock, ra, call)                                    \
	struct cprof__thread *sync_crumb_ =                                   \
		__builtin_return_address(0) == (void *)(ra)                   \
			? CPROF_CRUMB_ENTER(call)                             \
			: NULL;                                               \
	cprof__wait_begin_as((w), (lock), (ra))
#define SYNC_WAIT_END(w, waited, call)                                        \
	do {                                                                  \
		int64_t end_ = cprof__wait_end_as((w), (waited));             \
		if (cprof__trace_on())                                        \
			cprof__trace_wait_interval(                           \
				CPROF_TRACE_WAIT_LOCK |                       \
					CPROF_TRACE_WAIT_STATIC_NAME,         \
				(call), (w)->start_ns, end_,                  \
				__builtin_frame_address(0));                  \
		cprof__crumb_leave_as(sync_crumb_);                           \
	} while (0)

/* ---- mutexes ---- */

static __attribute__((noinline)) int
sync_mutex_wait(pthread_mutex_t *m, clockid_t clock, const struct timespec *t,
		enum sync_variant kind, uintptr_t ra)
{
	struct cprof__wait w;
	int saved_errno = errno, rc;

	static const char *const calls[] = {"pthread_mutex_lock",
					    "pthread_mutex_timedlock",
					    "pthread_mutex_clocklock"};
	SYNC_WAIT_BEGIN(&w, m, ra, calls[kind]);
	if (kind == SYNC_PLAIN)
		rc = sync_real.mutex_lock(m);
	else if (kind == SYNC_TIMED)
		rc = sync_real.mutex_timedlock(m, t);
	else
		rc = sync_real.mutex_clocklock(m, clock, t);
	SYNC_WAIT_END(&w, sync_lock_waited(rc), calls[kind]);

	errno = saved_errno;
	return rc;
}

/*
 * True when the mutex may be taken. glibc's lock word (the first int of
 * every kind of mutex) is 0 exactly when the mutex is free; a relaxed load
 * of it, a line the lock is about to write anyway, is all an uncontended
 * lock pays for profiling. Elsewhere: always "may be".
 *
 * XXX: a mutex taken by another thread between this load and the real
 * lock's own compare-and-swap (a window of a few instructions) blocks
 * untimed: that contention is missed, not misattributed. Trying the lock
 * first would close the window at twice the added cost (docs/
 * PERFORMANCE.md); the profiles are samples either way.
 */
static inline bool sync_mutex_maybe_taken(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	return __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) != 0;
#else
	return true;
#endif
}

/* The mutex looked taken: try it, and time the wait if it still is. */
static __attribute__((noinline)) int sync_mutex_lock_slow(pthread_mutex_t *m,
							 uintptr_t ra)
{
	int rc = sync_real.mutex_trylock(m);

	if (rc != EBUSY)
		return rc;
	if (cprof__reentry_active())
		return sync_real.mutex_lock(m);
	return sync_mutex_wait(m, CLOCK_REALTIME, NULL, SYNC_PLAIN, ra);
}

/* Frameless, like the malloc hooks: a free mutex costs two loads and a
 * jump to the real lock. */
CPROF_API int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (!sync_on() || !sync_mutex_maybe_taken(m))
		return sync_real.mutex_lock(m);
	return sync_mutex_lock_slow(m, SYNC_RA());
}

CPROF_API int pthread_mutex_timedlock(pthread_mutex_t *m,
				      const struct timespec *t)
{
	int rc;

	sync_ready();
	if (sync_real.mutex_timedlock == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.mutex_timedlock(m, t);
	rc = sync_real.mutex_trylock(m);
	if (rc != EBUSY)
		return rc;
	return sync_mutex_wait(m, CLOCK_REALTIME, t, SYNC_TIMED, SYNC_RA());
}

CPROF_API int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
				      const struct timespec *t)
{
	int rc;

	sync_ready();
	if (sync_real.mutex_clocklock == NULL)
		return ENOSYS;
	if (sync_passthrough() || !sync_timeout_valid(clock, t))
		return sync_real.mutex_clocklock(m, clock, t);
	rc = sync_real.mutex_trylock(m);
	if (rc != EBUSY)
		return rc;
	return sync_mutex_wait(m, clock, t, SYNC_CLOCK, SYNC_RA());
}

/* Charges the waiters' delay to this unlock (taken before the real unlock,
 * recorded after it, so the waiters do not wait for our stack walk). */
static __attribute__((noinline)) int
sync_unlock_charged(void *lock, int (*unlock)(void *), uintptr_t ra)
{
	int saved_errno = errno, rc;
	int64_t delay = cprof__reentry_active()
				? 0
				: cprof__contention_charge_as(lock);

	rc = unlock(lock);
	if (delay > 0 && rc == 0)
		cprof__contention_mutex_event_as(delay, ra);
	errno = saved_errno;
	return rc;
}

static int sync_mutex_unlock_fn(void *m)
{
	return sync_real.mutex_unlock(m);
}

CPROF_API int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (__builtin_expect(atomic_load_explicit(&cprof__contention_pending,
						  memory_order_relaxed) == 0,
			     1))
		return sync_real.mutex_unlock(m);
	return sync_unlock_charged(m, sync_mutex_unlock_fn, SYNC_RA());
}

/* ---- rwlocks ---- */

enum sync_rw_kind {
	SYNC_RD,
	SYNC_WR,
	SYNC_TIMED_RD,
	SYNC_TIMED_WR,
	SYNC_CLOCK_RD,
	SYNC_CLOCK_WR,
};

static int sync_rw_call(pthread_rwlock_t *l, enum sync_rw_kind kind,
			clockid_t clock, const struct timespec *t)
{
	switch (kind) {
	case SYNC_RD:
		return sync_real.rdlock(l);
	case SYNC_WR:
		return sync_real.wrlock(l);
	case SYNC_TIMED_RD:
		return sync_real.timedrdlock(l, t);
	case SYNC_TIMED_WR:
		return sync_real.timedwrlock(l, t);
	case SYNC_CLOCK_RD:
		return sync_real.clockrdlock(l, clock, t);
	default:
		return sync_real.clockwrlock(l, clock, t);
	}
}

static __attribute__((noinline)) int
sync_rw_wait(pthread_rwlock_t *l, enum sync_rw_kind kind, clockid_t clock,
	     const struct timespec *t, uintptr_t ra)
{
	struct cprof__wait w;
	int saved_errno = errno, rc;

	static const char *const calls[] = {
		[SYNC_RD] = "pthread_rwlock_rdlock",
		[SYNC_WR] = "pthread_rwlock_wrlock",
		[SYNC_TIMED_RD] = "pthread_rwlock_timedrdlock",
		[SYNC_TIMED_WR] = "pthread_rwlock_timedwrlock",
		[SYNC_CLOCK_RD] = "pthread_rwlock_clockrdlock",
		[SYNC_CLOCK_WR] = "pthread_rwlock_clockwrlock",
	};
	SYNC_WAIT_BEGIN(&w, l, ra, calls[kind]);
	rc = sync_rw_call(l, kind, clock, t);
	SYNC_WAIT_END(&w, sync_lock_waited(rc), calls[kind]);
	errno = saved_errno;
	return rc;
}

/* Every rwlock acquisition: try first, wait timed if taken. Timeouts the
 * real function would reject go straight to it. */
static inline __attribute__((always_inline)) int
sync_rw_acquire(pthread_rwlock_t *l, enum sync_rw_kind kind, clockid_t clock,
		const struct timespec *t, uintptr_t ra)
{
	bool write = kind == SYNC_WR || kind == SYNC_TIMED_WR ||
		     kind == SYNC_CLOCK_WR;
	bool timed = kind != SYNC_RD && kind != SYNC_WR;
	int rc;

	if (!sync_on() || (timed && !sync_timeout_valid(clock, t)))
		return sync_rw_call(l, kind, clock, t);
	rc = write ? sync_real.trywrlock(l) : sync_real.tryrdlock(l);
	if (__builtin_expect(rc != EBUSY, 1))
		return rc;
	if (cprof__reentry_active())
		return sync_rw_call(l, kind, clock, t);
	return sync_rw_wait(l, kind, clock, t, ra);
}

CPROF_API __attribute__((optimize("omit-frame-pointer"))) int
pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return sync_rw_acquire(l, SYNC_RD, CLOCK_REALTIME, NULL, SYNC_RA());
}

CPROF_API __attribute__((optimize("omit-frame-pointer"))) int
pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return sync_rw_acquire(l, SYNC_WR, CLOCK_REALTIME, NULL, SYNC_RA());
}

CPROF_API int pthread_rwlock_timedrdlock(pthread_rwlock_t *l,
					 const struct timespec *t)
{
	sync_ready();
	if (sync_real.timedrdlock == NULL)
		return ENOSYS;
	return sync_rw_acquire(l, SYNC_TIMED_RD, CLOCK_REALTIME, t, SYNC_RA());
}

CPROF_API int pthread_rwlock_timedwrlock(pthread_rwlock_t *l,
					 const struct timespec *t)
{
	sync_ready();
	if (sync_real.timedwrlock == NULL)
		return ENOSYS;
	return sync_rw_acquire(l, SYNC_TIMED_WR, CLOCK_REALTIME, t, SYNC_RA());
}

CPROF_API int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clock,
					 const struct timespec *t)
{
	sync_ready();
	if (sync_real.clockrdlock == NULL)
		return ENOSYS;
	return sync_rw_acquire(l, SYNC_CLOCK_RD, clock, t, SYNC_RA());
}

CPROF_API int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clock,
					 const struct timespec *t)
{
	sync_ready();
	if (sync_real.clockwrlock == NULL)
		return ENOSYS;
	return sync_rw_acquire(l, SYNC_CLOCK_WR, clock, t, SYNC_RA());
}

static int sync_rwlock_unlock_fn(void *l)
{
	return sync_real.rwlock_unlock(l);
}

CPROF_API int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	if (__builtin_expect(atomic_load_explicit(&cprof__contention_pending,
						  memory_order_relaxed) == 0,
			     1))
		return sync_real.rwlock_unlock(l);
	return sync_unlock_charged(l, sync_rwlock_unlock_fn, SYNC_RA());
}

/* ---- condition variables ---- */

/* The wait releases the mutex (inside glibc, not through our unlock), so
 * the delay of the mutex's waiters is charged here, at the call of the
 * wait. */
static __attribute__((noinline)) int
sync_cond(pthread_cond_t *c, pthread_mutex_t *m, enum sync_variant kind,
	  clockid_t clock, const struct timespec *t, uintptr_t ra)
{
	static const char *const calls[] = {"pthread_cond_wait",
					    "pthread_cond_timedwait",
					    "pthread_cond_clockwait"};
	struct cprof__wait w;
	int saved_errno = errno, rc;
	int64_t delay = atomic_load_explicit(&cprof__contention_pending,
					     memory_order_relaxed)
				? cprof__contention_charge_as(m)
				: 0;

	SYNC_WAIT_BEGIN(&w, NULL, ra, calls[kind]);
	if (kind == SYNC_PLAIN)
		rc = sync_real.cond_wait(c, m);
	else if (kind == SYNC_TIMED)
		rc = sync_real.cond_timedwait(c, m, t);
	else
		rc = sync_real.cond_clockwait(c, m, clock, t);
	SYNC_WAIT_END(&w, rc == 0 || rc == ETIMEDOUT, calls[kind]);
	if (delay > 0)
		cprof__contention_mutex_event_as(delay, ra);
	errno = saved_errno;
	return rc;
}

CPROF_API int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	sync_ready();
	if (sync_real.cond_wait == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.cond_wait(c, m);
	return sync_cond(c, m, SYNC_PLAIN, CLOCK_REALTIME, NULL, SYNC_RA());
}

CPROF_API int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				     const struct timespec *t)
{
	sync_ready();
	if (sync_real.cond_timedwait == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.cond_timedwait(c, m, t);
	return sync_cond(c, m, SYNC_TIMED, CLOCK_REALTIME, t, SYNC_RA());
}

CPROF_API int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m,
				     clockid_t clock, const struct timespec *t)
{
	sync_ready();
	if (sync_real.cond_clockwait == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.cond_clockwait(c, m, clock, t);
	return sync_cond(c, m, SYNC_CLOCK, clock, t, SYNC_RA());
}

/* ---- joins ---- */

static __attribute__((noinline)) int
sync_join(pthread_t th, void **ret, enum sync_variant kind, clockid_t clock,
	  const struct timespec *t, uintptr_t ra)
{
	struct cprof__wait w;
	int saved_errno = errno, rc;

	static const char *const calls[] = {"pthread_join",
					    "pthread_timedjoin_np",
					    "pthread_clockjoin_np"};
	SYNC_WAIT_BEGIN(&w, NULL, ra, calls[kind]);
	if (kind == SYNC_PLAIN)
		rc = sync_real.join(th, ret);
	else if (kind == SYNC_TIMED)
		rc = sync_real.timedjoin(th, ret, t);
	else
		rc = sync_real.clockjoin(th, ret, clock, t);
	SYNC_WAIT_END(&w, rc == 0 || rc == ETIMEDOUT, calls[kind]);
	errno = saved_errno;
	return rc;
}

CPROF_API int pthread_join(pthread_t th, void **ret)
{
	sync_ready();
	if (sync_real.join == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.join(th, ret);
	return sync_join(th, ret, SYNC_PLAIN, CLOCK_REALTIME, NULL, SYNC_RA());
}

CPROF_API int pthread_timedjoin_np(pthread_t th, void **ret,
				   const struct timespec *t)
{
	sync_ready();
	if (sync_real.timedjoin == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.timedjoin(th, ret, t);
	return sync_join(th, ret, SYNC_TIMED, CLOCK_REALTIME, t, SYNC_RA());
}

CPROF_API int pthread_clockjoin_np(pthread_t th, void **ret, clockid_t clock,
				   const struct timespec *t)
{
	sync_ready();
	if (sync_real.clockjoin == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.clockjoin(th, ret, clock, t);
	return sync_join(th, ret, SYNC_CLOCK, clock, t, SYNC_RA());
}

/* ---- semaphores ---- */

static __attribute__((noinline)) int
sync_sem(sem_t *s, enum sync_variant kind, clockid_t clock,
	 const struct timespec *t, uintptr_t ra)
{
	struct cprof__wait w;
	int rc, err;

	static const char *const calls[] = {"sem_wait", "sem_timedwait",
					    "sem_clockwait"};
	SYNC_WAIT_BEGIN(&w, NULL, ra, calls[kind]);
	if (kind == SYNC_PLAIN)
		rc = sync_real.sem_wait(s);
	else if (kind == SYNC_TIMED)
		rc = sync_real.sem_timedwait(s, t);
	else
		rc = sync_real.sem_clockwait(s, clock, t);
	err = errno;
	SYNC_WAIT_END(&w, rc == 0 || err == ETIMEDOUT || err == EINTR,
		      calls[kind]);
	errno = err;
	return rc;
}

/* True when the semaphore was taken without waiting; errno untouched. */
static bool sync_sem_took(sem_t *s)
{
	int saved_errno = errno;

	if (sync_real.sem_trywait(s) == 0)
		return true;
	errno = saved_errno;
	return false;
}

CPROF_API int sem_wait(sem_t *s)
{
	sync_ready();
	if (sync_real.sem_wait == NULL || sync_real.sem_trywait == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (sync_passthrough())
		return sync_real.sem_wait(s);
	if (sync_sem_took(s))
		return 0;
	return sync_sem(s, SYNC_PLAIN, CLOCK_REALTIME, NULL, SYNC_RA());
}

CPROF_API int sem_timedwait(sem_t *s, const struct timespec *t)
{
	sync_ready();
	if (sync_real.sem_timedwait == NULL || sync_real.sem_trywait == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (sync_passthrough() || !sync_timeout_valid(CLOCK_REALTIME, t))
		return sync_real.sem_timedwait(s, t);
	if (sync_sem_took(s))
		return 0;
	return sync_sem(s, SYNC_TIMED, CLOCK_REALTIME, t, SYNC_RA());
}

CPROF_API int sem_clockwait(sem_t *s, clockid_t clock,
			    const struct timespec *t)
{
	sync_ready();
	if (sync_real.sem_clockwait == NULL || sync_real.sem_trywait == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (sync_passthrough() || !sync_timeout_valid(clock, t))
		return sync_real.sem_clockwait(s, clock, t);
	if (sync_sem_took(s))
		return 0;
	return sync_sem(s, SYNC_CLOCK, clock, t, SYNC_RA());
}

/* ---- barriers ---- */

static __attribute__((noinline)) int sync_barrier(pthread_barrier_t *b,
						  uintptr_t ra)
{
	struct cprof__wait w;
	int saved_errno = errno, rc;

	SYNC_WAIT_BEGIN(&w, NULL, ra, "pthread_barrier_wait");
	rc = sync_real.barrier_wait(b);
	SYNC_WAIT_END(&w, rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD,
		      "pthread_barrier_wait");
	errno = saved_errno;
	return rc;
}

CPROF_API int pthread_barrier_wait(pthread_barrier_t *b)
{
	sync_ready();
	if (sync_real.barrier_wait == NULL)
		return ENOSYS;
	if (sync_passthrough())
		return sync_real.barrier_wait(b);
	return sync_barrier(b, SYNC_RA());
}

void cprof__hooks_sync_init(void) { sync_ready(); }
