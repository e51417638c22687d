/*
 * profile_named.c - /debug/pprof/<name>: the profiles of the registry.
 *
 * Go's handler: 404 "Unknown profile" for a name nobody registered (any
 * name, "heap/" included); debug (Atoi, errors are 0) picks the form: 0 the
 * gzip'd profile.proto as an attachment named after the profile, anything
 * else the legacy text of that debug level. gc is accepted and ignored:
 * there is no collector to run first. A non-empty seconds asks for a delta
 * profile; its argument errors come in Go's order (seconds, then delta
 * support, then debug).
 */
#include <limits.h>
#include <string.h>

#include <microhttpd.h>

#include "cprof.h"
#include "http/http_internal.h"
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

/*
 * ?seconds=N: the argument checks of Go's serveDeltaProfile, in its order.
 * TODO(delta): collecting p0, waiting N s (ending early if the client goes,
 * like /profile), collecting p1 and answering p1 - p0 as an attachment named
 * "<name>-delta" comes with the delta issue; until then a valid request
 * gets 501 rather than a cumulative profile passed off as a delta.
 */
static void named_delta(const struct cprof__http_request *req,
			const struct cprof__named_profile *p,
			const struct cprof__buf *seconds,
			struct cprof__http_reply *reply)
{
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
	cprof__http_reply_error(reply, MHD_HTTP_NOT_IMPLEMENTED,
				"delta profiles are not implemented yet");
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
	cprof__http_reply_binary(reply, p->name);
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
