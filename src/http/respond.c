/*
 * respond.c - Go's response shapes, and the one place a reply meets MHD.
 *
 * Clients key on exact headers: go tool pprof shows the body of an error
 * only when X-Go-Pprof is set and the type is text/plain; Alloy rejects a
 * profile whose Content-Type is not application/octet-stream. So every
 * reply goes through here: X-Content-Type-Options: nosniff everywhere (Go
 * sets it before any handler can fail), Content-Disposition only on a
 * successful binary reply, and errors exactly as serveError (X-Go-Pprof: 1)
 * or as the mux's http.Error (404 page not found, 405) writes them.
 *
 * The handlers fill a struct cprof__http_reply; cprof__http_reply_send hands
 * its body to MHD without a copy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cprof.h"
#include "http/http_internal.h"

#define RESPOND_TEXT "text/plain; charset=utf-8"
#define RESPOND_BINARY "application/octet-stream"
/* Room for attachment; filename="<name>" with a registry name. */
#define RESPOND_DISPOSITION_MAX 256

void cprof__http_reply_init(struct cprof__http_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->status = MHD_HTTP_OK;
	cprof__buf_init(&r->body, 0);
	cprof__buf_init(&r->location, 0);
}

void cprof__http_reply_fini(struct cprof__http_reply *r)
{
	cprof__buf_fini(&r->body);
	cprof__buf_fini(&r->location);
}

void cprof__http_reply_text(struct cprof__http_reply *r)
{
	r->content_type = RESPOND_TEXT;
	r->attachment[0] = '\0';
}

/* A successful binary download, saved by clients as filename (suffixed,
 * as "heap-delta"; suffix may be ""). */
void cprof__http_reply_binary(struct cprof__http_reply *r,
			      const char *filename, const char *suffix)
{
	r->content_type = RESPOND_BINARY;
	snprintf(r->attachment, sizeof(r->attachment), "%s%s", filename,
		 suffix);
}

/* Go's serveError: drops whatever the handler had written or set. */
void cprof__http_reply_error(struct cprof__http_reply *r, int status,
			     const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	r->content_type = RESPOND_TEXT;
	r->go_error = true;
	r->attachment[0] = '\0';
	cprof__buf_reset(&r->body);
	va_start(ap, fmt);
	cprof__buf_vprintf(&r->body, fmt, ap);
	va_end(ap);
	cprof__buf_putc(&r->body, '\n');
}

/* http.Error as the mux uses it: no X-Go-Pprof. */
void cprof__http_reply_mux_error(struct cprof__http_reply *r, int status,
				 const char *message)
{
	cprof__http_reply_error(r, status, "%s", message);
	r->go_error = false;
}

static struct MHD_Response *respond_body(struct cprof__http_reply *r)
{
	struct MHD_Response *resp;

	if (r->body.len == 0)
		return MHD_create_response_from_buffer(0, (void *)"",
						       MHD_RESPMEM_PERSISTENT);
	/* MHD frees the body with our allocator once it is sent. */
	resp = MHD_create_response_from_buffer_with_free_callback(
		r->body.len, r->body.data, cprof__free);
	if (resp != NULL)
		cprof__buf_init(&r->body, 0);
	return resp;
}

static bool respond_headers(struct MHD_Response *resp,
			    const struct cprof__http_reply *r)
{
	char disposition[RESPOND_DISPOSITION_MAX];
	bool ok = true;

	ok &= MHD_add_response_header(resp, "Content-Type",
				      r->content_type) == MHD_YES;
	ok &= MHD_add_response_header(resp, "X-Content-Type-Options",
				      "nosniff") == MHD_YES;
	if (r->go_error)
		ok &= MHD_add_response_header(resp, "X-Go-Pprof", "1") ==
		      MHD_YES;
	if (r->attachment[0] != '\0') {
		snprintf(disposition, sizeof(disposition),
			 "attachment; filename=\"%s\"", r->attachment);
		ok &= MHD_add_response_header(resp, "Content-Disposition",
					      disposition) == MHD_YES;
	}
	if (r->allow != NULL)
		ok &= MHD_add_response_header(resp, "Allow", r->allow) ==
		      MHD_YES;
	if (r->location.len > 0)
		ok &= MHD_add_response_header(resp, "Location",
					      r->location.data) == MHD_YES;
	return ok;
}

/*
 * Queues r on connection and releases its body. A body that hit its cap or
 * an allocation failure becomes a 500 here, so handlers need not check.
 * Returns MHD_YES, or MHD_NO to have MHD close the connection (the client
 * is gone, or nothing could be queued).
 */
int cprof__http_reply_send(struct MHD_Connection *connection,
			   struct cprof__http_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->drop)
		return MHD_NO;
	if (cprof__buf_failed(&r->body) || cprof__buf_failed(&r->location)) {
		int error = r->body.error ? r->body.error : r->location.error;

		cprof__buf_reset(&r->location);
		cprof__http_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"cprof: %s", cprof_strerror(error));
	}
	if (r->content_type == NULL)
		r->content_type = RESPOND_TEXT;
	resp = respond_body(r);
	if (resp == NULL)
		return MHD_NO;
	if (!respond_headers(resp, r)) {
		cprof__debug("http: could not add response headers");
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(connection, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}
