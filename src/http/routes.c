/*
 * routes.c - which handler answers a request, as Go's ServeMux decides it.
 *
 * Go >= 1.23 registers every /debug/pprof/ path as "GET ..." (so HEAD
 * too), and its mux answers other methods with 405 and an Allow header. We
 * do the same, except that /debug/pprof/symbol also takes POST: pprof POSTs
 * its addresses there and our profiles may need remote symbolization.
 * Paths outside /debug/pprof/ get the mux's "404 page not found";
 * /debug/pprof itself the mux's 301 to /debug/pprof/. Everything under the
 * prefix that is not index, cmdline, profile, trace or symbol is a named profile
 * (so "heap/" is 404 "Unknown profile", as in Go).
 *
 * Also owns the request body: only POST /symbol reads one, capped at
 * CPROF_HTTP_MAX_SYMBOL_BODY. A larger body is refused with 413 (Go's
 * serveError shape, so pprof shows why) rather than symbolizing a truncated
 * and therefore possibly wrong last address: at once when Content-Length
 * says so, else once the body ends (see ROUTES_MAX_DISCARD).
 */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http/http.h"
#include "http/http_internal.h"

#define ROUTES_PREFIX "/debug/pprof/"
#define ROUTES_PREFIX_LEN (sizeof(ROUTES_PREFIX) - 1)
#define ROUTES_ALLOW "GET, HEAD"
#define ROUTES_ALLOW_SYMBOL "GET, HEAD, POST"
#define ROUTES_TOO_LARGE "http: request body too large"
/* A body past the cap is read and dropped up to this much more, so that the
 * client, still sending, gets to read our 413; beyond it we answer at once
 * and MHD closes (the client may then see a reset instead). */
#define ROUTES_MAX_DISCARD (16 * (size_t)CPROF_HTTP_MAX_SYMBOL_BODY)

static bool routes_path_is(const struct cprof__http_request *req,
			   const char *path)
{
	size_t n = strlen(path);

	return req->path_len == n && memcmp(req->path, path, n) == 0;
}

static bool routes_get_or_head(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	       strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

static bool routes_wants_body(const struct cprof__http_request *req)
{
	return strcmp(req->method, MHD_HTTP_METHOD_POST) == 0 &&
	       routes_path_is(req, ROUTES_PREFIX "symbol");
}

/* Splits the raw target into its decoded path and raw query. False when
 * the path does not decode (Go's server answers 400 before any handler). */
static bool routes_parse(struct cprof__http_conn *c, const char *method,
			 struct cprof__http_request *req)
{
	const char *t = c->target.data ? c->target.data : "";
	const char *q = memchr(t, '?', c->target.len);
	size_t plen = q ? (size_t)(q - t) : c->target.len;

	memset(req, 0, sizeof(*req));
	req->method = method;
	req->fd = -1;
	if (c->target_bad || !cprof__http_unescape(t, plen, false, &c->path))
		return false;
	req->path = c->path.data;
	req->path_len = c->path.len;
	req->query = q ? q + 1 : "";
	req->query_len = q ? c->target.len - plen - 1 : 0;
	return true;
}

/* http.Redirect's 301, as the mux sends it for a missing trailing slash. */
static void routes_redirect(const struct cprof__http_request *req,
			    struct cprof__http_reply *reply)
{
	cprof__buf_puts(&reply->location, ROUTES_PREFIX);
	if (req->query_len > 0) {
		cprof__buf_putc(&reply->location, '?');
		cprof__buf_append(&reply->location, req->query,
				  req->query_len);
	}
	reply->status = MHD_HTTP_MOVED_PERMANENTLY;
	reply->content_type = "text/html; charset=utf-8";
	/* The target is echoed: escape it as html.EscapeString would. */
	cprof__buf_puts(&reply->body, "<a href=\"");
	for (size_t i = 0; i < reply->location.len; i++) {
		char ch = reply->location.data[i];

		switch (ch) {
		case '<': cprof__buf_puts(&reply->body, "&lt;"); break;
		case '>': cprof__buf_puts(&reply->body, "&gt;"); break;
		case '&': cprof__buf_puts(&reply->body, "&amp;"); break;
		case '"': cprof__buf_puts(&reply->body, "&#34;"); break;
		case '\'': cprof__buf_puts(&reply->body, "&#39;"); break;
		default: cprof__buf_putc(&reply->body, ch);
		}
	}
	cprof__buf_puts(&reply->body, "\">Moved Permanently</a>.\n\n");
}

static void routes_not_allowed(struct cprof__http_reply *reply,
			       const char *allow)
{
	cprof__http_reply_mux_error(reply, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "Method Not Allowed");
	reply->allow = allow;
}

static void routes_pprof(const struct cprof__http_request *req,
			 struct cprof__http_reply *reply)
{
	const char *rest = req->path + ROUTES_PREFIX_LEN;
	size_t rest_len = req->path_len - ROUTES_PREFIX_LEN;

	if (routes_path_is(req, ROUTES_PREFIX "symbol")) {
		if (routes_get_or_head(req->method) ||
		    strcmp(req->method, MHD_HTTP_METHOD_POST) == 0)
			cprof__http_serve_symbol(req, reply);
		else
			routes_not_allowed(reply, ROUTES_ALLOW_SYMBOL);
		return;
	}
	if (!routes_get_or_head(req->method))
		routes_not_allowed(reply, ROUTES_ALLOW);
	else if (rest_len == 0)
		cprof__http_serve_index(req, reply);
	else if (routes_path_is(req, ROUTES_PREFIX "cmdline"))
		cprof__http_serve_cmdline(req, reply);
	else if (routes_path_is(req, ROUTES_PREFIX "profile"))
		cprof__http_serve_cpu(req, reply);
	else if (routes_path_is(req, ROUTES_PREFIX "trace"))
		cprof__http_serve_trace(req, reply);
	else if (routes_path_is(req, ROUTES_PREFIX "wall"))
		cprof__http_serve_wall(req, reply);
	else
		cprof__http_serve_named(req, rest, rest_len, reply);
}

static void routes_dispatch(const struct cprof__http_request *req,
			    struct cprof__http_reply *reply)
{
	if (routes_path_is(req, "/debug/pprof")) {
		if (routes_get_or_head(req->method))
			routes_redirect(req, reply);
		else
			routes_not_allowed(reply, ROUTES_ALLOW);
	} else if (req->path_len >= ROUTES_PREFIX_LEN &&
		   memcmp(req->path, ROUTES_PREFIX, ROUTES_PREFIX_LEN) == 0) {
		routes_pprof(req, reply);
	} else {
		cprof__http_reply_mux_error(reply, MHD_HTTP_NOT_FOUND,
					    "404 page not found");
	}
}

static int routes_fd(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info;

	info = MHD_get_connection_info(connection,
				       MHD_CONNECTION_INFO_CONNECTION_FD);
	return info != NULL ? info->connect_fd : -1;
}

static enum MHD_Result routes_answer(struct MHD_Connection *connection,
				     struct cprof__http_conn *c,
				     const char *method)
{
	struct cprof__http_request req;
	struct cprof__http_reply reply;
	enum MHD_Result ret;

	cprof__http_reply_init(&reply);
	if (!routes_parse(c, method, &req)) {
		cprof__http_reply_mux_error(&reply, MHD_HTTP_BAD_REQUEST,
					    "400 Bad Request");
	} else {
		req.fd = routes_fd(connection);
		if (routes_wants_body(&req)) {
			req.body = c->body.data ? c->body.data : "";
			req.body_len = c->body.len;
		}
		routes_dispatch(&req, &reply);
	}
	c->answered = true;
	ret = (enum MHD_Result)cprof__http_reply_send(connection, &reply);
	cprof__http_reply_fini(&reply);
	return ret;
}

static enum MHD_Result routes_too_large(struct MHD_Connection *connection,
					struct cprof__http_conn *c)
{
	struct cprof__http_reply reply;
	enum MHD_Result ret;

	c->answered = true;
	cprof__http_reply_init(&reply);
	cprof__http_reply_error(&reply, MHD_HTTP_CONTENT_TOO_LARGE, "%s",
				ROUTES_TOO_LARGE);
	ret = (enum MHD_Result)cprof__http_reply_send(connection, &reply);
	cprof__http_reply_fini(&reply);
	return ret;
}

/* A declared body past the cap is refused before the client sends it (and
 * before MHD answers an Expect: 100-continue). */
static bool routes_declared_too_large(struct MHD_Connection *connection)
{
	const char *cl;
	char *end;
	unsigned long long n;

	cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL)
		return false;
	n = strtoull(cl, &end, 10);
	return end != cl && n > CPROF_HTTP_MAX_SYMBOL_BODY;
}

/* A body nobody will read (GET with a body, POST elsewhere). */
static bool routes_has_body(struct MHD_Connection *connection)
{
	const char *cl;

	if (MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	return cl != NULL && strtoull(cl, NULL, 10) != 0;
}

/*
 * MHD calls this once when the headers are in, then once per chunk of body,
 * then once more with no data. We answer on that last call (answering
 * earlier makes MHD close the connection, and scrapers reuse theirs),
 * except for a body we do not want, which we refuse to read.
 */
enum MHD_Result cprof__http_route(void *cls, struct MHD_Connection *connection,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct cprof__http_conn *c = *req_cls;
	struct cprof__http_request req;

	if (c == NULL)
		return MHD_NO; /* out of memory at accept */
	if (!c->started) {
		c->started = true;
		c->answered = false;
		c->discarded = 0;
		if (!routes_parse(c, method, &req))
			return routes_answer(connection, c, method);
		if (routes_wants_body(&req)) {
			if (routes_declared_too_large(connection))
				return routes_too_large(connection, c);
		} else if (routes_has_body(connection)) {
			/* Not read: answered now, MHD closes after it. */
			return routes_answer(connection, c, method);
		}
		/* Answered on the last call, so MHD keeps the connection. */
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		/* Past the cap the buffer drops the bytes (sticky error). */
		if (!cprof__buf_failed(&c->body))
			cprof__buf_append(&c->body, upload_data, n);
		else
			c->discarded += n;
		if (c->discarded > ROUTES_MAX_DISCARD && !c->answered)
			return routes_too_large(connection, c);
		return MHD_YES;
	}
	if (c->answered)
		return MHD_YES;
	if (cprof__buf_failed(&c->body))
		return routes_too_large(connection, c);
	return routes_answer(connection, c, method);
}
