/*
 * blocking.c - the interposed blocking calls: breadcrumbs around them.
 *
 * Each wrapper leaves a breadcrumb (capture/crumb.h) for the time the real
 * call runs, so that the threads profile, and later the wall-clock
 * profile, can name the call a thread is blocked in and walk its stack
 * without touching the thread: no signal, so no EINTR and no shortened
 * sleep (reference/blocked-threads.md §3). Covered: the sleep family, the
 * poll, select and epoll waits, read and the recv family, accept, connect,
 * the waits for children and for signals, and the _FORTIFY_SOURCE variants
 * (__read_chk...). Not here: the pthread mutex,
 * cond, sem, join and barrier waits (the contention hooks enter crumbs
 * with the same API), write and send (rarely where a thread waits for long;
 * their threads are found through /proc like any unwrapped call).
 *
 * What the host sees is unchanged: the same arguments reach the real
 * function, and its return value and errno come back (the crumb code
 * touches no errno; leave runs between the real call and the return with
 * errno saved around it anyway, so a later change there cannot leak).
 *
 * The real functions are resolved at cprof's start (cprof__blocking_init),
 * outside any signal handler: a host handler may call read() first, and
 * dlsym is not async-signal-safe. A call that comes before that (another
 * library's constructor) resolves its own function then.
 *
 * Calls made inside libc (stdio's read, sleep's nanosleep) do not come
 * through here; /proc/self/task/TID/syscall finds those threads.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/crumb.h"
#include "cprof.h"
#include "hooks/hooks.h"
#include "trace/trace.h"

/* The real function behind each wrapper; set once, read racily (a pointer
 * store is atomic on x86-64, and every thread stores the same value). */
#define BLOCKING_REAL(name) blocking_real_##name

static void *blocking_resolve(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/*
 * Opens the trace's wait interval for a wrapped call of kind
 * CPROF_TRACE_WAIT_* when a trace runs: one load when none does. call is
 * the wrapper's string literal (kept by address in the event). Only the
 * outermost wrapped call (crumb depth 1) is traced: a host signal
 * handler's read() inside a sleep, or inside the trace's own event writing
 * (which the wrapper does with its crumb still entered), is not. The
 * wrapper then MUST call cprof__trace_wait_end itself, before it leaves the
 * crumb.
 */
static inline bool blocking_trace_begin(const struct cprof__thread *t,
					int kind, const char *call)
{
	if (!cprof__trace_on() || t == NULL || t->crumb.depth != 1)
		return false;
	cprof__trace_wait_begin(kind | CPROF_TRACE_WAIT_STATIC_NAME, call);
	return true;
}

/*
 * One wrapper: ret name(params) calling the real function with args. The
 * crumb is named after the function; the trace's wait is of kind call.
 * errno is ENOSYS only if the C library has no such function, which cannot
 * happen with glibc.
 */
#define BLOCKING_WRAP(ret, name, params, args)                                \
	BLOCKING_WRAP_AS(ret, name, #name, CPROF_TRACE_WAIT_CALL, params, args)
/* The sleep family: waits of kind sleep. */
#define BLOCKING_WRAP_SLEEP(ret, name, params, args)                          \
	BLOCKING_WRAP_AS(ret, name, #name, CPROF_TRACE_WAIT_SLEEP, params, args)

/* The same, with the crumb named crumb (a fortified variant names the call
 * it stands for) and a wait of kind kind. */
#define BLOCKING_WRAP_AS(ret, name, crumb, kind, params, args)                \
	static ret(*BLOCKING_REAL(name)) params;                              \
	CPROF_API ret name params;                                            \
	CPROF_API ret name params                                             \
	{                                                                     \
		struct cprof__thread *t;                                      \
		bool traced;                                                  \
		ret rc;                                                       \
		int saved;                                                    \
                                                                              \
		if (BLOCKING_REAL(name) == NULL)                              \
			BLOCKING_REAL(name) = blocking_resolve(#name);        \
		if (BLOCKING_REAL(name) == NULL) {                            \
			errno = ENOSYS;                                       \
			return (ret)-1;                                       \
		}                                                             \
		t = CPROF_CRUMB_ENTER(crumb);                                 \
		traced = blocking_trace_begin(t, (kind), crumb);              \
		rc = BLOCKING_REAL(name) args;                                \
		saved = errno;                                                \
		if (traced)                                                   \
			cprof__trace_wait_end();                              \
		cprof__crumb_leave_as(t);                                     \
		errno = saved;                                                \
		return rc;                                                    \
	}

/* sleep family */
BLOCKING_WRAP_SLEEP(unsigned int, sleep, (unsigned int s), (s))
BLOCKING_WRAP_SLEEP(int, usleep, (useconds_t us), (us))
BLOCKING_WRAP_SLEEP(int, nanosleep, (const struct timespec *req,
				     struct timespec *rem), (req, rem))
BLOCKING_WRAP_SLEEP(int, clock_nanosleep, (clockid_t id, int flags,
					   const struct timespec *req,
					   struct timespec *rem),
		    (id, flags, req, rem))
/* waits on file descriptors */
BLOCKING_WRAP(int, poll, (struct pollfd *fds, nfds_t n, int ms), (fds, n, ms))
BLOCKING_WRAP(int, ppoll, (struct pollfd *fds, nfds_t n,
			   const struct timespec *ts, const sigset_t *mask),
	      (fds, n, ts, mask))
BLOCKING_WRAP(int, select, (int n, fd_set *r, fd_set *w, fd_set *e,
			    struct timeval *tv), (n, r, w, e, tv))
BLOCKING_WRAP(int, pselect, (int n, fd_set *r, fd_set *w, fd_set *e,
			     const struct timespec *ts, const sigset_t *mask),
	      (n, r, w, e, ts, mask))
BLOCKING_WRAP(int, epoll_wait, (int fd, struct epoll_event *ev, int max,
				int ms), (fd, ev, max, ms))
BLOCKING_WRAP(int, epoll_pwait, (int fd, struct epoll_event *ev, int max,
				 int ms, const sigset_t *mask),
	      (fd, ev, max, ms, mask))
/* reads and connections */
BLOCKING_WRAP(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n))
BLOCKING_WRAP(ssize_t, readv, (int fd, const struct iovec *iov, int n),
	      (fd, iov, n))
BLOCKING_WRAP(ssize_t, recv, (int fd, void *buf, size_t n, int flags),
	      (fd, buf, n, flags))
BLOCKING_WRAP(ssize_t, recvfrom, (int fd, void *restrict buf, size_t n,
				  int flags, struct sockaddr *restrict from,
				  socklen_t *restrict len),
	      (fd, buf, n, flags, from, len))
BLOCKING_WRAP(ssize_t, recvmsg, (int fd, struct msghdr *msg, int flags),
	      (fd, msg, flags))
BLOCKING_WRAP(int, accept, (int fd, struct sockaddr *restrict addr,
			    socklen_t *restrict len), (fd, addr, len))
BLOCKING_WRAP(int, accept4, (int fd, struct sockaddr *addr, socklen_t *len,
			     int flags), (fd, addr, len, flags))
BLOCKING_WRAP(int, connect, (int fd, const struct sockaddr *addr,
			     socklen_t len), (fd, addr, len))
/* children and signals */
BLOCKING_WRAP(pid_t, waitpid, (pid_t pid, int *status, int options),
	      (pid, status, options))
BLOCKING_WRAP(pid_t, wait4, (pid_t pid, int *status, int options,
			     struct rusage *usage),
	      (pid, status, options, usage))
BLOCKING_WRAP(int, sigtimedwait, (const sigset_t *set, siginfo_t *info,
				  const struct timespec *ts), (set, info, ts))
BLOCKING_WRAP(int, sigwaitinfo, (const sigset_t *set, siginfo_t *info),
	      (set, info))
BLOCKING_WRAP(int, pause, (void), ())
BLOCKING_WRAP(int, sigsuspend, (const sigset_t *mask), (mask))
/* _FORTIFY_SOURCE builds (Debian's packages) call these instead */
BLOCKING_WRAP_AS(ssize_t, __read_chk, "read", CPROF_TRACE_WAIT_CALL,
		 (int fd, void *buf, size_t n, size_t buflen),
		 (fd, buf, n, buflen))
BLOCKING_WRAP_AS(ssize_t, __recv_chk, "recv", CPROF_TRACE_WAIT_CALL,
		 (int fd, void *buf, size_t n, size_t buflen, int flags),
		 (fd, buf, n, buflen, flags))
BLOCKING_WRAP_AS(ssize_t, __recvfrom_chk, "recvfrom", CPROF_TRACE_WAIT_CALL,
		 (int fd, void *restrict buf, size_t n, size_t buflen,
		  int flags, struct sockaddr *restrict from,
		  socklen_t *restrict len),
		 (fd, buf, n, buflen, flags, from, len))
BLOCKING_WRAP_AS(int, __poll_chk, "poll", CPROF_TRACE_WAIT_CALL,
		 (struct pollfd *fds, nfds_t n, int ms, size_t fdslen),
		 (fds, n, ms, fdslen))
BLOCKING_WRAP_AS(int, __ppoll_chk, "ppoll", CPROF_TRACE_WAIT_CALL,
		 (struct pollfd *fds, nfds_t n, const struct timespec *ts,
		  const sigset_t *mask, size_t fdslen),
		 (fds, n, ts, mask, fdslen))

#define BLOCKING_INIT(name)                                                   \
	do {                                                                  \
		if (BLOCKING_REAL(name) == NULL)                              \
			BLOCKING_REAL(name) = blocking_resolve(#name);        \
	} while (0)

int cprof__blocking_init(void)
{
	BLOCKING_INIT(sleep);
	BLOCKING_INIT(usleep);
	BLOCKING_INIT(nanosleep);
	BLOCKING_INIT(clock_nanosleep);
	BLOCKING_INIT(poll);
	BLOCKING_INIT(ppoll);
	BLOCKING_INIT(select);
	BLOCKING_INIT(pselect);
	BLOCKING_INIT(epoll_wait);
	BLOCKING_INIT(epoll_pwait);
	BLOCKING_INIT(read);
	BLOCKING_INIT(readv);
	BLOCKING_INIT(recv);
	BLOCKING_INIT(recvfrom);
	BLOCKING_INIT(recvmsg);
	BLOCKING_INIT(accept);
	BLOCKING_INIT(accept4);
	BLOCKING_INIT(connect);
	BLOCKING_INIT(waitpid);
	BLOCKING_INIT(wait4);
	BLOCKING_INIT(sigtimedwait);
	BLOCKING_INIT(sigwaitinfo);
	BLOCKING_INIT(pause);
	BLOCKING_INIT(sigsuspend);
	BLOCKING_INIT(__read_chk);
	BLOCKING_INIT(__recv_chk);
	BLOCKING_INIT(__recvfrom_chk);
	BLOCKING_INIT(__poll_chk);
	BLOCKING_INIT(__ppoll_chk);
	return BLOCKING_REAL(read) != NULL ? 0 : CPROF_ENOTSUP;
}
