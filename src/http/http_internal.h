/*
 * http_internal.h - what the files of src/http share.
 *
 * The handlers (index.c, cmdline.c, symbol.c, profile_cpu.c,
 * profile_named.c) never see libmicrohttpd: each gets a parsed request and
 * fills a reply, which respond.c turns into Go's exact headers and queues.
 * routes.c owns dispatch (paths, methods, bodies); server.c the daemon, its
 * threads and the per-connection state; params.c Go's parsing of query
 * values (net/url and strconv semantics).
 *
 * Everything here runs on the server's own threads (named cprof-http), never
 * in a signal handler or a hook; it allocates through base/alloc.h.
 */
#ifndef CPROF_SRC_HTTP_HTTP_INTERNAL_H
#define CPROF_SRC_HTTP_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct MHD_Connection;

/* Go's default duration for /debug/pprof/profile. */
#define CPROF_HTTP_DEFAULT_PROFILE_SECONDS 30
/* Longest request target (path and query) we keep; MHD answers 414 or 431
 * beyond its per-connection memory long before this. */
#define CPROF_HTTP_MAX_TARGET (1u << 20)
/* The name every thread of the server carries. */
#define CPROF_HTTP_THREAD_NAME "cprof-http"

/*
 * Per-connection state, reused by each request on the connection. Allocated
 * by the listening thread before the connection's thread exists and freed by
 * it after that thread is joined; in between only the connection's thread
 * touches it, so it needs no lock.
 */
struct cprof__http_conn {
	struct cprof__buf target; /* raw request target, "/path?query" */
	struct cprof__buf path;   /* the target's path, percent-decoded */
	struct cprof__buf body;   /* POST body, capped */
	bool started;             /* the access handler has seen this request */
	bool answered;            /* a response is queued for it */
	size_t discarded;         /* body bytes dropped past the cap */
	bool target_bad;          /* target too long or not decodable */
};

/* One request, as the handlers see it. Strings point into the connection's
 * state and live until the reply is queued. */
struct cprof__http_request {
	const char *method;
	const char *path;  /* percent-decoded, NUL-terminated; may hold NULs */
	size_t path_len;
	const char *query; /* raw (still escaped), without the '?' */
	size_t query_len;
	const char *body;  /* POST body (symbol only), else NULL */
	size_t body_len;
	int fd;            /* the client's socket, -1 if unknown */
};

/* Longest attachment filename: a profile name and "-delta". */
#define CPROF_HTTP_MAX_FILENAME 96

/* What a handler answers. Static strings only in the pointer fields. */
struct cprof__http_reply {
	int status;
	const char *content_type;
	/* Filename for Content-Disposition, "" for none. */
	char attachment[CPROF_HTTP_MAX_FILENAME];
	const char *allow;      /* Allow header (405), or NULL */
	bool go_error;          /* X-Go-Pprof: 1 (Go's serveError) */
	bool drop;              /* client gone: close, send nothing */
	struct cprof__buf location; /* Location header (redirects) when len */
	struct cprof__buf body;
};

/* respond.c: Go's response shapes. */
void cprof__http_reply_init(struct cprof__http_reply *r);
void cprof__http_reply_fini(struct cprof__http_reply *r);
void cprof__http_reply_text(struct cprof__http_reply *r);
void cprof__http_reply_binary(struct cprof__http_reply *r,
			      const char *filename, const char *suffix);
void cprof__http_reply_error(struct cprof__http_reply *r, int status,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cprof__http_reply_mux_error(struct cprof__http_reply *r, int status,
				 const char *message);
int cprof__http_reply_send(struct MHD_Connection *connection,
			   struct cprof__http_reply *r);

/* params.c: Go's url.ParseQuery + Values.Get, and strconv. */
bool cprof__http_query_get(const char *query, size_t len, const char *key,
			   struct cprof__buf *out);
bool cprof__http_unescape(const char *s, size_t n, bool plus_is_space,
			  struct cprof__buf *out);
int cprof__http_parse_int(const char *s, size_t n, int64_t *out);
int64_t cprof__http_atoi(const char *s, size_t n);
int cprof__http_parse_uint0(const char *s, size_t n, uint64_t *out);

/* The handlers. */
void cprof__http_serve_index(const struct cprof__http_request *req,
			     struct cprof__http_reply *reply);
void cprof__http_serve_cmdline(const struct cprof__http_request *req,
			       struct cprof__http_reply *reply);
void cprof__http_serve_symbol(const struct cprof__http_request *req,
			      struct cprof__http_reply *reply);
void cprof__http_serve_cpu(const struct cprof__http_request *req,
			   struct cprof__http_reply *reply);
void cprof__http_serve_named(const struct cprof__http_request *req,
			     const char *name, size_t name_len,
			     struct cprof__http_reply *reply);
void cprof__http_serve_trace(const struct cprof__http_request *req,
			     struct cprof__http_reply *reply);
void cprof__http_serve_wall(const struct cprof__http_request *req,
			    struct cprof__http_reply *reply);
/* profile_cpu.c, for every timed profile: Go's seconds parameter (ParseInt,
 * missing, bad or <= 0: 30), and the reply with a profile (or the error
 * that left p NULL). */
int64_t cprof__http_profile_seconds(const struct cprof__http_request *req);
struct cprof__profile;
void cprof__http_reply_profile(struct cprof__profile *p, int error,
			       struct cprof__http_reply *reply);

/* routes.c: the MHD access handler (for files that include microhttpd.h). */
#ifdef MHD_VERSION
enum MHD_Result cprof__http_route(void *cls,
				  struct MHD_Connection *connection,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls);
#endif

/* wait.c: waits `seconds`, or until the client goes or the server stops. */
enum cprof__http_wait_end {
	CPROF_HTTP_WAIT_ELAPSED,
	CPROF_HTTP_WAIT_CLIENT_GONE,
	CPROF_HTTP_WAIT_STOP,
};
enum cprof__http_wait_end cprof__http_wait(int fd, int64_t seconds);
/* The same, for a duration in milliseconds (/trace takes fractions). */
enum cprof__http_wait_end cprof__http_wait_ms(int fd, int64_t ms);

/* server.c: state the handlers read. */
int cprof__http_cpu_hz(void);
bool cprof__http_stopping(void);

#endif
