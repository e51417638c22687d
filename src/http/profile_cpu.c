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
#include <microhttpd.h>

#include "cprof.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "pprof/pprof.h"
#include "profiles/cpu.h"

int64_t cprof__http_profile_seconds(const struct cprof__http_request *req)
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

void cprof__http_reply_profile(struct cprof__profile *p, int error,
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
	cprof__http_reply_binary(reply, "profile", "");
}

void cprof__http_serve_cpu(const struct cprof__http_request *req,
			   struct cprof__http_reply *reply)
{
	int64_t seconds = cprof__http_profile_seconds(req);
	struct cprof__profile *p;
	enum cprof__http_wait_end end;
	int error;

	error = cprof__cpu_begin(cprof__http_cpu_hz());
	if (error != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
			"Could not enable CPU profiling: %s",
			error == CPROF_EBUSY ? CPROF_CPU_BUSY_MESSAGE
					     : cprof_strerror(error));
		return;
	}
	end = cprof__http_wait(req->fd, seconds);
	p = cprof__cpu_end(&error);
	if (end == CPROF_HTTP_WAIT_ELAPSED) {
		cprof__http_reply_profile(p, error, reply);
	} else {
		/* Nobody to send it to: the session still had to end. */
		reply->drop = true;
	}
	if (p != NULL)
		cprof__profile_free(p);
}
