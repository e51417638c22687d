/*
 * server.c - the life of the /debug/pprof/ server: listening socket, the
 * libmicrohttpd daemon, its threads and per-connection state.
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a 30 s
 * /profile blocks only its own client; poll() rather than select() because
 * the host may own fds past FD_SETSIZE. We create the listening socket
 * ourselves: it binds exactly the address asked for (IPV6_V6ONLY on v6), is
 * close-on-exec so the host's children never inherit it, and an address in
 * use is one clear line on stderr rather than MHD's log.
 *
 * MHD's threads are created between cprof__thread_internal_begin and _end:
 * they are cprof's own, never profiled, and named cprof-http whatever MHD
 * calls them (the pthread_setname_np hook sees to it).
 *
 * Dispatch is in routes.c; what this file hands it is the raw request target
 * (MHD decodes the URL in place, and Go's /symbol reads the raw query), kept
 * in a per-connection struct that the URI log callback fills.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/alloc.h"
#include "base/config.h"
#include "base/log.h"
#include "capture/threads.h"
#include "cprof.h"
#include "http/http.h"
#include "http/http_internal.h"

#define SERVER_BACKLOG 64
/* MHD's per-connection pool: the request line, headers, body chunks and an
 * entry per query argument must fit (beyond it MHD answers 414/431, or just
 * closes when the arguments overflow it). Go allows 1 MiB of headers; 256
 * KiB takes a few thousand arguments, and bounds 32 connections to 8 MiB of
 * mostly untouched address space. */
#define SERVER_CONNECTION_MEMORY (256u << 10)

static pthread_mutex_t server_lock = PTHREAD_MUTEX_INITIALIZER;
static struct MHD_Daemon *server_daemon; /* protected by server_lock */
/* The listening socket while the daemon owns it, else -1. Atomic, so that
 * a forked child can read it without the lock (see atfork_child). */
static atomic_int server_fd = -1;
static atomic_int server_port;           /* 0 when not running */
static atomic_bool server_stop;          /* set while stopping */
static atomic_int server_hz = CPROF_DEFAULT_CPU_HZ;

int cprof__http_cpu_hz(void) { return atomic_load(&server_hz); }

bool cprof__http_stopping(void) { return atomic_load(&server_stop); }

void cprof__http_set_cpu_hz(int hz)
{
	if (hz <= 0)
		hz = CPROF_DEFAULT_CPU_HZ;
	if (hz > CPROF_MAX_CPU_HZ)
		hz = CPROF_MAX_CPU_HZ;
	atomic_store(&server_hz, hz);
}

/* MHD's own diagnostics are ours to route: only under CPROF_DEBUG. */
static void server_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	if (!cprof__log_debug_enabled())
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	cprof__debug("http: %s", line);
}

static void server_conn_free(struct cprof__http_conn *c)
{
	if (c == NULL)
		return;
	cprof__buf_fini(&c->target);
	cprof__buf_fini(&c->path);
	cprof__buf_fini(&c->body);
	cprof__free(c);
}

/* STARTED runs in the listening thread before the connection's thread
 * exists; CLOSED there too, after that thread was joined. */
static void server_connection(void *cls, struct MHD_Connection *connection,
			      void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	struct cprof__http_conn *c;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		server_conn_free(*socket_context);
		*socket_context = NULL;
		return;
	}
	c = cprof__calloc(1, sizeof(*c));
	if (c != NULL) {
		cprof__buf_init(&c->target, CPROF_HTTP_MAX_TARGET);
		cprof__buf_init(&c->path, CPROF_HTTP_MAX_TARGET);
		cprof__buf_init(&c->body, CPROF_HTTP_MAX_SYMBOL_BODY);
	}
	*socket_context = c;
}

/*
 * The first callback of each request, in the connection's thread, before
 * MHD decodes the target in place: keep the raw target. Its return value
 * becomes the request's context for routes.c.
 */
static void *server_uri(void *cls, const char *uri,
			struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info;
	struct cprof__http_conn *c;

	info = MHD_get_connection_info(connection,
				       MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	c = info != NULL ? info->socket_context : NULL;
	if (c == NULL)
		return NULL;
	c->started = false;
	cprof__buf_reset(&c->target);
	cprof__buf_reset(&c->path);
	cprof__buf_reset(&c->body);
	cprof__buf_puts(&c->target, uri);
	c->target_bad = cprof__buf_failed(&c->target);
	return c;
}

/* After each request: a body can be 1 MiB, don't keep it for the
 * connection's lifetime. */
static void server_completed(void *cls, struct MHD_Connection *connection,
			     void **req_cls,
			     enum MHD_RequestTerminationCode code)
{
	struct cprof__http_conn *c = *req_cls;

	if (c == NULL)
		return;
	c->started = false;
	cprof__buf_fini(&c->body);
	cprof__buf_init(&c->body, CPROF_HTTP_MAX_SYMBOL_BODY);
}

static int server_bind(const struct addrinfo *ai, int *out_fd)
{
	int fd, one = 1;

	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	/* As Go's listeners: a restart does not wait out TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, SERVER_BACKLOG) != 0) {
		int error = -errno;

		close(fd);
		return error;
	}
	*out_fd = fd;
	return 0;
}

/* The first address of host that we can listen on (a name may resolve to
 * several, e.g. localhost to ::1 and 127.0.0.1). */
static int server_listen(const char *host, int port, int *out_fd)
{
	struct addrinfo hints, *res, *ai;
	char service[16];
	int error = -EADDRNOTAVAIL, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%d", port);
	gai = getaddrinfo(host, service, &hints, &res);
	if (gai != 0) {
		cprof__warn("cannot resolve %s for the HTTP server: %s", host,
			    gai_strerror(gai));
		return CPROF_EIO;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		error = server_bind(ai, out_fd);
		if (error == 0)
			break;
	}
	freeaddrinfo(res);
	if (error != 0) {
		cprof__warn("cannot listen on %s:%d: %s; /debug/pprof/ is off",
			    host, port, strerror(-error));
		return CPROF_EIO;
	}
	return 0;
}

static int server_bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

static struct MHD_Daemon *server_daemon_start(int fd)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;

	return MHD_start_daemon(
		flags, 0, NULL, NULL,
		cprof__http_route, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)CPROF_HTTP_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)CPROF_HTTP_CONNECTION_TIMEOUT,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)SERVER_CONNECTION_MEMORY,
		MHD_OPTION_EXTERNAL_LOGGER, server_log, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, server_connection, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, server_uri, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, server_completed, NULL,
		MHD_OPTION_END);
}

int cprof__http_start(const char *host, int port)
{
	struct MHD_Daemon *d;
	int fd = -1, error;

	pthread_mutex_lock(&server_lock);
	if (server_daemon != NULL) {
		pthread_mutex_unlock(&server_lock);
		return CPROF_EALREADY;
	}
	error = server_listen(host, port, &fd);
	if (error != 0)
		goto out_unlock;
	atomic_store(&server_stop, false);
	/* Threads MHD creates now (and they create) are cprof's own. */
	cprof__thread_internal_begin(CPROF_HTTP_THREAD_NAME);
	d = server_daemon_start(fd);
	cprof__thread_internal_end();
	if (d == NULL) {
		/* XXX: MHD 0.9.75 does not say whether a failed start closed
		 * the socket it was given; leaking it beats closing an fd
		 * number the host may already have reused. */
		cprof__warn("cannot start the HTTP server on %s:%d", host,
			    port);
		error = CPROF_EIO;
		goto out_unlock;
	}
	server_daemon = d;
	atomic_store(&server_fd, fd);
	atomic_store(&server_port, server_bound_port(fd));
	cprof__debug("http: serving /debug/pprof/ on %s:%d", host,
		     atomic_load(&server_port));
out_unlock:
	pthread_mutex_unlock(&server_lock);
	return error;
}

/*
 * Stops the daemon and joins its threads. A /profile in progress sees
 * server_stop within a poll slice, ends the CPU session and returns, so
 * this never waits for a profile's full duration.
 */
void cprof__http_stop(void)
{
	pthread_mutex_lock(&server_lock);
	if (server_daemon != NULL) {
		/* Before MHD closes it: a child forked from now on must not
		 * close a number the parent may reuse. */
		atomic_store(&server_fd, -1);
		atomic_store(&server_stop, true);
		MHD_stop_daemon(server_daemon);
		server_daemon = NULL;
		atomic_store(&server_port, 0);
		atomic_store(&server_stop, false);
	}
	pthread_mutex_unlock(&server_lock);
}

/*
 * In the child of fork(): the daemon's threads did not come along, so the
 * daemon can neither run nor be stopped (MHD_stop_daemon would join threads
 * that do not exist). Close the inherited listening socket so the child does
 * not hold the port, forget the daemon (its memory is leaked, once per fork)
 * and leave the module ready for a new cprof__http_start. Connections open at
 * the fork stay open in the child until it execs or exits (accepted sockets
 * are close-on-exec).
 */
void cprof__http_atfork_child(void)
{
	int fd = atomic_exchange(&server_fd, -1);

	if (fd >= 0)
		close(fd);
	pthread_mutex_init(&server_lock, NULL);
	server_daemon = NULL;
	atomic_store(&server_port, 0);
	atomic_store(&server_stop, false);
}
