/*
 * cpu2t.c - the CPU-bound workload of the CPU-profile overhead benchmark
 * (bench/cpu/run.sh, issue #2).
 *
 * Two threads do a fixed amount of work each and exit: ROUNDS times, a
 * recursion 10 to 13 frames deep (the depth varies with the round, so the
 * profile has several distinct stacks) ending in a floating-point leaf loop.
 * The work is fixed, not timed, so a profiler's cost shows up as longer
 * wall and CPU time. About 3 s on the 2-vCPU benchmark machine.
 *
 * It is built -O2 -g -fno-omit-frame-pointer, as users build services they
 * profile. The optional argument scales the work (default 100 rounds); the
 * checksum it prints keeps the compiler from dropping the loop.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CPU2T_THREADS 2
#define CPU2T_ROUNDS 100
#define CPU2T_LEAF_ITERS 15000000L

static long cpu2t_rounds = CPU2T_ROUNDS;

/* The leaf: a dependent chain of multiply-adds the compiler cannot fold. */
static __attribute__((noinline)) double cpu2t_leaf(double x)
{
	for (long i = 0; i < CPU2T_LEAF_ITERS; i++)
		x = x * 0.999999 + 0.5;
	return x;
}

/* Recursion that keeps one frame per level (the add after the call stops
 * gcc turning it into a loop or a tail call). */
static __attribute__((noinline)) double cpu2t_rec(int depth, double x)
{
	if (depth == 0)
		return cpu2t_leaf(x);
	return cpu2t_rec(depth - 1, x) + 1.0;
}

static void *cpu2t_thread(void *arg)
{
	double *sum = arg;

	for (long r = 0; r < cpu2t_rounds; r++)
		*sum += cpu2t_rec(10 + (int)(r % 4), (double)r);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[CPU2T_THREADS];
	double sums[CPU2T_THREADS] = { 0 };
	double total = 0;

	if (argc > 1)
		cpu2t_rounds = strtol(argv[1], NULL, 10);
	for (int i = 0; i < CPU2T_THREADS; i++) {
		if (pthread_create(&th[i], NULL, cpu2t_thread, &sums[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	for (int i = 0; i < CPU2T_THREADS; i++) {
		pthread_join(th[i], NULL);
		total += sums[i];
	}
	printf("cpu2t: checksum %.3f\n", total);
	return 0;
}
