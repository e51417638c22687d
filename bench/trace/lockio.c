/*
 * lockio.c - a lock- and syscall-heavy program for the trace overhead
 * benchmark (bench/trace/run.sh).
 *
 * --pairs P pairs of threads play ping-pong through two pipes (every
 * round trip is a blocking read on each side and two writes) and take one
 * shared mutex around a small critical section on every step, so both
 * blocking calls and lock contention happen hundreds of thousands of times
 * a second. It prints the wall time of the work, from the first thread's
 * start to the last one's end:
 *
 *   work_ns=N cpu_ns=N steps=N user_ns=N sys_ns=N vcsw=N ivcsw=N minflt=N
 *
 * cpu_ns is the process's user+system time at that point (getrusage), so
 * it includes what cprof's own threads spent; user_ns and sys_ns split it,
 * vcsw and ivcsw are its voluntary and involuntary context switches and
 * minflt its minor page faults, all at that point (a whole-run trace's
 * write at exit is in none of them).
 *
 * Under a trace, cprof's own hooks record the waits: one interval per read
 * (an interposed blocking call) and per contended lock (write is not
 * interposed: threads blocked in it are found through /proc).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../bench_clock.h"

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static uint64_t counter;
static long steps = 100000;

struct side {
	int in, out;
	int first; /* writes before it reads */
};

static void io(int fd, int write_it)
{
	char c = 'x';
	ssize_t n;

	n = write_it ? write(fd, &c, 1) : read(fd, &c, 1);
	if (n != 1)
		abort();
}

static void *player(void *arg)
{
	struct side *s = arg;

	for (long i = 0; i < steps; i++) {
		if (s->first)
			io(s->out, 1);
		io(s->in, 0);
		if (!s->first)
			io(s->out, 1);
		pthread_mutex_lock(&shared);
		counter += (uint64_t)i;
		pthread_mutex_unlock(&shared);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int pairs = 2;
	pthread_t *t;
	struct side *sides;
	int64_t t0;
	struct rusage ru;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pairs") == 0)
			pairs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--steps") == 0)
			steps = atol(argv[i + 1]);
	}
	t = calloc((size_t)pairs * 2, sizeof(*t));
	sides = calloc((size_t)pairs * 2, sizeof(*sides));
	if (t == NULL || sides == NULL)
		return 1;
	for (int p = 0; p < pairs; p++) {
		int ab[2], ba[2];

		if (pipe(ab) != 0 || pipe(ba) != 0)
			return 1;
		sides[2 * p] = (struct side){ba[0], ab[1], 1};
		sides[2 * p + 1] = (struct side){ab[0], ba[1], 0};
	}
	t0 = bench_mono_ns();
	for (int i = 0; i < pairs * 2; i++)
		pthread_create(&t[i], NULL, player, &sides[i]);
	for (int i = 0; i < pairs * 2; i++)
		pthread_join(t[i], NULL);
	t0 = bench_mono_ns() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("work_ns=%lld cpu_ns=%lld steps=%ld user_ns=%lld sys_ns=%lld "
	       "vcsw=%ld ivcsw=%ld minflt=%ld\n",
	       (long long)t0,
	       (long long)(bench_tv_ns(&ru.ru_utime) +
			   bench_tv_ns(&ru.ru_stime)),
	       steps * pairs * 2, (long long)bench_tv_ns(&ru.ru_utime),
	       (long long)bench_tv_ns(&ru.ru_stime), ru.ru_nvcsw, ru.ru_nivcsw,
	       ru.ru_minflt);
	free(t);
	free(sides);
	return 0;
}
