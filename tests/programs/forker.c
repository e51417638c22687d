/*
 * forker.c - forks in a loop while it is profiled. Children either exit at
 * once (fork) or exec a program (fork+exec, argv[2]); the parent burns CPU
 * between forks and checks every child's exit status.
 *
 *   forker N [EXEC_PATH]     exit 0 when all N children exited 0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile uint64_t sink;

__attribute__((noinline)) static void forker_burn(void)
{
	uint64_t x = 1;

	for (int i = 0; i < 2000000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink += x;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	const char *exec_path = argc > 2 ? argv[2] : NULL;

	for (int i = 0; i < n; i++) {
		int status;
		pid_t pid;

		forker_burn();
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (exec_path != NULL && i % 2 == 1) {
				execl(exec_path, exec_path, (char *)NULL);
				_exit(127);
			}
			forker_burn();
			/* exit(), not _exit(): atexit handlers run in the
			 * child, as in real programs. */
			exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "child %d failed (status %d)\n", i,
				status);
			return 1;
		}
	}
	printf("forked %d\n", n);
	return 0;
}
