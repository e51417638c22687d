/*
 * many.c - a host with many threads for the threads-profile benchmark.
 *
 *   bench_threads_many N DONE_FILE
 *
 * N threads: 1 in 100 burns CPU, 1 in 10 waits inside libc where no
 * wrapper sees it (fgets on a pipe: /proc/self/task/TID/syscall finds
 * it), the rest wait in wrapped calls (nanosleep, poll, read on a pipe,
 * epoll_wait in turn). Each reaches its call through a few frames.
 * Prints "ready" when all run; exits once DONE_FILE exists.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static atomic_int started;
static atomic_bool stop;
static int pipe_fds[2], pipe_stdio[2], epfd;
static FILE *stdio_in;
static volatile unsigned long sink;

static __attribute__((noinline)) void block_in(long kind)
{
	struct timespec ts = {1, 0};
	struct epoll_event ev;
	char c;

	switch (kind % 4) {
	case 0: nanosleep(&ts, NULL); break;
	case 1: poll(NULL, 0, 1000); break;
	case 2: if (read(pipe_fds[0], &c, 1) != 1) return; break;
	default: epoll_wait(epfd, &ev, 1, 1000); break;
	}
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void deep(long kind, int n)
{
	if (n > 0)
		deep(kind, n - 1);
	else
		block_in(kind);
	__asm__ volatile("" ::: "memory");
}

static void *thread_main(void *arg)
{
	long i = (long)arg;
	char line[16];

	started++;
	while (!stop) {
		if (i % 100 == 99) {
			for (int k = 0; k < 1000000 && !stop; k++)
				sink += (unsigned long)k * k;
		} else if (i % 10 == 9) {
			if (fgets(line, sizeof(line), stdio_in) == NULL)
				return NULL;
		} else {
			deep(i, 3);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc == 3 ? atol(argv[1]) : 0;
	pthread_attr_t attr;
	pthread_t t;

	if (n <= 0 || pipe(pipe_fds) || pipe(pipe_stdio) ||
	    (epfd = epoll_create1(0)) < 0 ||
	    !(stdio_in = fdopen(pipe_stdio[0], "r"))) {
		fprintf(stderr, "usage: %s N DONE_FILE\n", argv[0]);
		return 2;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, &attr, thread_main, (void *)i) != 0)
			return 1;
	while (started < n)
		usleep(1000);
	printf("ready\n");
	fflush(stdout);
	while (access(argv[2], F_OK) != 0)
		usleep(100000);
	_exit(0);
}
