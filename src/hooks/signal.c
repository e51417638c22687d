/*
 * signal.c - the interposed sigaction and signal, for the one signal cprof
 * uses to sample CPU time.
 *
 * cprof never takes a signal from the host: when the host sets its own
 * disposition for our signal, CPU profiling stops for good *before* the
 * change takes effect, so no timer signal of ours ever reaches the host's
 * handler (or, with SIG_DFL, kills it). A host that asks what the signal's
 * disposition is sees what it would see without cprof. Every other signal,
 * and every return value and errno, pass through unchanged.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "capture/cpu_signal.h"
#include "cprof.h"
#include "profiles/cpu.h"

CPROF_API int sigaction(int signo, const struct sigaction *act,
			struct sigaction *old)
{
	bool ours = cprof__cpu_signal_is_ours(signo);
	int rc;

	if (ours && act != NULL)
		cprof__cpu_yield_signal();
	rc = cprof__real_sigaction(signo, act, old);
	if (rc == 0 && ours && old != NULL)
		cprof__cpu_signal_host_view(old);
	return rc;
}

typedef sighandler_t (*hooks_signal_fn)(int, sighandler_t);

CPROF_API sighandler_t signal(int signo, sighandler_t handler)
{
	static hooks_signal_fn real;
	bool ours = cprof__cpu_signal_is_ours(signo);
	sighandler_t old;

	if (real == NULL)
		real = (hooks_signal_fn)dlsym(RTLD_NEXT, "signal");
	if (real == NULL) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	if (ours)
		cprof__cpu_yield_signal();
	old = real(signo, handler);
	if (ours && old != SIG_ERR) {
		struct sigaction host;

		cprof__cpu_signal_host_view(&host);
		old = host.sa_handler;
	}
	return old;
}
