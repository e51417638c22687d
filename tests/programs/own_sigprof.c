/*
 * own_sigprof.c - a host that profiles itself with SIGPROF and setitimer,
 * as programs built with gperftools do. Under cprof it must see exactly what
 * it sees alone: SIG_DFL as the previous disposition, and only its own
 * ITIMER_PROF signals (never a per-thread timer signal of cprof's).
 *
 * Exit 0 when that holds; it prints what it saw.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t own_ticks, foreign_ticks;
static volatile uint64_t sink;

static void on_prof(int signo, siginfo_t *si, void *uc)
{
	if (si->si_code == SI_KERNEL)
		own_ticks++;
	else
		foreign_ticks++;
}

static void burn_cpu_ms(long ms)
{
	struct timespec a, b;
	uint64_t x = 1;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 100000; i++)
			x = x * 6364136223846793005ull + 1;
		sink += x;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 +
		 (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

int main(void)
{
	struct sigaction sa, old;
	struct itimerval it = {{0, 10000}, {0, 10000}};

	burn_cpu_ms(200); /* let a whole-run CPU profile take samples first */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_prof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGPROF, &sa, &old) != 0) {
		perror("sigaction");
		return 1;
	}
	if (old.sa_handler != SIG_DFL) {
		fprintf(stderr, "previous SIGPROF disposition is not SIG_DFL\n");
		return 1;
	}
	setitimer(ITIMER_PROF, &it, NULL);
	burn_cpu_ms(500);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_PROF, &it, NULL);
	printf("own_ticks=%d foreign_ticks=%d\n", (int)own_ticks,
	       (int)foreign_ticks);
	return own_ticks > 0 && foreign_ticks == 0 ? 0 : 1;
}
