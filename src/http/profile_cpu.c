/*
 * profile_cpu.c - /debug/pprof/profile: a CPU profile of the next N seconds.
 *
 * As Go: seconds is ParseInt base 10, anything missing, unparsable or <= 0
 * means 30; one session per process (a second request gets Go's 500 with
 * "cpu profiling already in use"); the handler waits the duration or until
 * the client goes away, then ends the session and sends the gzip'd
 * profile.proto as an attachment named "profile".
 *
 * "Goes away" is Go's request-context cancellation: the peer closed its
 * side (POLLRDHUP) or the socket failed. We poll in short slices so that
 * cprof__http_stop can end a session quickly. A session is always ended,
 * whatever happened to the client, so the next request can start one.
 */
#include <poll.h>
#include <time.h>

#include <microhttpd.h>

#include "cprof.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "pprof/pprof.h"
#include "profiles/cpu.h"

/* How often the wait looks at the stop flag. */
#define CPU_POLL_SLICE_MS 100

enum cpu_wait_end { CPU_WAIT_ELAPSED, CPU_WAIT_CLIENT_GONE, CPU_WAIT_STOP };

static int64_t cpu_seconds(const struct cprof__http_request *req)
{
	struct cprof__buf v;
	int64_t sec;

	cprof__buf_init(&v, 0);
	cprof__http_query_get(req->query, req->query_len, "seconds", &v);
	if (cprof__http_parse_int(v.data, v.len, &sec) != 0 || sec <= 0)
		sec = CPROF_HTTP_DEFAULT_PROFILE_SECONDS;
	cprof__buf_fini(&v);
	/* Not Go's: a bound, so the deadline cannot overflow. */
	if (sec > CPROF_HTTP_MAX_PROFILE_SECONDS)
		sec = CPROF_HTTP_MAX_PROFILE_SECONDS;
	return sec;
}

static int64_t cpu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True if the peer has closed or broken the connection. Pipelined bytes
 * (POLLIN alone) do not count, as in Go. */
static bool cpu_client_gone(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLRDHUP};

	if (poll(&p, 1, timeout_ms) <= 0)
		return false; /* timeout, or EINTR: look again next slice */
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static enum cpu_wait_end cpu_wait(int fd, int64_t seconds)
{
	int64_t deadline = cpu_now_ms() + seconds * 1000;

	for (;;) {
		int64_t left = deadline - cpu_now_ms();
		int slice = left < CPU_POLL_SLICE_MS ? (int)left
						     : CPU_POLL_SLICE_MS;

		if (left <= 0)
			return CPU_WAIT_ELAPSED;
		if (cprof__http_stopping())
			return CPU_WAIT_STOP;
		if (fd < 0) {
			struct timespec ts = {0, (long)slice * 1000000};

			nanosleep(&ts, NULL);
		} else if (cpu_client_gone(fd, slice)) {
			return CPU_WAIT_CLIENT_GONE;
		}
	}
}

static void cpu_reply(struct cprof__profile *p, int error,
		      struct cprof__http_reply *reply)
{
	if (p == NULL) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"failed to collect profile: %s",
					cprof_strerror(error));
		return;
	}
	error = cprof__pprof_encode(p, &reply->body, true);
	if (error != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"failed to encode profile: %s",
					cprof_strerror(error));
		return;
	}
	cprof__http_reply_binary(reply, "profile");
}

void cprof__http_serve_cpu(const struct cprof__http_request *req,
			   struct cprof__http_reply *reply)
{
	int64_t seconds = cpu_seconds(req);
	struct cprof__profile *p;
	enum cpu_wait_end end;
	int error;

	error = cprof__cpu_begin(cprof__http_cpu_hz());
	if (error != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
			"Could not enable CPU profiling: %s",
			error == CPROF_EBUSY ? CPROF_CPU_BUSY_MESSAGE
					     : cprof_strerror(error));
		return;
	}
	end = cpu_wait(req->fd, seconds);
	p = cprof__cpu_end(&error);
	if (end == CPU_WAIT_ELAPSED) {
		cpu_reply(p, error, reply);
	} else {
		/* Nobody to send it to: the session still had to end. */
		reply->drop = true;
	}
	if (p != NULL)
		cprof__profile_free(p);
}
