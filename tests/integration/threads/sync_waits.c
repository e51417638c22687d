/*
 * sync_waits.c - one thread blocked in each kind of pthread and semaphore
 * wait that cprof's synchronisation hooks interpose, for the threads
 * profile test (sync_waits.sh): each thread reaches its call through
 * run_<kind> (its start routine) and wait_<kind> (the function that makes
 * the call), and stays blocked until the end, since main holds what it
 * waits for.
 *
 *   sync_waits DONE_FILE   runs until DONE_FILE exists, then releases every
 *                          thread and prints one line per kind:
 *                          "kind NAME rc=RC" (RC: what the call returned,
 *                          an error number, 0 when it succeeded)
 *
 * stdout: "ready" once every thread has started. Thread NAME is named
 * "s-NAME" (pthread_setname_np).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu_timed = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw_for_writer = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw_for_reader = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cond_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool cond_go;
static sem_t sem;
static pthread_barrier_t barrier;
static pthread_t joined;
static int joined_pipe[2];
static atomic_int started;

/* A deadline far enough away never to be reached. */
static struct timespec far_away(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3600;
	return ts;
}

static void name_self(const char *kind)
{
	char name[16];

	snprintf(name, sizeof(name), "s-%.13s", kind);
	pthread_setname_np(pthread_self(), name);
}

#define KIND(kind, call)                                                      \
	static int rc_##kind = -1;                                            \
	static NOINLINE int wait_##kind(void)                                 \
	{                                                                     \
		int rc = (call);                                              \
		__asm__ volatile("" ::: "memory"); /* not a tail call */      \
		return rc;                                                    \
	}                                                                     \
	static NOINLINE void *run_##kind(void *arg)                           \
	{                                                                     \
		name_self(#kind);                                             \
		started++;                                                    \
		rc_##kind = wait_##kind();                                    \
		__asm__ volatile("" ::: "memory");                            \
		return arg;                                                   \
	}

static const struct timespec *far(void)
{
	static __thread struct timespec ts;

	ts = far_away();
	return &ts;
}

static int unlock_after(pthread_mutex_t *m, int rc)
{
	if (rc == 0)
		pthread_mutex_unlock(m);
	return rc;
}

static int unlock_rw_after(pthread_rwlock_t *l, int rc)
{
	if (rc == 0)
		pthread_rwlock_unlock(l);
	return rc;
}

static int sem_result(int rc) { return rc == 0 ? 0 : errno; }

static void *joined_thread(void *arg)
{
	char c;

	name_self("joined");
	return read(joined_pipe[0], &c, 1) == 1 ? arg : NULL;
}

KIND(mutex_lock, unlock_after(&mu, pthread_mutex_lock(&mu)))
KIND(mutex_timedlock,
     unlock_after(&mu_timed, pthread_mutex_timedlock(&mu_timed, far())))
KIND(rwlock_wrlock,
     unlock_rw_after(&rw_for_writer, pthread_rwlock_wrlock(&rw_for_writer)))
KIND(rwlock_rdlock,
     unlock_rw_after(&rw_for_reader, pthread_rwlock_rdlock(&rw_for_reader)))
KIND(cond_wait, ({
	     int rc = 0;
	     pthread_mutex_lock(&cond_mu);
	     while (!cond_go && rc == 0)
		     rc = pthread_cond_wait(&cond, &cond_mu);
	     pthread_mutex_unlock(&cond_mu);
	     rc;
     }))
KIND(sem_timedwait, sem_result(sem_timedwait(&sem, far())))
KIND(join, pthread_join(joined, NULL))
KIND(barrier_wait, ({
	     int rc = pthread_barrier_wait(&barrier);
	     rc == PTHREAD_BARRIER_SERIAL_THREAD ? 0 : rc;
     }))

int main(int argc, char **argv)
{
	void *(*runs[])(void *) = {
		run_mutex_lock, run_mutex_timedlock, run_rwlock_wrlock,
		run_rwlock_rdlock, run_cond_wait, run_sem_timedwait,
		run_join, run_barrier_wait,
	};
	const char *names[] = {
		"mutex_lock", "mutex_timedlock", "rwlock_wrlock",
		"rwlock_rdlock", "cond_wait", "sem_timedwait",
		"join", "barrier_wait",
	};
	int *rcs[] = {
		&rc_mutex_lock, &rc_mutex_timedlock, &rc_rwlock_wrlock,
		&rc_rwlock_rdlock, &rc_cond_wait, &rc_sem_timedwait,
		&rc_join, &rc_barrier_wait,
	};
	size_t n = sizeof(runs) / sizeof(runs[0]);
	pthread_t th[sizeof(runs) / sizeof(runs[0])];

	if (argc != 2 || pipe(joined_pipe) != 0 || sem_init(&sem, 0, 0) != 0 ||
	    pthread_barrier_init(&barrier, NULL, 2) != 0)
		return 2;
	pthread_mutex_lock(&mu);
	pthread_mutex_lock(&mu_timed);
	pthread_rwlock_rdlock(&rw_for_writer);
	pthread_rwlock_wrlock(&rw_for_reader);
	if (pthread_create(&joined, NULL, joined_thread, NULL) != 0)
		return 2;
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, runs[i], NULL) != 0)
			return 2;
	while (started < (int)n)
		sched_yield();
	printf("ready\n");
	fflush(stdout);
	while (access(argv[1], F_OK) != 0)
		usleep(20000);
	pthread_mutex_unlock(&mu);
	pthread_mutex_unlock(&mu_timed);
	pthread_rwlock_unlock(&rw_for_writer);
	pthread_rwlock_unlock(&rw_for_reader);
	pthread_mutex_lock(&cond_mu);
	cond_go = true;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&cond_mu);
	sem_post(&sem);
	if (write(joined_pipe[1], "x", 1) != 1)
		return 2;
	pthread_barrier_wait(&barrier);
	for (size_t i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < n; i++)
		printf("kind %s rc=%d\n", names[i], *rcs[i]);
	return 0;
}
