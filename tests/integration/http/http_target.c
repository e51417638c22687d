/*
 * http_target.c - the program the HTTP integration tests profile.
 *
 * Runs under LD_PRELOAD=libcprof.so with CPROF_HTTP set and burns CPU in
 * one named function until it is killed, so a CPU profile has a known hot
 * spot and /debug/pprof/symbol a known function to name. With "fork" as
 * its argument it first forks a child that only sleeps (the server must not
 * live on in it); other arguments are ignored (tests pass some to check
 * /debug/pprof/cmdline).
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* The hot function the tests look for; noinline so it keeps its frame. */
__attribute__((noinline)) uint64_t http_target_burn(uint64_t rounds);

uint64_t http_target_burn(uint64_t rounds)
{
	volatile uint64_t x = 1;

	for (uint64_t i = 0; i < rounds; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	return x;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "fork") == 0 && fork() == 0) {
		for (;;)
			pause();
	}
	for (;;)
		http_target_burn(100000000);
}
