/*
 * seed.c - the case study's data set, generated: users with a segment and
 * features, ads with advertisers, bids, weights, titles and URLs, and the
 * candidate list of each (slot, segment). The same --seed gives the same
 * bytes on every machine (splitmix64, no libc randomness). The output is
 * Redis's protocol, for `redis-cli --pipe` (one pass, no round trips).
 *
 *   adserver-seed [--users=100000] [--ads=5000] [--seed=1] | redis-cli --pipe
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(rng_next() % n);
}

static void resp_set(const char *key, const char *value)
{
	printf("*3\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(key),
	       key, strlen(value), value);
}

static void seed_users(uint32_t users)
{
	char key[24], value[128];

	for (uint32_t id = 1; id <= users; id++) {
		struct ad_user u = {id, rng_below(AD_SEGMENTS), {0}};

		for (int i = 0; i < AD_FEATURES; i++)
			u.features[i] = (uint8_t)rng_below(256);
		snprintf(key, sizeof(key), "u:%u", id);
		record_user_format(value, sizeof(value), &u);
		resp_set(key, value);
	}
}

/* A title like an ad's; one in sixteen quotes a word (JSON escaping). */
static void seed_title(char *buf, size_t size)
{
	static const char *const verbs[] = {"Save", "Discover", "Try", "Get",
					    "Upgrade to", "Book"};
	static const char *const things[] = {
		"running shoes", "a city break", "fresh coffee", "cloud storage",
		"a new phone", "home insurance", "organic groceries",
		"language lessons", "a standing desk", "concert tickets"};
	static const char *const tails[] = {"today", "for less", "& more",
					    "- 20% off", "near you", "now"};
	const char *thing = things[rng_below(10)];

	if (rng_below(16) == 0)
		snprintf(buf, size, "%s \"%s\" %s", verbs[rng_below(6)], thing,
			 tails[rng_below(6)]);
	else
		snprintf(buf, size, "%s %s %s", verbs[rng_below(6)], thing,
			 tails[rng_below(6)]);
}

static void seed_ads(uint32_t ads)
{
	char key[24], value[256];

	for (uint32_t id = 1; id <= ads; id++) {
		struct ad a = {.id = id};

		a.advertiser = 1 + rng_below(500);
		a.bid_cents = 10 + rng_below(490);
		for (int i = 0; i < AD_FEATURES; i++)
			a.weights[i] = (uint8_t)rng_below(256);
		seed_title(a.title, sizeof(a.title));
		snprintf(a.url, sizeof(a.url),
			 "https://ads.example.com/click?ad=%u&adv=%u", id,
			 a.advertiser);
		snprintf(key, sizeof(key), "a:%u", id);
		record_ad_format(value, sizeof(value), &a);
		resp_set(key, value);
	}
}

/* AD_CANDIDATES distinct ads for each (slot, segment). */
static void seed_candidates(uint32_t ads)
{
	char key[48], value[AD_CANDIDATES * 12];

	for (int s = 0; s < AD_SLOT_COUNT; s++) {
		for (int seg = 0; seg < AD_SEGMENTS; seg++) {
			uint32_t ids[AD_CANDIDATES];
			size_t len = 0;

			for (int i = 0; i < AD_CANDIDATES; i++) {
				int dup;

				do {
					ids[i] = 1 + rng_below(ads);
					dup = 0;
					for (int j = 0; j < i; j++)
						dup |= ids[j] == ids[i];
				} while (dup);
				len += (size_t)snprintf(value + len,
							sizeof(value) - len,
							i ? ",%u" : "%u", ids[i]);
			}
			snprintf(key, sizeof(key), "c:%s:%d", ad_slots[s], seg);
			resp_set(key, value);
		}
	}
}

static uint32_t flag_u32(const char *arg, size_t prefix, uint32_t min)
{
	char *end;
	unsigned long v = strtoul(arg + prefix, &end, 10);

	if (arg[prefix] == '\0' || *end != '\0' || v < min || v > 1u << 30) {
		fprintf(stderr, "adserver-seed: %s: want an integer >= %u\n",
			arg, min);
		exit(2);
	}
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	uint32_t users = 100000, ads = 5000, seed = 1;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--users=", 8) == 0)
			users = flag_u32(argv[i], 8, 1);
		else if (strncmp(argv[i], "--ads=", 6) == 0)
			ads = flag_u32(argv[i], 6, AD_CANDIDATES);
		else if (strncmp(argv[i], "--seed=", 7) == 0)
			seed = flag_u32(argv[i], 7, 0);
		else {
			fprintf(stderr, "adserver-seed: unknown argument '%s'\n"
				"usage: adserver-seed [--users=N] [--ads=N] [--seed=N]\n",
				argv[i]);
			return 2;
		}
	}
	rng_state = seed;
	seed_users(users);
	seed_ads(ads);
	seed_candidates(ads);
	return fflush(stdout) == 0 ? 0 : 1;
}
