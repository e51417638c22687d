/*
 * main.c - the ad server's process: flags, profiling (cprof_start with its
 * HTTP server), the Redis address resolved once, the HTTP front end on
 * libmicrohttpd, and the shutdown on SIGINT/SIGTERM. What a request does
 * is the mode's (naive.c, tuned.c); this file only routes and labels it.
 *
 *   adserver --mode=naive|tuned [--listen=127.0.0.1:8080]
 *            [--redis=localhost:6379] [--pprof=127.0.0.1:6060]
 *            [--threads=4] [--pool=8] [--workers=2] [--queue=1024]
 *
 *   GET /ad?user=ID&slot=NAME   the decision, as JSON
 *   GET /healthz                "ok"
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cprof.h"
#include "service.h"

struct flags {
	const struct service_mode *mode;
	const char *listen;
	const char *redis;
	const char *pprof;
};

static const struct service_mode *mode;

/* The usage on stderr after WHY, exit status 2; on stdout when WHY is
 * NULL (--help), exit status 0. */
static void usage(const char *why)
{
	FILE *to = why ? stderr : stdout;

	if (why != NULL)
		fprintf(to, "adserver: %s\n", why);
	fprintf(to,
		"usage: adserver --mode=naive|tuned [--listen=127.0.0.1:8080]\n"
		"       [--redis=localhost:6379] [--pprof=127.0.0.1:6060]\n"
		"       [--threads=4] [--pool=8] [--workers=2] [--queue=1024]\n"
		"GET /ad?user=ID&slot=NAME answers the ad decision as JSON;\n"
		"--pprof serves cprof's /debug/pprof/ there (docs/CASE-STUDY.md).\n");
	exit(why ? 2 : 0);
}

static int flag_int(const char *arg, const char *value, int max)
{
	char *end;
	long v = strtol(value, &end, 10);

	if (*value == '\0' || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr, "adserver: %s: want an integer in 1..%d\n", arg,
			max);
		exit(2);
	}
	return (int)v;
}

static const char *flag_unknown(const char *arg)
{
	static char why[160];

	snprintf(why, sizeof(why), "%s '%.100s'",
		 arg[0] == '-' ? "unknown flag" : "unexpected argument", arg);
	return why;
}

static void parse_flags(int argc, char **argv, struct flags *f,
			struct service_config *cfg)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		const char *v = eq ? eq + 1 : "";

		if (strcmp(a, "--help") == 0)
			usage(NULL);
		else if (strcmp(a, "--mode=naive") == 0)
			f->mode = &service_naive;
		else if (strcmp(a, "--mode=tuned") == 0)
			f->mode = &service_tuned;
		else if (strncmp(a, "--listen=", 9) == 0)
			f->listen = v;
		else if (strncmp(a, "--redis=", 8) == 0)
			f->redis = v;
		else if (strncmp(a, "--pprof=", 8) == 0)
			f->pprof = v;
		else if (strncmp(a, "--threads=", 10) == 0)
			cfg->http_threads = flag_int(a, v, 64);
		else if (strncmp(a, "--pool=", 7) == 0)
			cfg->pool_size = flag_int(a, v, 64);
		else if (strncmp(a, "--workers=", 10) == 0)
			cfg->workers = flag_int(a, v, 16);
		else if (strncmp(a, "--queue=", 8) == 0)
			cfg->queue = flag_int(a, v, 1 << 20);
		else
			usage(flag_unknown(a));
	}
	if (f->mode == NULL)
		usage("--mode=naive or --mode=tuned is required");
}

/* "HOST:PORT" into HOST (a static copy) and PORT. */
static void split_addr(const char *what, const char *addr, char *host,
		       size_t size, int *port)
{
	const char *colon = strrchr(addr, ':');
	char *end;
	long p = colon ? strtol(colon + 1, &end, 10) : 0;

	if (colon == NULL || colon == addr || (size_t)(colon - addr) >= size ||
	    *end != '\0' || p < 1 || p > 65535) {
		fprintf(stderr, "adserver: %s: want HOST:PORT, got '%s'\n",
			what, addr);
		exit(2);
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	*port = (int)p;
}

/* The configured Redis host, looked up once: requests use the address. */
static void resolve_redis(struct service_config *cfg)
{
	struct addrinfo hints = {0}, *res;
	int rc;

	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(cfg->redis_host, NULL, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "adserver: --redis: cannot resolve '%s': %s\n",
			cfg->redis_host, gai_strerror(rc));
		exit(2);
	}
	getnameinfo(res->ai_addr, res->ai_addrlen, cfg->redis_ip,
		    sizeof(cfg->redis_ip), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
}

static enum MHD_Result reply_send(struct MHD_Connection *conn,
				  struct service_reply *r)
{
	static const enum MHD_ResponseMemoryMode how[] = {
		[BODY_STATIC] = MHD_RESPMEM_PERSISTENT,
		[BODY_COPY_FREE] = MHD_RESPMEM_MUST_COPY,
		[BODY_GIVE] = MHD_RESPMEM_MUST_FREE,
	};
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(r->len, r->body, how[r->owner]);
	enum MHD_Result ret;

	if (r->owner == BODY_COPY_FREE)
		free(r->body);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* GET /ad: the decision, under the labels endpoint=/ad and slot=NAME so
 * that every profile can be split by them. */
static void serve_ad(struct MHD_Connection *conn, struct service_reply *r)
{
	struct service_request req;
	const char *user = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "user");
	const char *slot = MHD_lookup_connection_value(
		conn, MHD_GET_ARGUMENT_KIND, "slot");

	if (service_parse(user, slot, &req, r) != 0)
		return;
	cprof_labels_push("endpoint", "/ad");
	cprof_labels_push("slot", req.slot);
	mode->handle(&req, r);
	cprof_labels_pop();
	cprof_labels_pop();
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	static int seen;
	struct service_reply r;

	/* Answering on the first call makes libmicrohttpd close the connection
	 * (it has not seen the end of the request yet): wait for the second. */
	if (*req_cls == NULL) {
		*req_cls = &seen;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0)
		service_error(&r, 405, "{\"error\":\"method not allowed\"}");
	else if (strcmp(url, "/ad") == 0)
		serve_ad(conn, &r);
	else if (strcmp(url, "/healthz") == 0)
		service_error(&r, 200, "ok");
	else
		service_error(&r, 404, "{\"error\":\"not found\"}");
	return reply_send(conn, &r);
}

static struct MHD_Daemon *http_start(const char *listen, int threads)
{
	char host[64];
	int port;
	struct sockaddr_in sin = {0};
	struct MHD_Daemon *d;

	split_addr("--listen", listen, host, sizeof(host), &port);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "adserver: --listen: want an IPv4 address, got '%s'\n",
			host);
		exit(2);
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
			     0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_END);
	if (d == NULL)
		fprintf(stderr, "adserver: cannot listen on %s\n", listen);
	return d;
}

static void profiling_start(const char *addr)
{
	struct cprof_options opts = {0};
	int rc;

	if (addr == NULL)
		return;   /* CPROF_HTTP, when set, has started cprof already */
	opts.http_addr = addr;
	rc = cprof_start(&opts);
	if (rc != 0 && rc != CPROF_EALREADY) {
		fprintf(stderr, "adserver: --pprof=%s: %s\n", addr,
			cprof_strerror(rc));
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct flags f = {NULL, "127.0.0.1:8080", "localhost:6379", NULL};
	static struct service_config cfg = {
		.http_threads = 4, .pool_size = 8, .workers = 2, .queue = 1024,
	};
	static char redis_host[256];
	struct MHD_Daemon *http;
	sigset_t stop;
	int sig;

	parse_flags(argc, argv, &f, &cfg);
	split_addr("--redis", f.redis, redis_host, sizeof(redis_host),
		   &cfg.redis_port);
	cfg.redis_host = redis_host;
	resolve_redis(&cfg);
	mode = f.mode;

	/* Every thread inherits the mask: only sigwait below sees these. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	profiling_start(f.pprof);
	if (mode->start(&cfg) != 0) {
		fprintf(stderr, "adserver: cannot start (is Redis up at %s?)\n",
			f.redis);
		return 1;
	}
	http = http_start(f.listen, cfg.http_threads);
	if (http == NULL) {
		mode->stop();
		return 1;
	}
	printf("adserver: %s mode on http://%s/ad, Redis %s (%s)%s%s\n",
	       mode->name, f.listen, f.redis, cfg.redis_ip,
	       f.pprof ? ", profiles on http://" : "",
	       f.pprof ? f.pprof : "");
	fflush(stdout);
	sigwait(&stop, &sig);
	MHD_stop_daemon(http);
	mode->stop();
	cprof_stop();
	return 0;
}
