/*
 * keys.h - what a decision records in Redis, and the two ways its keys
 * are named. Counters the next decisions depend on: impressions per ad and
 * slot, the user's frequency cap for the slot. Statistics for reporting:
 * spend per advertiser, each shown ad's last score, requests per slot and
 * segment, the user's last visit. Key names:
 *
 *   naive  adserver:counters:impressions:slot=top:ad=00000042:date=2026-11-25
 *          (snprintf and strftime per key, one heap string each)
 *   tuned  the same facts packed into one 64-bit integer, in decimal
 *          (kind:4 | day:16 | slot:4 | id:32), written into the caller's
 *          buffer
 */
#ifndef ADSERVER_KEYS_H
#define ADSERVER_KEYS_H

#include <stddef.h>
#include <time.h>

#include "ad.h"

#define KEYS_PER_DECISION (3 * AD_SHOWN + 3)
#define KEYS_INT_MAX 21            /* a uint64 in decimal, and the NUL */

enum counter_kind {
	COUNTER_IMPRESSIONS = 1,   /* id: ad */
	COUNTER_FREQ_CAP,          /* id: user */
	STAT_SPEND,                /* id: advertiser */
	STAT_SCORE,                /* id: ad */
	STAT_SLOT_REQUESTS,        /* id: segment */
	STAT_LAST_SEEN,            /* id: user */
};

struct counter {
	enum counter_kind kind;
	uint32_t id;
	int slot;                  /* index in ad_slots */
	int64_t value;             /* what the key is set to */
};

/* The counters of one decision, as queued in tuned mode. */
struct counter_batch {
	struct counter counters[KEYS_PER_DECISION];
	int n;
	time_t now;
};

/* The counters D updates at time NOW (KEYS_PER_DECISION at most). */
int keys_counters(const struct ad_decision *d, time_t now,
		  struct counter *out);

/* 1 for a statistic (reported asynchronously), 0 for a counter. */
int keys_is_statistic(const struct counter *c);

/* Naive: a long descriptive key, malloc'd (the caller frees), or NULL. */
char *keys_format_long(const struct counter *c, time_t now);

/* Tuned: the packed key in BUF; returns its length. */
size_t keys_format_int(const struct counter *c, time_t now,
		       char buf[KEYS_INT_MAX]);

#endif
