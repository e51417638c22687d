/*
 * store.c - Redis round trips for store.h. Replies are checked for type
 * and parsed with record.c; any error leaves the context usable or marks
 * it failed (c->err), which the callers test before reusing it.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

redisContext *store_connect(const char *ip, int port)
{
	redisContext *c = redisConnect(ip, port);

	if (c == NULL || c->err) {
		fprintf(stderr, "adserver: cannot connect to Redis at %s:%d: %s\n",
			ip, port, c ? c->errstr : "out of memory");
		redisFree(c);
		return NULL;
	}
	return c;
}

static enum store_status store_get(redisContext *c, const char *key,
				   redisReply **out)
{
	redisReply *r = redisCommand(c, "GET %s", key);

	if (r == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_NIL) {
		freeReplyObject(r);
		return STORE_NOT_FOUND;
	}
	if (r->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		return STORE_ERROR;
	}
	*out = r;
	return STORE_OK;
}

static enum store_status store_candidates(redisContext *c, const char *slot,
					  uint32_t segment, uint32_t *ids,
					  int *n)
{
	char key[64];
	redisReply *r;
	enum store_status st;

	snprintf(key, sizeof(key), "c:%s:%u", slot, segment);
	st = store_get(c, key, &r);
	if (st != STORE_OK)
		return st;
	*n = record_candidates_parse(r->str, r->len, ids, AD_CANDIDATES);
	freeReplyObject(r);
	return *n < 0 ? STORE_BAD_DATA : *n == 0 ? STORE_NOT_FOUND : STORE_OK;
}

static enum store_status store_ads(redisContext *c, const uint32_t *ids,
				   int n, struct ad *ads)
{
	char keys[AD_CANDIDATES][16];
	const char *argv[AD_CANDIDATES + 1] = {"MGET"};
	redisReply *r;
	enum store_status st = STORE_OK;

	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "a:%u", ids[i]);
		argv[i + 1] = keys[i];
	}
	r = redisCommandArgv(c, n + 1, argv, NULL);
	if (r == NULL)
		return STORE_ERROR;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)n) {
		freeReplyObject(r);
		return STORE_ERROR;
	}
	for (int i = 0; i < n && st == STORE_OK; i++) {
		redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_STRING)
			st = STORE_BAD_DATA;
		else if (record_ad_parse(e->str, e->len, ids[i], &ads[i]) != 0)
			st = STORE_BAD_DATA;
	}
	freeReplyObject(r);
	return st;
}

enum store_status store_load(redisContext *c, uint32_t user, const char *slot,
			     struct ad_user *u, struct ad *ads, int *n)
{
	char key[24];
	uint32_t ids[AD_CANDIDATES];
	redisReply *r;
	enum store_status st;

	snprintf(key, sizeof(key), "u:%u", user);
	st = store_get(c, key, &r);
	if (st != STORE_OK)
		return st;
	if (record_user_parse(r->str, r->len, user, u) != 0)
		st = STORE_BAD_DATA;
	freeReplyObject(r);
	if (st != STORE_OK)
		return st;
	st = store_candidates(c, slot, u->segment, ids, n);
	if (st != STORE_OK)
		return st;
	return store_ads(c, ids, *n, ads);
}

static enum store_status store_status_reply(redisReply *r)
{
	enum store_status st = STORE_OK;

	if (r == NULL)
		return STORE_ERROR;
	if (r->type == REDIS_REPLY_ERROR)
		st = STORE_ERROR;
	freeReplyObject(r);
	return st;
}

enum store_status store_set_one(redisContext *c, const char *key,
				const char *value)
{
	return store_status_reply(redisCommand(c, "SET %s %s", key, value));
}

enum store_status store_mset(redisContext *c, int n, const char **argv,
			     const size_t *lens)
{
	return store_status_reply(
		redisCommandArgv(c, 2 * n + 1, argv, lens));
}
