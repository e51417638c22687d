/*
 * http.h - the /debug/pprof/ surface, on libmicrohttpd.
 *
 * Go's net/http/pprof contract, exactly where the concept exists in C:
 * the index page, cmdline, profile (CPU), symbol (GET and POST), the named
 * profiles of the registry, 404 "Unknown profile" for the rest, Go's headers
 * and error bodies. The server runs in threads named cprof-http, which are
 * cprof's own (never profiled).
 */
#ifndef CPROF_SRC_HTTP_HTTP_H
#define CPROF_SRC_HTTP_HTTP_H

/* Bounds on what a client can make us do. */
#define CPROF_HTTP_MAX_CONNECTIONS 32
#define CPROF_HTTP_MAX_SYMBOL_BODY (1u << 20)  /* POST /symbol body */
#define CPROF_HTTP_CONNECTION_TIMEOUT 600      /* seconds idle */
/* Longest /profile?seconds=N honoured (Go has no bound; ours only keeps the
 * deadline from overflowing). A client can always end one early by closing
 * the connection. */
#define CPROF_HTTP_MAX_PROFILE_SECONDS 86400

/* Listens on host:port (host is a numeric address or a name). Returns 0, or
 * CPROF_EIO when it cannot listen (port in use...). */
int cprof__http_start(const char *host, int port);
void cprof__http_stop(void);
/* The CPU rate /debug/pprof/profile uses (CPROF_CPU_HZ); <= 0 means
 * CPROF_DEFAULT_CPU_HZ. Any time, any thread. */
void cprof__http_set_cpu_hz(int hz);
/* In a forked child: close the listening socket without touching the
 * server's threads (they do not exist in the child). */
void cprof__http_atfork_child(void);

#endif
