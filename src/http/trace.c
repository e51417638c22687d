/*
 * trace.c - /debug/pprof/trace: an execution trace of the next N seconds,
 * or what the flight recorder holds.
 *
 * As Go's Trace handler: seconds is ParseFloat, and a missing, unparsable,
 * zero or negative value means 1 second; a duration past the server's
 * limit is 400 "profile duration exceeds server's WriteTimeout" (Go's check
 * against its WriteTimeout, with CPROF_HTTP_MAX_PROFILE_SECONDS as ours);
 * one trace at a time, a second request gets 500 "Could not enable
 * tracing: tracing is already enabled". The body is Chrome Trace Event
 * JSON (not Go's binary format, which only Go's tools read), sent as Go
 * sends a trace: application/octet-stream, attachment "trace".
 *
 * Additive: flight=1 answers at once with the flight recorder's window
 * (CPROF_TRACE_FLIGHT), 400 when no flight recorder runs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "cprof.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "trace/trace.h"

#define TRACE_FLIGHT_OFF                                                      \
	"the flight recorder is off (start it with CPROF_TRACE_FLIGHT)"

/*
 * strconv.ParseFloat(s, 64) for what a query can hold: decimal or hex
 * floats, "inf"/"infinity"/"nan" in any case, an optional sign. No leading
 * or trailing space (strtod would skip the leading one). Underscores, which
 * Go accepts only with a base prefix, are refused here.
 */
static bool trace_parse_float(const char *s, size_t n, double *out)
{
	char text[64], *end;

	if (n == 0 || n >= sizeof(text) || memchr(s, '_', n) != NULL ||
	    s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\v' ||
	    s[0] == '\f' || s[0] == '\r')
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	errno = 0;
	*out = strtod(text, &end);
	/* Go reports a range error but still returns +-Inf or 0: either way
	 * the handler falls back to 1 second. */
	return *end == '\0' && errno == 0;
}

/* Go: sec, err := ParseFloat(...); if sec <= 0 || err != nil { sec = 1 } */
static double trace_seconds(const struct cprof__http_request *req)
{
	struct cprof__buf v;
	double sec = 1;

	cprof__buf_init(&v, 0);
	cprof__http_query_get(req->query, req->query_len, "seconds", &v);
	if (!trace_parse_float(v.data, v.len, &sec) || sec <= 0)
		sec = 1;
	cprof__buf_fini(&v);
	return sec;
}

static bool trace_wants_flight(const struct cprof__http_request *req)
{
	struct cprof__buf v;
	bool on;

	cprof__buf_init(&v, 0);
	cprof__http_query_get(req->query, req->query_len, "flight", &v);
	on = cprof__http_atoi(v.data, v.len) > 0;
	cprof__buf_fini(&v);
	return on;
}

static void trace_flight(struct cprof__http_reply *reply)
{
	int rc = cprof__trace_flight_dump(&reply->body, false);

	if (rc == CPROF_ESTATE)
		cprof__http_reply_error(reply, MHD_HTTP_BAD_REQUEST, "%s",
					TRACE_FLIGHT_OFF);
	else if (rc != 0)
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"Could not dump the flight recorder: "
					"%s", cprof_strerror(rc));
	else
		cprof__http_reply_binary(reply, "trace", "");
}

void cprof__http_serve_trace(const struct cprof__http_request *req,
			     struct cprof__http_reply *reply)
{
	double sec;
	enum cprof__http_wait_end end;
	int rc;

	if (trace_wants_flight(req)) {
		trace_flight(reply);
		return;
	}
	sec = trace_seconds(req);
	/* NaN passes Go's checks; its duration is then not positive, so Go's
	 * sleep returns at once: an empty trace. */
	if (isnan(sec))
		sec = 0;
	if (sec > CPROF_HTTP_MAX_PROFILE_SECONDS) {
		cprof__http_reply_error(reply, MHD_HTTP_BAD_REQUEST,
			"profile duration exceeds server's WriteTimeout");
		return;
	}
	rc = cprof__trace_begin();
	if (rc != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
			"Could not enable tracing: %s",
			rc == CPROF_EBUSY ? CPROF_TRACE_BUSY_MESSAGE
					  : cprof_strerror(rc));
		return;
	}
	end = cprof__http_wait_ms(req->fd, (int64_t)(sec * 1000.0));
	rc = cprof__trace_end(&reply->body, false);
	if (end != CPROF_HTTP_WAIT_ELAPSED) {
		reply->drop = true; /* nobody to send it to */
		return;
	}
	if (rc != 0)
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"Could not write the trace: %s",
					cprof_strerror(rc));
	else
		cprof__http_reply_binary(reply, "trace", "");
}
