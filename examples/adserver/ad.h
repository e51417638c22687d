/*
 * ad.h - the ad server's data model, shared by both modes, the seeder and
 * the tests: users with a targeting segment and a feature vector, ads with
 * a bid and weights over the same features, and the decision a request
 * returns. How they are stored in Redis is in record.c; how a decision is
 * scored in score.c; how it is written as JSON in json_*.c.
 */
#ifndef ADSERVER_AD_H
#define ADSERVER_AD_H

#include <stddef.h>
#include <stdint.h>

#define AD_FEATURES 16        /* features per user, weights per ad */
#define AD_SEGMENTS 64        /* targeting segments users fall into */
#define AD_CANDIDATES 48      /* ads listed for each (slot, segment) */
#define AD_SHOWN 4            /* ads in a decision */
#define AD_TITLE_MAX 80
#define AD_URL_MAX 96
#define AD_SLOT_COUNT 8

struct ad_user {
	uint32_t id;
	uint32_t segment;
	uint8_t features[AD_FEATURES];
};

struct ad {
	uint32_t id;
	uint32_t advertiser;
	uint32_t bid_cents;
	uint8_t weights[AD_FEATURES];
	char title[AD_TITLE_MAX];
	char url[AD_URL_MAX];
};

struct ad_pick {
	const struct ad *ad;
	int64_t score;
};

struct ad_decision {
	uint32_t user;
	uint32_t segment;
	const char *slot;          /* one of ad_slots[] */
	int count;                 /* ads picked, <= AD_SHOWN */
	struct ad_pick picks[AD_SHOWN];
};

/* The slots a page can ask for; a request naming another one is refused. */
extern const char *const ad_slots[AD_SLOT_COUNT];

/* Index of SLOT in ad_slots, or -1. */
int ad_slot_index(const char *slot);

#endif
