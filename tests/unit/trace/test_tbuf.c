/*
 * test_tbuf.c - the per-thread trace ring and the event store.
 *
 * Ring: a writer thread emits events of every size (1 to 17 slots, so they
 * wrap around a small ring at every offset) while the reader drains; every
 * event arrives whole, in order, or is counted as dropped, never both.
 * The largest event (a host's wait with its name and a whole stack) passes
 * whole at every offset of a small ring.
 * Store: a log keeps events up to its bound and counts the rest; a flight
 * ring keeps the newest chunks and lets old ones go.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "trace/store.h"
#include "trace/tbuf.h"

#define EVENTS 200000

static _Atomic bool writer_done;
static struct cprof__trace_tbuf *writer_ring;

static void *writer(void *arg)
{
	char payload[CPROF_TRACE_MAX_TEXT + 1];

	cprof__trace_tbuf_slots = 64;
	writer_ring = cprof__trace_tbuf_self();
	for (int64_t i = 0; i < EVENTS; i++) {
		struct cprof__trace_event ev = {.kind = CPROF_TRACE_LOG};
		size_t n = (size_t)(i % 17) * 15;

		ev.len = (uint16_t)n;
		ev.ts = i;
		ev.a = i;
		memset(payload, (int)(i & 0x7f), n);
		cprof__trace_tbuf_put_as(writer_ring, &ev, payload, n);
	}
	atomic_store(&writer_done, true);
	return NULL;
}

struct reader_state {
	int64_t next;     /* the next index expected, at least */
	uint64_t got;
	uint64_t dropped;
};

static void reader_event(const struct cprof__trace_event *ev, void *arg)
{
	struct reader_state *s = arg;
	const char *p = cprof__trace_payload(ev);

	if (ev->kind == CPROF_TRACE_DROPPED) {
		s->dropped += (uint64_t)ev->a;
		return;
	}
	assert_int_equal(ev->kind, CPROF_TRACE_LOG);
	assert_true(ev->a >= s->next);
	assert_int_equal(ev->len, (ev->a % 17) * 15);
	for (size_t i = 0; i < ev->len; i++)
		assert_int_equal(p[i], (char)(ev->a & 0x7f));
	s->next = ev->a + 1;
	s->got++;
}

static void test_ring_wraps_and_counts(void **state)
{
	struct reader_state s = {0};
	pthread_t t;

	pthread_create(&t, NULL, writer, NULL);
	while (!atomic_load(&writer_done))
		cprof__trace_tbuf_drain_locked(reader_event, &s);
	pthread_join(t, NULL);
	cprof__trace_tbuf_drain_locked(reader_event, &s);
	assert_true(s.got > 0);
	assert_int_equal(s.got + s.dropped, EVENTS);
}

/* Writes the largest event there is, one at a time, for the reader. */
static void *big_writer(void *arg)
{
	struct cprof__trace_tbuf *tb;
	unsigned char payload[(CPROF_TRACE_MAX_SLOTS - 1) *
			      CPROF_TRACE_SLOT_BYTES];
	_Atomic int *turn = arg;

	cprof__trace_tbuf_slots = 64;
	tb = cprof__trace_tbuf_self();
	for (int i = 0; i < 20; i++) {
		struct cprof__trace_event ev = {.kind = CPROF_TRACE_WAIT,
						.a = i};

		while (atomic_load(turn) != 2 * i)
			;
		ev.len = CPROF_TRACE_WAIT_TEXT;
		memset(payload, i, sizeof(payload));
		cprof__trace_tbuf_put_as(tb, &ev, payload, sizeof(payload));
		atomic_store(turn, 2 * i + 1);
	}
	return NULL;
}

static void big_reader(const struct cprof__trace_event *ev, void *arg)
{
	int *seen = arg;
	const unsigned char *p = (const unsigned char *)cprof__trace_payload(ev);

	assert_int_equal(ev->kind, CPROF_TRACE_WAIT);
	assert_int_equal(ev->nslots, CPROF_TRACE_MAX_SLOTS);
	assert_int_equal(ev->a, *seen);
	for (size_t i = 0; i < (CPROF_TRACE_MAX_SLOTS - 1) * 32u; i++)
		assert_int_equal(p[i], *seen);
	(*seen)++;
}

static void test_ring_largest_event(void **state)
{
	_Atomic int turn = 0;
	int seen = 0;
	pthread_t t;

	/* a host's wait: its 32-byte name and CPROF_MAX_FRAMES pcs */
	assert_true((CPROF_TRACE_MAX_SLOTS - 1) * CPROF_TRACE_SLOT_BYTES >=
		    CPROF_TRACE_WAIT_TEXT + CPROF_MAX_FRAMES * 8);
	pthread_create(&t, NULL, big_writer, &turn);
	for (int i = 0; i < 20; i++) {
		while (atomic_load(&turn) != 2 * i + 1)
			;
		cprof__trace_tbuf_drain_locked(big_reader, &seen);
		assert_int_equal(seen, i + 1);
		atomic_store(&turn, 2 * i + 2);
	}
	pthread_join(t, NULL);
}

static void store_put(struct cprof__trace_store *st, int64_t ts)
{
	struct cprof__trace_event ev = {.kind = CPROF_TRACE_CPU, .nslots = 1,
					.ts = ts};

	cprof__trace_store_add(st, &ev);
}

static size_t store_count(const struct cprof__trace_store *st, int64_t *first)
{
	struct cprof__trace_store_iter it;
	const struct cprof__trace_event *ev;
	size_t n = 0;

	cprof__trace_store_iter_init(st, &it);
	while ((ev = cprof__trace_store_next(&it)) != NULL) {
		if (n++ == 0)
			*first = ev->ts;
	}
	return n;
}

static void test_store_log_bound(void **state)
{
	struct cprof__trace_store st;
	size_t chunk = CPROF_TRACE_CHUNK_SLOTS;
	int64_t first = -1;

	/* room for two chunks */
	cprof__trace_store_init(&st, false, 0, 2 * (chunk + 1) * 32);
	for (size_t i = 0; i < 3 * chunk; i++)
		store_put(&st, (int64_t)i);
	assert_int_equal(store_count(&st, &first), 2 * chunk);
	assert_int_equal(first, 0);
	assert_int_equal(st.dropped, chunk);
	{
		struct cprof__trace_event d = {.kind = CPROF_TRACE_DROPPED,
						.nslots = 1, .a = 10};

		/* a refused drop count still counts what it counted */
		cprof__trace_store_add(&st, &d);
		assert_int_equal(st.dropped, chunk + 10);
	}
	cprof__trace_store_fini(&st);
}

static void test_store_flight_keeps_newest(void **state)
{
	struct cprof__trace_store st;
	size_t chunk = CPROF_TRACE_CHUNK_SLOTS;
	int64_t first = -1;

	cprof__trace_store_init(&st, true, 1000, 2 * (chunk + 1) * 32);
	for (size_t i = 0; i < 5 * chunk; i++)
		store_put(&st, (int64_t)i);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(store_count(&st, &first), 2 * chunk);
	assert_int_equal(first, (int64_t)(3 * chunk));
	/* Aging: everything older than 1000 ns before now goes, but the
	 * newest chunk stays. */
	cprof__trace_store_age(&st, (int64_t)(5 * chunk) + 1000000);
	assert_int_equal(store_count(&st, &first), chunk);
	assert_int_equal(first, (int64_t)(4 * chunk));
	cprof__trace_store_fini(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_wraps_and_counts),
		cmocka_unit_test(test_ring_largest_event),
		cmocka_unit_test(test_store_log_bound),
		cmocka_unit_test(test_store_flight_keeps_newest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
