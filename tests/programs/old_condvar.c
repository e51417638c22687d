/*
 * old_condvar.c - a program built for glibc's condition variables before
 * 2.3.2 (their compat versions, GLIBC_2.2.5): under cprof its calls must
 * still reach glibc's old functions, not cprof's hooks (which are the
 * GLIBC_2.3.2 ones). Prints what a timed wait and a signalled wait return.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

__asm__(".symver old_cond_init, pthread_cond_init@GLIBC_2.2.5");
__asm__(".symver old_cond_signal, pthread_cond_signal@GLIBC_2.2.5");
__asm__(".symver old_cond_wait, pthread_cond_wait@GLIBC_2.2.5");
__asm__(".symver old_cond_timedwait, pthread_cond_timedwait@GLIBC_2.2.5");
int old_cond_init(pthread_cond_t *, const pthread_condattr_t *);
int old_cond_signal(pthread_cond_t *);
int old_cond_wait(pthread_cond_t *, pthread_mutex_t *);
int old_cond_timedwait(pthread_cond_t *, pthread_mutex_t *,
		       const struct timespec *);

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c;
static int ready;

static void *signaller(void *arg)
{
	struct timespec ms = {0, 20000000};

	nanosleep(&ms, NULL);
	pthread_mutex_lock(&m);
	ready = 1;
	old_cond_signal(&c);
	pthread_mutex_unlock(&m);
	return arg;
}

int main(void)
{
	struct timespec t;
	pthread_t th;
	int rc;

	old_cond_init(&c, NULL);
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += 10000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	rc = old_cond_timedwait(&c, &m, &t);
	printf("old timedwait %d\n", rc);
	pthread_create(&th, NULL, signaller, NULL);
	while (!ready && rc != EINVAL)
		rc = old_cond_wait(&c, &m);
	pthread_mutex_unlock(&m);
	pthread_join(th, NULL);
	printf("old wait %d ready %d\n", rc, ready);
	return 0;
}
