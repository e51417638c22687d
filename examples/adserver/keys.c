/*
 * keys.c - which counters a decision updates, and their key names in the
 * naive (long, formatted) and tuned (packed integer) forms of keys.h.
 */
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int keys_counters(const struct ad_decision *d, time_t now,
		  struct counter *out)
{
	int slot = ad_slot_index(d->slot);
	int n = 0;

	for (int i = 0; i < d->count; i++) {
		const struct ad_pick *p = &d->picks[i];

		out[n++] = (struct counter){COUNTER_IMPRESSIONS, p->ad->id, slot,
					    now};
		out[n++] = (struct counter){STAT_SPEND, p->ad->advertiser, slot,
					    p->ad->bid_cents};
		out[n++] = (struct counter){STAT_SCORE, p->ad->id, slot,
					    p->score};
	}
	out[n++] = (struct counter){COUNTER_FREQ_CAP, d->user, slot, now};
	out[n++] = (struct counter){STAT_SLOT_REQUESTS, d->segment, slot, now};
	out[n++] = (struct counter){STAT_LAST_SEEN, d->user, slot, now};
	return n;
}

int keys_is_statistic(const struct counter *c)
{
	return c->kind >= STAT_SPEND;
}

char *keys_format_long(const struct counter *c, time_t now)
{
	static const char *const what[] = {
		[COUNTER_IMPRESSIONS] = "counters:impressions:slot=%s:ad=%08u",
		[COUNTER_FREQ_CAP] = "counters:frequency-cap:slot=%s:user=%010u",
		[STAT_SPEND] = "stats:spend:slot=%s:advertiser=%08u",
		[STAT_SCORE] = "stats:last-score:slot=%s:ad=%08u",
		[STAT_SLOT_REQUESTS] = "stats:requests:slot=%s:segment=%03u",
		[STAT_LAST_SEEN] = "stats:last-seen:slot=%s:user=%010u",
	};
	char date[16], middle[80];
	struct tm tm;
	char *key;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(middle, sizeof(middle), what[c->kind], ad_slots[c->slot],
		 c->id);
	if (asprintf(&key, "adserver:%s:date=%s", middle, date) < 0)
		return NULL;
	return key;
}

size_t keys_format_int(const struct counter *c, time_t now,
		       char buf[KEYS_INT_MAX])
{
	uint64_t day = (uint64_t)(now / 86400) & 0xffff;
	uint64_t v = (uint64_t)c->kind << 52 | day << 36 |
		     (uint64_t)c->slot << 32 | c->id;
	char tmp[KEYS_INT_MAX];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}
