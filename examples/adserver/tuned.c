/*
 * tuned.c - the ad server after the profiles, each fix answering one
 * finding of naive.c:
 *
 *   - the Redis address was resolved once at start (main.c), and each HTTP
 *     thread keeps its own connection to it;
 *   - the response is written by json_writer.c into a buffer of exactly
 *     its size, handed to the HTTP server without a copy;
 *   - the counters go to a bounded queue (workq.c) drained by a fixed pool
 *     of writer threads, which send the counters of many requests in one
 *     MSET, under short integer keys (keys_format_int).
 *
 * The decision and the bytes of the response are those of naive.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "keys.h"
#include "service.h"
#include "workq.h"

#define TUNED_WORKERS_MAX 16
#define TUNED_BATCH 32          /* requests' counters per MSET */
#define TUNED_PAIRS (TUNED_BATCH * KEYS_PER_DECISION)

static const struct service_config *tuned_cfg;
static struct workq tuned_queue;
static pthread_t tuned_workers[TUNED_WORKERS_MAX];
static int tuned_nworkers;
static __thread redisContext *tuned_conn;   /* this HTTP thread's own */

/* The calling thread's connection, (re)made when missing or failed. */
static redisContext *tuned_connection(void)
{
	if (tuned_conn != NULL && tuned_conn->err) {
		redisFree(tuned_conn);
		tuned_conn = NULL;
	}
	if (tuned_conn == NULL)
		tuned_conn = store_connect(tuned_cfg->redis_ip,
					   tuned_cfg->redis_port);
	return tuned_conn;
}

/* One MSET for the counters of N batches. */
static void tuned_write(redisContext *c, const struct counter_batch *b, int n)
{
	char keys[TUNED_PAIRS][KEYS_INT_MAX];
	char values[TUNED_PAIRS][24];
	const char *argv[2 * TUNED_PAIRS + 1] = {"MSET"};
	size_t lens[2 * TUNED_PAIRS + 1] = {4};
	int pairs = 0;

	for (int i = 0; i < n; i++) {
		for (int k = 0; k < b[i].n; k++, pairs++) {
			argv[2 * pairs + 1] = keys[pairs];
			lens[2 * pairs + 1] = keys_format_int(
				&b[i].counters[k], b[i].now, keys[pairs]);
			argv[2 * pairs + 2] = values[pairs];
			lens[2 * pairs + 2] = (size_t)snprintf(
				values[pairs], sizeof(values[pairs]), "%lld",
				(long long)b[i].counters[k].value);
		}
	}
	store_mset(c, pairs, argv, lens);
}

static void *tuned_worker(void *arg)
{
	struct counter_batch batches[TUNED_BATCH];
	redisContext *c = NULL;
	int n;

	pthread_setname_np(pthread_self(), "adserver-write");
	while ((n = workq_pop(&tuned_queue, batches, TUNED_BATCH)) > 0) {
		if (c != NULL && c->err) {
			redisFree(c);
			c = NULL;
		}
		if (c == NULL)
			c = store_connect(tuned_cfg->redis_ip,
					  tuned_cfg->redis_port);
		if (c != NULL)
			tuned_write(c, batches, n);
	}
	redisFree(c);
	return arg;
}

static void tuned_handle(const struct service_request *req,
			 struct service_reply *out)
{
	struct ad ads[AD_CANDIDATES];
	struct ad_decision d;
	struct counter_batch batch;
	redisContext *c = tuned_connection();

	if (c == NULL) {
		service_error(out, 502, "{\"error\":\"redis unavailable\"}");
		return;
	}
	if (service_decide(c, req, ads, &d, out) != 0)
		return;
	out->body = json_decision_write(&d, &out->len);
	if (out->body == NULL) {
		service_error(out, 500, "{\"error\":\"out of memory\"}");
		return;
	}
	out->status = 200;
	out->owner = BODY_GIVE;
	batch.n = keys_counters(&d, req->now, batch.counters);
	batch.now = req->now;
	workq_push(&tuned_queue, &batch);
}

static int tuned_start(const struct service_config *cfg)
{
	tuned_cfg = cfg;
	if (cfg->workers < 1 || cfg->workers > TUNED_WORKERS_MAX ||
	    cfg->queue < 1) {
		fprintf(stderr, "adserver: --workers must be 1..%d, --queue > 0\n",
			TUNED_WORKERS_MAX);
		return -1;
	}
	if (workq_init(&tuned_queue, cfg->queue) != 0)
		return -1;
	for (int i = 0; i < cfg->workers; i++) {
		if (pthread_create(&tuned_workers[i], NULL, tuned_worker,
				   NULL) != 0)
			break;
		tuned_nworkers++;
	}
	return tuned_nworkers == cfg->workers ? 0 : -1;
}

/* Lets the writers send what is queued, then joins them. */
static void tuned_stop(void)
{
	workq_stop(&tuned_queue);
	for (int i = 0; i < tuned_nworkers; i++)
		pthread_join(tuned_workers[i], NULL);
	tuned_nworkers = 0;
	workq_fini(&tuned_queue);
}

const struct service_mode service_tuned = {
	"tuned", tuned_start, tuned_handle, tuned_stop,
};
