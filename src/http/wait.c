/*
 * wait.c - waiting out a profile's duration on a connection's thread.
 *
 * /profile and the delta form of the named profiles wait N seconds between
 * starting and answering. The wait ends early when the client goes away
 * (its side of the socket closed: POLLRDHUP) or the server stops; it polls
 * in short slices so that a stop is seen promptly.
 */
#include <poll.h>
#include <time.h>

#include "http/http_internal.h"

/* How often the wait looks at the stop flag. */
#define WAIT_SLICE_MS 100

static int64_t wait_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True if the peer has closed or broken the connection. Pipelined bytes
 * (POLLIN alone) do not count, as in Go. */
static bool wait_client_gone(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	if (poll(&p, 1, timeout_ms) <= 0)
		return false; /* timeout, or EINTR: look again next slice */
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

enum cprof__http_wait_end cprof__http_wait(int fd, int64_t seconds)
{
	return cprof__http_wait_ms(fd, seconds * 1000);
}

enum cprof__http_wait_end cprof__http_wait_ms(int fd, int64_t ms)
{
	int64_t deadline = wait_now_ms() + ms;

	for (;;) {
		int64_t left = deadline - wait_now_ms();
		int slice = left < WAIT_SLICE_MS ? (int)left : WAIT_SLICE_MS;

		if (left <= 0)
			return CPROF_HTTP_WAIT_ELAPSED;
		if (cprof__http_stopping())
			return CPROF_HTTP_WAIT_STOP;
		if (fd < 0) {
			struct timespec ts = {0, (long)slice * 1000000};

			nanosleep(&ts, NULL);
		} else if (wait_client_gone(fd, slice)) {
			return CPROF_HTTP_WAIT_CLIENT_GONE;
		}
	}
}
