/*
 * test_adserver.c - unit tests of examples/adserver: the two JSON paths
 * give the same bytes (escaping and negative numbers included), keys in
 * both forms, scoring and ranking, and the Redis record parsers on good
 * and malformed input, and the tuned mode's bounded queue.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "keys.h"
#include "record.h"
#include "score.h"
#include "workq.h"

static struct ad test_ad(uint32_t id, uint32_t bid, uint8_t w)
{
	struct ad a = {.id = id, .advertiser = id * 10, .bid_cents = bid};

	memset(a.weights, w, sizeof(a.weights));
	snprintf(a.title, sizeof(a.title), "ad %u", id);
	snprintf(a.url, sizeof(a.url), "https://ads.example.com/click?ad=%u", id);
	return a;
}

static char *tree_json(const struct ad_decision *d, long *len)
{
	char *buf = malloc(4096);
	struct json_node *tree = json_tree_decision(d);

	assert_non_null(tree);
	*len = json_tree_write(tree, buf, 4096);
	json_tree_free(tree);
	return buf;
}

static void test_json_paths_agree(void **state)
{
	struct ad ads[2] = {test_ad(7, 120, 200), test_ad(3, 99, 0)};
	struct ad_decision d = {.user = 42, .segment = 5, .slot = "top",
				.count = 2};
	size_t wlen;
	long tlen;
	char *w, *t;
	const char *want =
		"{\"user\":42,\"slot\":\"top\",\"segment\":5,\"ads\":["
		"{\"id\":7,\"advertiser\":70,\"bid_cents\":120,\"score\":123456,"
		"\"title\":\"say \\\"hi\\\" \\\\ \\u0009tab\","
		"\"url\":\"https://ads.example.com/click?ad=7\"},"
		"{\"id\":3,\"advertiser\":30,\"bid_cents\":99,\"score\":-5,"
		"\"title\":\"ad 3\",\"url\":\"https://ads.example.com/click?ad=3\"}]}";

	snprintf(ads[0].title, sizeof(ads[0].title), "say \"hi\" \\ \ttab");
	d.picks[0] = (struct ad_pick){&ads[0], 123456};
	d.picks[1] = (struct ad_pick){&ads[1], -5};
	w = json_decision_write(&d, &wlen);
	t = tree_json(&d, &tlen);
	assert_int_equal(wlen, strlen(want));
	assert_memory_equal(w, want, wlen);
	assert_int_equal(tlen, (long)wlen);
	assert_memory_equal(t, w, wlen);
	free(w);
	free(t);
}

static void test_json_no_ads_and_small_buffer(void **state)
{
	struct ad_decision d = {.user = 1, .segment = 0, .slot = "feed"};
	struct json_node *tree = json_tree_decision(&d);
	char buf[64];
	size_t wlen;
	char *w = json_decision_write(&d, &wlen);
	const char *want = "{\"user\":1,\"slot\":\"feed\",\"segment\":0,\"ads\":[]}";

	assert_memory_equal(w, want, wlen);
	assert_int_equal(wlen, strlen(want));
	assert_int_equal(json_tree_write(tree, buf, sizeof(buf)), (long)wlen);
	assert_int_equal(json_tree_write(tree, buf, wlen - 1), -1);
	json_tree_free(tree);
	free(w);
}

static void test_json_int_extremes(void **state)
{
	char buf[64];
	struct json_out o = {buf, 0};

	json_int(&o, INT64_MIN);
	json_raw(&o, " ", 1);
	json_int(&o, 0);
	buf[o.len] = '\0';
	assert_string_equal(buf, "-9223372036854775808 0");
}

static struct ad_decision decision_of(struct ad *ads, int n)
{
	struct ad_decision d = {.user = 77, .segment = 12, .slot = "video",
				.count = n};

	for (int i = 0; i < n; i++)
		d.picks[i] = (struct ad_pick){&ads[i], 1000 - i};
	return d;
}

static void test_keys(void **state)
{
	struct ad ads[AD_SHOWN] = {test_ad(42, 100, 1), test_ad(43, 200, 2),
				   test_ad(44, 300, 3), test_ad(45, 400, 4)};
	struct ad_decision d = decision_of(ads, AD_SHOWN);
	struct counter c[KEYS_PER_DECISION];
	time_t now = 1764072000;   /* 2025-11-25 12:00:00 UTC */
	char buf[KEYS_INT_MAX], *key;

	assert_int_equal(keys_counters(&d, now, c), KEYS_PER_DECISION);
	assert_int_equal(c[0].kind, COUNTER_IMPRESSIONS);
	assert_int_equal(c[0].id, 42);
	assert_int_equal(c[0].slot, 4);
	assert_false(keys_is_statistic(&c[0]));
	assert_int_equal(c[1].kind, STAT_SPEND);
	assert_int_equal(c[1].id, 420);
	assert_int_equal(c[1].value, 100);
	assert_true(keys_is_statistic(&c[1]));
	assert_int_equal(c[2].kind, STAT_SCORE);
	assert_int_equal(c[2].value, 1000);
	assert_int_equal(c[12].kind, COUNTER_FREQ_CAP);
	assert_int_equal(c[12].id, 77);
	assert_false(keys_is_statistic(&c[12]));
	assert_int_equal(c[13].kind, STAT_SLOT_REQUESTS);
	assert_int_equal(c[13].id, 12);
	assert_int_equal(c[14].kind, STAT_LAST_SEEN);

	key = keys_format_long(&c[0], now);
	assert_string_equal(key, "adserver:counters:impressions:slot=video:ad=00000042:date=2025-11-25");
	free(key);
	key = keys_format_long(&c[12], now);
	assert_string_equal(key, "adserver:counters:frequency-cap:slot=video:user=0000000077:date=2025-11-25");
	free(key);
	key = keys_format_long(&c[1], now);
	assert_string_equal(key, "adserver:stats:spend:slot=video:advertiser=00000420:date=2025-11-25");
	free(key);

	/* kind 1, day 20417, slot 4, id 42: 1<<52 | 20417<<36 | 4<<32 | 42 */
	assert_int_equal(keys_format_int(&c[0], now, buf), 16);
	assert_string_equal(buf, "5906662363758634");
	assert_int_equal(strtoull(buf, NULL, 10),
			 (1ull << 52) | (20417ull << 36) | (4ull << 32) | 42);
}

static void test_keys_fewer_picks(void **state)
{
	struct ad ads[1] = {test_ad(9, 10, 0)};
	struct ad_decision d = decision_of(ads, 1);
	struct counter c[KEYS_PER_DECISION];

	assert_int_equal(keys_counters(&d, 0, c), 6);
}

static void test_score(void **state)
{
	struct ad_user u = {.id = 1, .segment = 0};
	struct ad a = test_ad(1, 100, 128);

	memset(u.features, 255, sizeof(u.features));
	assert_int_equal(score_ad(&u, &a), 100 * 4096);
	memset(a.weights, 129, sizeof(a.weights));
	/* affinity 16 * 255 = 4080, /16 = 255 */
	assert_int_equal(score_ad(&u, &a), 100 * (4096 + 255));
	memset(a.weights, 0, sizeof(a.weights));
	assert_int_equal(score_ad(&u, &a), 100 * (4096 - 32640));
}

static void test_rank(void **state)
{
	struct ad_user u = {.id = 5, .segment = 3};
	struct ad ads[6] = {test_ad(10, 100, 128), test_ad(11, 300, 128),
			    test_ad(12, 200, 128), test_ad(9, 300, 128),
			    test_ad(13, 50, 128), test_ad(14, 250, 128)};
	struct ad_decision d;

	score_rank(&u, "feed", ads, 6, &d);
	assert_int_equal(d.count, AD_SHOWN);
	assert_int_equal(d.user, 5);
	assert_int_equal(d.segment, 3);
	assert_string_equal(d.slot, "feed");
	/* equal scores: the lower id first */
	assert_int_equal(d.picks[0].ad->id, 9);
	assert_int_equal(d.picks[1].ad->id, 11);
	assert_int_equal(d.picks[2].ad->id, 14);
	assert_int_equal(d.picks[3].ad->id, 12);
	score_rank(&u, "feed", ads, 2, &d);
	assert_int_equal(d.count, 2);
	assert_int_equal(d.picks[0].ad->id, 11);
}

static void test_records_round_trip(void **state)
{
	struct ad a = test_ad(77, 321, 0), back;
	struct ad_user u = {.id = 8, .segment = 63}, uback;
	char buf[512];
	int n;

	for (int i = 0; i < AD_FEATURES; i++) {
		a.weights[i] = (uint8_t)(i * 17);
		u.features[i] = (uint8_t)(255 - i);
	}
	n = record_ad_format(buf, sizeof(buf), &a);
	assert_int_equal(record_ad_parse(buf, (size_t)n, 77, &back), 0);
	assert_memory_equal(&back, &a, sizeof(a) - sizeof(a.title) - sizeof(a.url));
	assert_string_equal(back.title, a.title);
	assert_string_equal(back.url, a.url);
	n = record_user_format(buf, sizeof(buf), &u);
	assert_string_equal(buf, "63|255,254,253,252,251,250,249,248,247,246,245,244,243,242,241,240");
	assert_int_equal(record_user_parse(buf, (size_t)n, 8, &uback), 0);
	assert_memory_equal(&uback, &u, sizeof(u));
}

static void test_records_malformed(void **state)
{
	static const char *const users[] = {
		"", "64|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		"1|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15",
		"1|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,256",
		"1|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,",
		"x|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
	};
	static const char *const ads[] = {
		"1|2|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16|title",
		"1|2|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16||url",
		"1|2|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16|title|",
		"1||1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16|t|u",
	};
	struct ad_user u;
	struct ad a;
	char longtitle[300];
	uint32_t ids[4];

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		assert_int_equal(record_user_parse(users[i], strlen(users[i]), 1, &u), -1);
	for (size_t i = 0; i < sizeof(ads) / sizeof(ads[0]); i++)
		assert_int_equal(record_ad_parse(ads[i], strlen(ads[i]), 1, &a), -1);
	snprintf(longtitle, sizeof(longtitle), "1|2|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16|%0*d|u",
		 AD_TITLE_MAX, 0);
	assert_int_equal(record_ad_parse(longtitle, strlen(longtitle), 1, &a), -1);
	/* LEN is honoured: a valid record cut short is rejected */
	assert_int_equal(record_user_parse("1|1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", 20, 1, &u), -1);

	assert_int_equal(record_candidates_parse("5,6,7", 5, ids, 4), 3);
	assert_int_equal(ids[2], 7);
	assert_int_equal(record_candidates_parse("1,2,3,4,5", 9, ids, 4), 4);
	assert_int_equal(record_candidates_parse("5,,7", 4, ids, 4), -1);
	assert_int_equal(record_candidates_parse("5,x", 3, ids, 4), -1);
}

static void test_slots(void **state)
{
	assert_int_equal(ad_slot_index("top"), 0);
	assert_int_equal(ad_slot_index("article"), AD_SLOT_COUNT - 1);
	assert_int_equal(ad_slot_index("Top"), -1);
	assert_int_equal(ad_slot_index(""), -1);
}

static struct counter_batch batch_of(int tag)
{
	struct counter_batch b = {.n = 1, .now = tag};

	b.counters[0].id = (uint32_t)tag;
	return b;
}

static void test_workq_order_and_batches(void **state)
{
	struct workq q;
	struct counter_batch out[4];

	assert_int_equal(workq_init(&q, 3), 0);
	for (int i = 1; i <= 3; i++) {
		struct counter_batch b = batch_of(i);

		workq_push(&q, &b);
	}
	assert_int_equal(workq_pop(&q, out, 2), 2);
	assert_int_equal(out[0].now, 1);
	assert_int_equal(out[1].now, 2);
	for (int i = 4; i <= 5; i++) {   /* wraps around the ring */
		struct counter_batch b = batch_of(i);

		workq_push(&q, &b);
	}
	assert_int_equal(workq_pop(&q, out, 4), 3);
	assert_int_equal(out[0].now, 3);
	assert_int_equal(out[2].now, 5);
	assert_int_equal(out[2].counters[0].id, 5);
	workq_stop(&q);
	assert_int_equal(workq_pop(&q, out, 4), 0);
	workq_fini(&q);
}

struct workq_producer {
	struct workq *q;
	int count;
};

static void *workq_produce(void *arg)
{
	struct workq_producer *p = arg;

	for (int i = 0; i < p->count; i++) {
		struct counter_batch b = batch_of(i);

		workq_push(p->q, &b);
	}
	return NULL;
}

/* A full queue makes the producer wait; nothing is lost or repeated. */
static void test_workq_full_waits(void **state)
{
	struct workq q;
	struct workq_producer p = {&q, 1000};
	struct counter_batch out[7];
	pthread_t th;
	long sum = 0;
	int got = 0, n;

	assert_int_equal(workq_init(&q, 4), 0);
	assert_int_equal(pthread_create(&th, NULL, workq_produce, &p), 0);
	while (got < p.count && (n = workq_pop(&q, out, 7)) > 0) {
		for (int i = 0; i < n; i++)
			sum += out[i].now;
		got += n;
	}
	pthread_join(th, NULL);
	assert_int_equal(got, 1000);
	assert_int_equal(sum, 999 * 1000 / 2);
	workq_stop(&q);
	workq_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_paths_agree),
		cmocka_unit_test(test_json_no_ads_and_small_buffer),
		cmocka_unit_test(test_json_int_extremes),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_keys_fewer_picks),
		cmocka_unit_test(test_score),
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_records_round_trip),
		cmocka_unit_test(test_records_malformed),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_workq_order_and_batches),
		cmocka_unit_test(test_workq_full_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
