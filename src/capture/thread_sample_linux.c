/*
 * thread_sample_linux.c - arming and ending one-shot samples of running
 * threads (see thread_sample.h). Ordinary threads only.
 *
 * Before arming, the target's blocked-signal mask is read from
 * /proc/self/task/TID/status: a thread that blocks our signal would keep
 * it pending, and the next ppoll, pselect, epoll_pwait or sigsuspend that
 * unblocks it would return EINTR at once. Such a thread is not sampled.
 */
#include "capture/thread_sample.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "capture/cpu_signal.h"
#include "capture/cpu_timer.h"
#include "cprof.h"

/* How long to wait for a handler that took a request to finish writing it
 * (it is a stack walk: microseconds). */
#define THREAD_SAMPLE_FINISH_NS 1000000000LL

/* Task-work CPU timers (Linux >= 5.9 on x86) generate the signal only on
 * the thread's way back to user mode. Without them a tick that lands while
 * the thread is in the kernel, just before it blocks, could leave the
 * signal pending across the blocking call (EINTR): running threads are
 * then not sampled at all. */
static bool thread_sample_kernel_ok(void)
{
	static int ok = -1; /* every thread computes the same value */
	struct utsname u;
	int major, minor;

	if (ok < 0)
		ok = uname(&u) == 0 &&
		     sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
		     (major > 5 || (major == 5 && minor >= 9));
	return ok;
}

/* True when tid's SigBlk mask has signo (or cannot be read: then it is
 * not safe to assume otherwise). */
static bool thread_sample_blocked(pid_t tid, int signo)
{
	char path[64], text[2048], *line;
	ssize_t n;
	int fd;
	uint64_t mask;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	if (n <= 0)
		return true;
	text[n] = '\0';
	line = strstr(text, "\nSigBlk:");
	if (line == NULL || sscanf(line + 8, "%" SCNx64, &mask) != 1)
		return true;
	return (mask >> (signo - 1)) & 1;
}

int cprof__thread_sample_arm(struct cprof__thread *t, pid_t tid,
			     struct cprof__thread_sample *req, timer_t *timer)
{
	struct cprof__thread_sample *none = NULL;
	int signo = cprof__cpu_signal_number();
	int rc;

	if (signo == 0 || !thread_sample_kernel_ok())
		return CPROF_ENOTSUP;
	if (thread_sample_blocked(tid, signo))
		return CPROF_EBUSY;
	atomic_store_explicit(&req->done, 0, memory_order_relaxed);
	req->depth = 0;
	/* Another sampler's request (the wall profile's beside a threads
	 * dump) is left alone: one request per thread at a time. */
	if (!atomic_compare_exchange_strong_explicit(&t->sample_req, &none, req,
						     memory_order_release,
						     memory_order_relaxed))
		return CPROF_EBUSY;
	rc = cprof__cpu_timer_oneshot(tid, signo, CPROF_SAMPLE_COOKIE, timer);
	if (rc != 0)
		atomic_store_explicit(&t->sample_req, NULL,
				      memory_order_relaxed);
	return rc;
}

int cprof__thread_sample_finish(struct cprof__thread *t,
				struct cprof__thread_sample *req, timer_t timer)
{
	int64_t deadline;

	/* Delete first: no new expiry after this. A signal already generated
	 * still arrives, finds no request and is ignored. */
	timer_delete(timer);
	if (atomic_exchange_explicit(&t->sample_req, NULL,
				     memory_order_acq_rel) != NULL)
		return 0;
	deadline = cprof__now_ns() + THREAD_SAMPLE_FINISH_NS;
	while (!atomic_load_explicit(&req->done, memory_order_acquire)) {
		if (cprof__now_ns() > deadline)
			return -1;
		sched_yield();
	}
	return 1;
}
