/*
 * test_ring.c - the capture ring under concurrent producers: every record
 * published is consumed exactly once, in each producer's order, and a full
 * ring drops and counts instead of blocking.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "capture/ring.h"

#define PRODUCERS 4
#define PER_PRODUCER 50000

static struct cprof__ring ring;
static _Atomic int producers_done;

static void *producer(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;

	for (uint32_t i = 0; i < PER_PRODUCER;) {
		uint64_t pos;
		struct cprof__record *r = cprof__ring_claim_as(&ring, &pos);

		if (r == NULL)
			continue; /* full: try again (a handler would drop) */
		r->tid = id;
		r->value[0] = i++;
		r->depth = 1;
		r->pc[0] = (uintptr_t)id << 32 | (uintptr_t)r->value[0];
		cprof__ring_publish_as(&ring, pos);
	}
	atomic_fetch_add(&producers_done, 1);
	return NULL;
}

static void test_concurrent_producers(void **state)
{
	pthread_t threads[PRODUCERS];
	int64_t next[PRODUCERS] = {0};
	uint64_t consumed = 0;

	assert_int_equal(cprof__ring_init(&ring), 0);
	for (uintptr_t i = 0; i < PRODUCERS; i++)
		pthread_create(&threads[i], NULL, producer, (void *)i);
	while (consumed < (uint64_t)PRODUCERS * PER_PRODUCER) {
		const struct cprof__record *r = cprof__ring_peek(&ring);

		if (r == NULL)
			continue;
		assert_true(r->tid < PRODUCERS);
		assert_int_equal(r->value[0], next[r->tid]);
		assert_int_equal(r->pc[0],
				 (uintptr_t)r->tid << 32 | (uintptr_t)next[r->tid]);
		next[r->tid]++;
		cprof__ring_release(&ring);
		consumed++;
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(threads[i], NULL);
	assert_null(cprof__ring_peek(&ring));
	assert_int_equal(atomic_load(&ring.dropped), 0);
	cprof__ring_fini(&ring);
}

static void test_full_ring_drops(void **state)
{
	uint64_t pos;
	int claimed = 0;

	assert_int_equal(cprof__ring_init(&ring), 0);
	for (;;) {
		struct cprof__record *r = cprof__ring_claim_as(&ring, &pos);

		if (r == NULL) {
			cprof__ring_drop_as(&ring, 3);
			break;
		}
		cprof__ring_publish_as(&ring, pos);
		claimed++;
	}
	assert_int_equal(claimed, CPROF_RING_SLOTS);
	assert_int_equal(atomic_load(&ring.dropped), 1);
	assert_int_equal(atomic_load(&ring.dropped_weight), 3);
	/* Consuming one frees one. */
	assert_non_null(cprof__ring_peek(&ring));
	cprof__ring_release(&ring);
	assert_non_null(cprof__ring_claim_as(&ring, &pos));
	cprof__ring_publish_as(&ring, pos);
	cprof__ring_reset(&ring);
	assert_null(cprof__ring_peek(&ring));
	cprof__ring_fini(&ring);
}

static void test_unpublished_slot_blocks_only_the_consumer(void **state)
{
	uint64_t held, pos;

	assert_int_equal(cprof__ring_init(&ring), 0);
	/* A producer claimed a slot and was interrupted before publishing. */
	assert_non_null(cprof__ring_claim_as(&ring, &held));
	/* Another (the interrupting handler) publishes after it. */
	assert_non_null(cprof__ring_claim_as(&ring, &pos));
	cprof__ring_publish_as(&ring, pos);
	assert_null(cprof__ring_peek(&ring)); /* in order: waits for held */
	cprof__ring_publish_as(&ring, held);
	assert_non_null(cprof__ring_peek(&ring));
	cprof__ring_release(&ring);
	assert_non_null(cprof__ring_peek(&ring));
	cprof__ring_release(&ring);
	assert_null(cprof__ring_peek(&ring));
	cprof__ring_fini(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_producers),
		cmocka_unit_test(test_full_ring_drops),
		cmocka_unit_test(test_unpublished_slot_blocks_only_the_consumer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
