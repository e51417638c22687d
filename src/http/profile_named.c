/*
 * profile_named.c - /debug/pprof/<name>: the profiles of the registry.
 *
 * Go's handler: 404 "Unknown profile" for a name nobody registered (any
 * name, "heap/" included); debug (Atoi, errors are 0) picks the form: 0 the
 * gzip'd profile.proto as an attachment named after the profile, anything
 * else the legacy text of that debug level. gc is accepted and ignored:
 * there is no collector to run first. A non-empty seconds asks for a delta
 * profile (p1 - p0 over that many seconds); its argument errors come in
 * Go's order (seconds, then delta support, then debug).
 */
#include <limits.h>
#include <string.h>

#include <microhttpd.h>

#include "base/clock.h"
#include "cprof.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "pprof/merge.h"
#include "pprof/pprof.h"
#include "profiles/registry.h"

/* The value of key in the request's query, as FormValue returns it. */
static void named_param(const struct cprof__http_request *req,
			const char *key, struct cprof__buf *out)
{
	cprof__http_query_get(req->query, req->query_len, key, out);
}

static int64_t named_debug(const struct cprof__http_request *req)
{
	struct cprof__buf v;
	int64_t debug;

	cprof__buf_init(&v, 0);
	named_param(req, "debug", &v);
	debug = cprof__http_atoi(v.data, v.len);
	cprof__buf_fini(&v);
	return debug;
}

/* p1 - p0, stamped as Go stamps a delta: the time of p1, and the time
 * between the two snapshots as the duration. */
static void named_delta_reply(const struct cprof__named_profile *p,
			      struct cprof__profile *p0,
			      struct cprof__profile *p1,
			      struct cprof__http_reply *reply)
{
	const struct cprof__profile *in[2] = {p0, p1};
	const double scales[2] = {-1, 1};
	struct cprof__profile *delta;

	if (cprof__profile_merge(in, scales, 2, &delta) != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"failed to compute delta");
		return;
	}
	delta->time_nanos = p1->time_nanos;
	delta->duration_nanos = p1->time_nanos - p0->time_nanos;
	if (cprof__pprof_encode(delta, &reply->body, true) != 0) {
		cprof__profile_free(delta);
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"failed to compute delta");
		return;
	}
	cprof__profile_free(delta);
	cprof__http_reply_binary(reply, p->name, "-delta");
}

/* Collects the profile, stamped with the time it was taken (Go stamps each
 * snapshot after writing it). */
static struct cprof__profile *
named_snapshot(const struct cprof__named_profile *p)
{
	struct cprof__profile *prof;
	int error;

	prof = p->build ? p->build(&error) : NULL;
	if (prof != NULL)
		prof->time_nanos = cprof__wall_ns();
	return prof;
}

/*
 * ?seconds=N: Go's serveDeltaProfile. The argument checks come in its
 * order; then the profile is collected, N seconds pass (or the client goes:
 * nothing to answer, as Go's "context canceled"), it is collected again and
 * the difference is answered as "<name>-delta". Every value column is
 * differenced, in-use ones included, so negative values are legal.
 */
static void named_delta(const struct cprof__http_request *req,
			const struct cprof__named_profile *p,
			const struct cprof__buf *seconds,
			struct cprof__http_reply *reply)
{
	struct cprof__profile *p0, *p1 = NULL;
	int64_t sec;

	if (cprof__http_parse_int(seconds->data, seconds->len, &sec) != 0 ||
	    sec <= 0) {
		cprof__http_reply_error(reply, MHD_HTTP_BAD_REQUEST,
			"invalid value for \"seconds\" - must be a positive "
			"integer");
		return;
	}
	if (!p->delta) {
		cprof__http_reply_error(reply, MHD_HTTP_BAD_REQUEST,
			"\"seconds\" parameter is not supported for this "
			"profile type");
		return;
	}
	if (named_debug(req) != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_BAD_REQUEST,
			"seconds and debug params are incompatible");
		return;
	}
	if (sec > CPROF_HTTP_MAX_PROFILE_SECONDS)
		sec = CPROF_HTTP_MAX_PROFILE_SECONDS;
	p0 = named_snapshot(p);
	if (p0 == NULL) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"failed to collect profile");
		return;
	}
	switch (cprof__http_wait(req->fd, sec)) {
	case CPROF_HTTP_WAIT_ELAPSED:
		p1 = named_snapshot(p);
		if (p1 == NULL)
			cprof__http_reply_error(reply,
						MHD_HTTP_INTERNAL_SERVER_ERROR,
						"failed to collect profile");
		else
			named_delta_reply(p, p0, p1, reply);
		break;
	case CPROF_HTTP_WAIT_CLIENT_GONE:
		reply->drop = true;
		break;
	case CPROF_HTTP_WAIT_STOP:
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"context canceled");
		break;
	}
	cprof__profile_free(p0);
	cprof__profile_free(p1);
}

static void named_text(const struct cprof__named_profile *p, int64_t debug,
		       struct cprof__http_reply *reply)
{
	/* Go's int is 64-bit; ours is not. Only the sign and small values
	 * mean anything to a writer, so clamping keeps the meaning. */
	int level = debug > INT_MAX ? INT_MAX
				    : debug < INT_MIN ? INT_MIN : (int)debug;
	int error;

	/* A kind may register before its legacy text writer exists. */
	if (p->write_text == NULL) {
		cprof__http_reply_error(reply, MHD_HTTP_NOT_IMPLEMENTED,
			"the debug=%lld text form of %s is not implemented yet",
			(long long)debug, p->name);
		return;
	}
	error = p->write_text(level, &reply->body);
	if (error != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"failed to collect profile: %s",
					cprof_strerror(error));
		return;
	}
	cprof__http_reply_text(reply);
}

static void named_proto(const struct cprof__named_profile *p,
			struct cprof__http_reply *reply)
{
	struct cprof__profile *prof;
	int error = CPROF_ENOTSUP;

	prof = p->build ? p->build(&error) : NULL;
	if (prof != NULL)
		error = cprof__pprof_encode(prof, &reply->body, true);
	if (prof != NULL)
		cprof__profile_free(prof);
	if (error != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"failed to collect profile: %s",
					cprof_strerror(error));
		return;
	}
	cprof__http_reply_binary(reply, p->name, "");
}

void cprof__http_serve_named(const struct cprof__http_request *req,
			     const char *name, size_t name_len,
			     struct cprof__http_reply *reply)
{
	const struct cprof__named_profile *p = NULL;
	struct cprof__buf seconds;
	int64_t debug;

	/* A decoded name can hold a NUL ("heap%00x"): no such profile. */
	if (memchr(name, '\0', name_len) == NULL)
		p = cprof__registry_find(name);
	if (p == NULL) {
		cprof__http_reply_error(reply, MHD_HTTP_NOT_FOUND,
					"Unknown profile");
		return;
	}
	cprof__buf_init(&seconds, 0);
	named_param(req, "seconds", &seconds);
	if (seconds.len > 0) {
		named_delta(req, p, &seconds, reply);
	} else if ((debug = named_debug(req)) != 0) {
		named_text(p, debug, reply);
	} else {
		named_proto(p, reply);
	}
	cprof__buf_fini(&seconds);
}
