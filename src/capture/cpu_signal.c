/*
 * cpu_signal.c - installing the CPU profiling signal handler.
 *
 * cprof never takes a signal the host already handles: if a handler is in
 * place, CPU profiling stays off and the user is told once. The handler is
 * installed with SA_RESTART so that restartable system calls interrupted by
 * a sample restart instead of failing with EINTR, and it stays installed for
 * the life of the process (a late timer signal after a session ended must
 * not hit the default action, which would kill the host).
 */
#include "capture/cpu_signal.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "base/log.h"
#include "cprof.h"


static int cpu_signal_installed; /* the signal number, 0 if none */
static struct sigaction cpu_signal_previous; /* what we replaced */

typedef int (*cpu_sigaction_fn)(int, const struct sigaction *,
				struct sigaction *);

int cprof__real_sigaction(int signo, const struct sigaction *act,
			  struct sigaction *old)
{
	static cpu_sigaction_fn real;

	if (real == NULL)
		real = (cpu_sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(signo, act, old);
}

int cprof__cpu_signal_install(int signo)
{
	struct sigaction old, sa;

	if (cpu_signal_installed == signo)
		return 0;
	if (cprof__real_sigaction(signo, NULL, &old) != 0)
		return CPROF_EINVAL;
	if ((old.sa_flags & SA_SIGINFO) ? old.sa_sigaction != NULL
					: (old.sa_handler != SIG_DFL &&
					   old.sa_handler != SIG_IGN)) {
		cprof__warn("signal %d already has a handler in this process; "
			    "CPU profiling is off (set CPROF_SIGNAL to a free "
			    "signal)", signo);
		return CPROF_ENOTSUP;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = cprof__cpu_signal_handler_as;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (cprof__real_sigaction(signo, &sa, NULL) != 0)
		return CPROF_EINVAL;
	cpu_signal_installed = signo;
	cpu_signal_previous = old;
	return 0;
}

void cprof__cpu_signal_enable(bool on)
{
	atomic_store(&cprof__cpu_signal_enabled, on);
}

bool cprof__cpu_signal_still_ours(void)
{
	struct sigaction cur;

	if (cpu_signal_installed == 0 ||
	    cprof__real_sigaction(cpu_signal_installed, NULL, &cur) != 0)
		return false;
	return (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == cprof__cpu_signal_handler_as;
}

bool cprof__cpu_signal_is_ours(int signo)
{
	return signo != 0 && signo == cpu_signal_installed &&
	       cprof__cpu_signal_still_ours();
}

void cprof__cpu_signal_host_view(struct sigaction *old)
{
	*old = cpu_signal_previous;
}

int cprof__cpu_signal_number(void)
{
	return cprof__cpu_signal_still_ours() ? cpu_signal_installed : 0;
}
