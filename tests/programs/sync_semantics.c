/*
 * sync_semantics.c - what every interposed wait returns, and errno after
 * it, on the paths where they differ: errors, timeouts, locks taken by
 * another thread (the hooks' contended paths), robust and error-checking
 * mutexes, invalid timeouts and clocks. One line per call: "name rc errno".
 * errno is set to a sentinel before each call, so a line shows whether the
 * call changed it. Run with and without libcprof: the output must not
 * differ.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define SENTINEL 4242

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t held_rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t holder_ready, holder_release;

#define SHOW(name, call)                                                      \
	do {                                                                  \
		int rc_;                                                      \
		errno = SENTINEL;                                             \
		rc_ = (call);                                                 \
		printf("%-28s %d %d\n", name, rc_, errno);                    \
	} while (0)

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec t;

	clock_gettime(clock, &t);
	t.tv_nsec += ms * 1000000;
	t.tv_sec += t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

/* Holds `held` and `held_rw` (for writing) until told to let go. */
static void *holder(void *arg)
{
	pthread_mutex_lock(&held);
	pthread_rwlock_wrlock(&held_rw);
	sem_post(&holder_ready);
	while (sem_wait(&holder_release) != 0)
		;
	pthread_rwlock_unlock(&held_rw);
	pthread_mutex_unlock(&held);
	return arg;
}

static void *die_holding(void *m)
{
	pthread_mutex_lock(m);
	return NULL;
}

static void *sleep_briefly(void *arg)
{
	usleep(200000);
	return arg;
}

static void taken_by_another(void)
{
	struct timespec bad = {0, 2000000000};
	struct timespec t;

	t = in_ms(CLOCK_REALTIME, 30);
	SHOW("mutex_trylock_taken", pthread_mutex_trylock(&held));
	SHOW("mutex_timedlock_timeout", pthread_mutex_timedlock(&held, &t));
	SHOW("mutex_timedlock_bad_nsec", pthread_mutex_timedlock(&held, &bad));
	t = in_ms(CLOCK_MONOTONIC, 30);
	SHOW("mutex_clocklock_timeout",
	     pthread_mutex_clocklock(&held, CLOCK_MONOTONIC, &t));
	SHOW("mutex_clocklock_bad_clock",
	     pthread_mutex_clocklock(&held, CLOCK_PROCESS_CPUTIME_ID, &t));
	SHOW("rwlock_tryrdlock_taken", pthread_rwlock_tryrdlock(&held_rw));
	t = in_ms(CLOCK_REALTIME, 30);
	SHOW("rwlock_timedrdlock_timeout",
	     pthread_rwlock_timedrdlock(&held_rw, &t));
	t = in_ms(CLOCK_REALTIME, 30);
	SHOW("rwlock_timedwrlock_timeout",
	     pthread_rwlock_timedwrlock(&held_rw, &t));
	t = in_ms(CLOCK_MONOTONIC, 30);
	SHOW("rwlock_clockwrlock_timeout",
	     pthread_rwlock_clockwrlock(&held_rw, CLOCK_MONOTONIC, &t));
	SHOW("rwlock_timedrdlock_bad_nsec",
	     pthread_rwlock_timedrdlock(&held_rw, &bad));
}

static void error_checking(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	SHOW("errorcheck_unlock_unowned", pthread_mutex_unlock(&m));
	SHOW("errorcheck_lock", pthread_mutex_lock(&m));
	SHOW("errorcheck_relock_EDEADLK", pthread_mutex_lock(&m));
	SHOW("errorcheck_trylock_held", pthread_mutex_trylock(&m));
	SHOW("errorcheck_unlock", pthread_mutex_unlock(&m));
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m, &a);
	SHOW("recursive_lock", pthread_mutex_lock(&m));
	SHOW("recursive_relock", pthread_mutex_lock(&m));
	SHOW("recursive_unlock", pthread_mutex_unlock(&m));
	SHOW("recursive_unlock2", pthread_mutex_unlock(&m));
}

static void robust(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	pthread_t t;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&m, &a);
	pthread_create(&t, NULL, die_holding, &m);
	pthread_join(t, NULL);
	SHOW("robust_lock_EOWNERDEAD", pthread_mutex_lock(&m));
	SHOW("robust_consistent", pthread_mutex_consistent(&m));
	SHOW("robust_unlock", pthread_mutex_unlock(&m));
}

static void free_locks(void)
{
	struct timespec bad = {0, -1};
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

	SHOW("free_timedlock_bad_nsec", pthread_mutex_timedlock(&m, &bad));
	SHOW("free_rwlock_timedrdlock_bad", pthread_rwlock_timedrdlock(&rw, &bad));
	SHOW("rwlock_wrlock", pthread_rwlock_wrlock(&rw));
	SHOW("rwlock_rdlock_own_EDEADLK", pthread_rwlock_rdlock(&rw));
	SHOW("rwlock_wrlock_own_EDEADLK", pthread_rwlock_wrlock(&rw));
	SHOW("rwlock_unlock", pthread_rwlock_unlock(&rw));
}

static void waits(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	pthread_barrier_t b;
	struct timespec t, bad = {0, 2000000000};
	sem_t s;
	pthread_t th;

	pthread_mutex_lock(&m);
	t = in_ms(CLOCK_REALTIME, 30);
	SHOW("cond_timedwait_timeout", pthread_cond_timedwait(&c, &m, &t));
	SHOW("cond_timedwait_bad_nsec", pthread_cond_timedwait(&c, &m, &bad));
	t = in_ms(CLOCK_MONOTONIC, 30);
	SHOW("cond_clockwait_timeout",
	     pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t));
	pthread_mutex_unlock(&m);

	sem_init(&s, 0, 1);
	SHOW("sem_wait_available", sem_wait(&s));
	SHOW("sem_trywait_empty", sem_trywait(&s));
	t = in_ms(CLOCK_REALTIME, 30);
	SHOW("sem_timedwait_timeout", sem_timedwait(&s, &t));
	SHOW("sem_timedwait_bad_nsec", sem_timedwait(&s, &bad));
	sem_post(&s);
	SHOW("sem_timedwait_bad_nsec_avail", sem_timedwait(&s, &bad));
	t = in_ms(CLOCK_MONOTONIC, 30);
	SHOW("sem_clockwait_bad_clock",
	     sem_clockwait(&s, CLOCK_PROCESS_CPUTIME_ID, &t));

	pthread_create(&th, NULL, sleep_briefly, NULL);
	t = in_ms(CLOCK_REALTIME, 30);
	SHOW("timedjoin_timeout", pthread_timedjoin_np(th, NULL, &t));
	SHOW("join", pthread_join(th, NULL));
	SHOW("join_self_EDEADLK", pthread_join(pthread_self(), NULL));

	pthread_barrier_init(&b, NULL, 1);
	SHOW("barrier_serial", pthread_barrier_wait(&b));
}

int main(void)
{
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sem_init(&holder_ready, 0, 0);
	sem_init(&holder_release, 0, 0);
	pthread_create(&t, NULL, holder, NULL);
	while (sem_wait(&holder_ready) != 0)
		;
	taken_by_another();
	sem_post(&holder_release);
	pthread_join(t, NULL);
	error_checking();
	robust();
	free_locks();
	waits();
	return 0;
}
