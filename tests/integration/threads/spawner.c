/*
 * spawner.c - creates threads from two known sites, in known numbers:
 * spawn_pool creates 5 threads, spawn_one_each creates 3 (one per call),
 * then it serves /debug/pprof/ (when preloaded with CPROF_HTTP) until the
 * file named by argv[1] appears, or for 30 s.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *idle(void *arg) { return arg; }

__attribute__((noinline)) static void spawn_pool(void)
{
	pthread_t t[5];

	for (int i = 0; i < 5; i++)
		pthread_create(&t[i], NULL, idle, NULL);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
}

__attribute__((noinline)) static void spawn_one_each(void)
{
	pthread_t t;

	pthread_create(&t, NULL, idle, NULL);
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	spawn_pool();
	for (int i = 0; i < 3; i++)
		spawn_one_each();
	printf("spawned 8\n");
	fflush(stdout);
	for (int i = 0; i < 300 && (argc < 2 || access(argv[1], F_OK) != 0);
	     i++)
		usleep(100000);
	return 0;
}
