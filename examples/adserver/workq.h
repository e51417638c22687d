/*
 * workq.h - the tuned mode's bounded queue of counter batches between the
 * HTTP threads (producers) and a fixed pool of writer threads (consumers).
 * A full queue makes the producer wait: memory stays bounded and the wait
 * shows in the block profile instead of growing the heap.
 */
#ifndef ADSERVER_WORKQ_H
#define ADSERVER_WORKQ_H

#include <pthread.h>

#include "keys.h"

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	struct counter_batch *items;  /* ring of cap; protected by lock */
	int cap;
	int head;                     /* protected by lock */
	int count;                    /* protected by lock */
	int stopping;                 /* protected by lock */
};

int workq_init(struct workq *q, int cap);      /* 0 or -1 */
void workq_push(struct workq *q, const struct counter_batch *b);
/* Up to MAX batches into OUT, waiting for one; 0 once stopped and empty. */
int workq_pop(struct workq *q, struct counter_batch *out, int max);
/* Wakes the consumers; they drain what is queued, then get 0. */
void workq_stop(struct workq *q);
void workq_fini(struct workq *q);

#endif
