/*
 * service.h - what main.c (HTTP, flags) and the two modes share: the
 * configuration, a parsed request, the reply a mode hands back, the mode
 * interface, and service_decide, the part of a request that both modes do
 * the same way (load from Redis, score, rank).
 */
#ifndef ADSERVER_SERVICE_H
#define ADSERVER_SERVICE_H

#include <stddef.h>
#include <time.h>

#include "store.h"

struct service_config {
	const char *redis_host;    /* a name or an address, as configured */
	int redis_port;
	char redis_ip[64];         /* REDIS_HOST resolved once at start */
	int http_threads;          /* libmicrohttpd's thread pool */
	int pool_size;             /* naive: shared Redis connections */
	int workers;               /* tuned: counter-writing threads */
	int queue;                 /* tuned: pending requests' counters */
};

struct service_request {
	unsigned user;
	const char *slot;          /* one of ad_slots[] */
	time_t now;
};

enum reply_body {
	BODY_STATIC,               /* a string literal */
	BODY_COPY_FREE,            /* copied into the response, then freed */
	BODY_GIVE,                 /* freed by the HTTP server when sent */
};

struct service_reply {
	unsigned status;
	char *body;
	size_t len;
	enum reply_body owner;
};

struct service_mode {
	const char *name;
	int (*start)(const struct service_config *cfg);  /* 0 or -1 */
	void (*handle)(const struct service_request *req,
		       struct service_reply *out);
	void (*stop)(void);
};

extern const struct service_mode service_naive;
extern const struct service_mode service_tuned;

/* Parses the query values; 0, or -1 with a 400 in OUT. */
int service_parse(const char *user, const char *slot,
		  struct service_request *req, struct service_reply *out);

/* Loads, scores and ranks into D (which points into ADS, AD_CANDIDATES
 * long). 0, or -1 with the error reply in OUT. */
int service_decide(redisContext *c, const struct service_request *req,
		   struct ad *ads, struct ad_decision *d,
		   struct service_reply *out);

/* Sets OUT to the static error reply STATUS, BODY. */
void service_error(struct service_reply *out, unsigned status,
		   const char *body);

#endif
