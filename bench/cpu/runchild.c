/*
 * runchild.c - runs one command and prints what it cost:
 *
 *   bench_runchild CMD [ARG...]
 *   -> last line on stdout: "runchild wall=S user=S sys=S status=N"
 *
 * Wall time is CLOCK_MONOTONIC around fork..wait4; user and system time are
 * the child's own, from wait4's rusage (so they include every thread of the
 * child and nothing of the shell running the benchmark). Used by
 * bench/cpu/run.sh instead of /usr/bin/time, which a CI machine may lack.
 * Set the child's environment with env(1): `bench_runchild env VAR=x CMD`
 * (an LD_PRELOAD on the runner itself would profile the runner too).
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double runchild_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double runchild_tv(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0, t1;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_runchild CMD [ARG...]\n");
		return 2;
	}
	fflush(stdout);
	t0 = runchild_now();
	pid = fork();
	if (pid < 0) {
		perror("bench_runchild: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("bench_runchild: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("bench_runchild: wait4");
		return 1;
	}
	t1 = runchild_now();
	printf("runchild wall=%.4f user=%.4f sys=%.4f status=%d\n", t1 - t0,
	       runchild_tv(ru.ru_utime), runchild_tv(ru.ru_stime),
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
