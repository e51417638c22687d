/*
 * store.h - the ad server's Redis access (hiredis, blocking contexts):
 * loading a request's user and candidate ads, the same in both modes, and
 * writing counters either one SET per round trip (naive) or many keys in
 * one MSET (tuned). A context is used by one thread at a time.
 */
#ifndef ADSERVER_STORE_H
#define ADSERVER_STORE_H

#include <hiredis/hiredis.h>

#include "ad.h"

enum store_status {
	STORE_OK = 0,
	STORE_NOT_FOUND = 1,       /* no such user, or no candidates */
	STORE_ERROR = -1,          /* connection or protocol error */
	STORE_BAD_DATA = -2,       /* a record that does not parse */
};

/* A connection to the numeric address IP:PORT (no name lookup), or NULL
 * with a message on stderr. */
redisContext *store_connect(const char *ip, int port);

/* Reads u:USER, then c:SLOT:SEGMENT, then the candidate ads with one MGET:
 * three round trips. Fills U and up to AD_CANDIDATES ADS (*N of them). */
enum store_status store_load(redisContext *c, uint32_t user, const char *slot,
			     struct ad_user *u, struct ad *ads, int *n);

/* One SET, one round trip. */
enum store_status store_set_one(redisContext *c, const char *key,
				const char *value);

/* MSET of N key/value pairs: ARGV is "MSET" then the 2*N keys and values,
 * with their lengths in LENS. One round trip. */
enum store_status store_mset(redisContext *c, int n, const char **argv,
			     const size_t *lens);

#endif
