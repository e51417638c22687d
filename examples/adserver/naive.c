/*
 * naive.c - the ad server as first written, each choice reasonable on its
 * own and each one a cost the profiles later show:
 *
 *   - the Redis address is looked up (getaddrinfo) on every request, and
 *     the result used to find the connection pool for that address;
 *   - a response buffer sized for the worst case (512 KiB) is allocated
 *     and cleared for every request;
 *   - the JSON goes through a document tree (json_tree.c);
 *   - the counters (impressions, frequency cap) are written one SET round
 *     trip per key, under long descriptive keys, before the response goes;
 *   - each statistic is reported by its own new thread ("fire and forget",
 *     ten per request), which formats its key and makes its own SET round
 *     trip on a connection borrowed from the shared pool.
 *
 * The decision and the bytes of the response are those of tuned.c.
 */
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "keys.h"
#include "service.h"

#define NAIVE_RESPONSE_BUFFER (512 * 1024)
#define NAIVE_POOL_MAX 64

/* Connections to one Redis address, borrowed by requests and subtasks;
 * made on first use, kept for the life of the process. */
struct naive_pool {
	char ip[64];
	int port;
	pthread_mutex_t lock;
	pthread_cond_t returned;
	int size;                           /* connections made; fixed */
	int idle;                           /* protected by lock */
	redisContext *conns[NAIVE_POOL_MAX]; /* [0, idle): protected by lock */
	struct naive_pool *next;            /* protected by naive_pools_lock */
};

struct naive_subtask {
	struct naive_pool *pool;
	struct counter counter;
	time_t now;
};

static const struct service_config *naive_cfg;
static pthread_mutex_t naive_pools_lock = PTHREAD_MUTEX_INITIALIZER;
static struct naive_pool *naive_pools;    /* protected by naive_pools_lock */
static atomic_int naive_running;          /* subtasks not finished yet */

/* The configured Redis host as a numeric address, looked up now. */
static int naive_resolve(char *ip, size_t size)
{
	struct addrinfo hints = {0}, *res;
	char port[16];
	int rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%d", naive_cfg->redis_port);
	if (getaddrinfo(naive_cfg->redis_host, port, &hints, &res) != 0)
		return -1;
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, ip, (socklen_t)size,
			 NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	return rc == 0 ? 0 : -1;
}

static struct naive_pool *naive_pool_for(const char *ip)
{
	struct naive_pool *p;

	pthread_mutex_lock(&naive_pools_lock);
	for (p = naive_pools; p != NULL; p = p->next)
		if (strcmp(p->ip, ip) == 0)
			break;
	if (p == NULL && (p = calloc(1, sizeof(*p))) != NULL) {
		snprintf(p->ip, sizeof(p->ip), "%s", ip);
		p->port = naive_cfg->redis_port;
		pthread_mutex_init(&p->lock, NULL);
		pthread_cond_init(&p->returned, NULL);
		for (int i = 0; i < naive_cfg->pool_size; i++) {
			p->conns[p->idle] = store_connect(ip, p->port);
			if (p->conns[p->idle] != NULL)
				p->idle++;
		}
		p->size = p->idle;
		p->next = naive_pools;
		naive_pools = p;
	}
	pthread_mutex_unlock(&naive_pools_lock);
	return p;
}

static redisContext *naive_pool_get(struct naive_pool *p)
{
	redisContext *c;

	pthread_mutex_lock(&p->lock);
	while (p->idle == 0)
		pthread_cond_wait(&p->returned, &p->lock);
	c = p->conns[--p->idle];
	pthread_mutex_unlock(&p->lock);
	return c;
}

/* Returns C, replaced by a new connection when it failed (kept, failed,
 * when Redis cannot be reached: its next user gets an error at once). */
static void naive_pool_put(struct naive_pool *p, redisContext *c)
{
	if (c->err) {
		redisContext *fresh = store_connect(p->ip, p->port);

		if (fresh != NULL) {
			redisFree(c);
			c = fresh;
		}
	}
	pthread_mutex_lock(&p->lock);
	p->conns[p->idle++] = c;
	pthread_cond_signal(&p->returned);
	pthread_mutex_unlock(&p->lock);
}

/* One SET of C's long key, on connection R. */
static void naive_set(redisContext *r, const struct counter *c, time_t now)
{
	char *key = keys_format_long(c, now);
	char *value = NULL;

	if (key != NULL && asprintf(&value, "%lld", (long long)c->value) >= 0)
		store_set_one(r, key, value);
	free(value);
	free(key);
}

static void *naive_subtask_run(void *arg)
{
	struct naive_subtask *t = arg;
	redisContext *c = naive_pool_get(t->pool);

	naive_set(c, &t->counter, t->now);
	naive_pool_put(t->pool, c);
	free(t);
	atomic_fetch_sub(&naive_running, 1);
	return NULL;
}

/* Reports one statistic on a new detached thread. */
static void naive_spawn_subtask(struct naive_pool *pool,
				const struct counter *c, time_t now)
{
	struct naive_subtask *t = malloc(sizeof(*t));
	pthread_attr_t attr;
	pthread_t th;

	if (t == NULL)
		return;
	*t = (struct naive_subtask){pool, *c, now};
	atomic_fetch_add(&naive_running, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, naive_subtask_run, t) != 0) {
		atomic_fetch_sub(&naive_running, 1);
		free(t);
	}
	pthread_attr_destroy(&attr);
}

/* Counters now on R, one round trip each; statistics on new threads. */
static void naive_record(struct naive_pool *pool, redisContext *r,
			 const struct ad_decision *d, time_t now)
{
	struct counter counters[KEYS_PER_DECISION];
	int n = keys_counters(d, now, counters);

	for (int i = 0; i < n; i++) {
		if (keys_is_statistic(&counters[i]))
			naive_spawn_subtask(pool, &counters[i], now);
		else
			naive_set(r, &counters[i], now);
	}
}

/* The response into a fresh worst-case buffer, through the JSON tree. */
static int naive_respond(const struct ad_decision *d,
			 struct service_reply *out)
{
	char *buf = calloc(1, NAIVE_RESPONSE_BUFFER);
	struct json_node *tree = buf ? json_tree_decision(d) : NULL;
	long len = tree ? json_tree_write(tree, buf, NAIVE_RESPONSE_BUFFER) : -1;

	json_tree_free(tree);
	if (len < 0) {
		free(buf);
		return -1;
	}
	out->status = 200;
	out->body = buf;
	out->len = (size_t)len;
	out->owner = BODY_COPY_FREE;
	return 0;
}

static void naive_handle(const struct service_request *req,
			 struct service_reply *out)
{
	struct ad ads[AD_CANDIDATES];
	struct ad_decision d;
	struct naive_pool *pool;
	redisContext *c;
	char ip[64];
	int rc;

	if (naive_resolve(ip, sizeof(ip)) != 0 ||
	    (pool = naive_pool_for(ip)) == NULL || pool->size == 0) {
		service_error(out, 502, "{\"error\":\"redis unavailable\"}");
		return;
	}
	c = naive_pool_get(pool);
	rc = service_decide(c, req, ads, &d, out);
	if (rc == 0 && naive_respond(&d, out) != 0) {
		service_error(out, 500, "{\"error\":\"out of memory\"}");
		rc = -1;
	}
	if (rc == 0)
		naive_record(pool, c, &d, req->now);
	naive_pool_put(pool, c);
}

static int naive_start(const struct service_config *cfg)
{
	char ip[64];

	naive_cfg = cfg;
	if (cfg->pool_size < 1 || cfg->pool_size > NAIVE_POOL_MAX) {
		fprintf(stderr, "adserver: --pool must be 1..%d\n",
			NAIVE_POOL_MAX);
		return -1;
	}
	if (naive_resolve(ip, sizeof(ip)) != 0 || naive_pool_for(ip) == NULL ||
	    naive_pools->size == 0)
		return -1;
	return 0;
}

/* Waits (5 s at most) for the subtasks still running. */
static void naive_stop(void)
{
	for (int i = 0; i < 500 && atomic_load(&naive_running) > 0; i++)
		usleep(10000);
}

const struct service_mode service_naive = {
	"naive", naive_start, naive_handle, naive_stop,
};
