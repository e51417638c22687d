/*
 * workq.c - the bounded queue of workq.h: a ring under one mutex, two
 * condition variables. Consumers take several batches at a time so that
 * one MSET carries the counters of many requests.
 */
#include "workq.h"

#include <stdlib.h>

int workq_init(struct workq *q, int cap)
{
	q->items = calloc((size_t)cap, sizeof(*q->items));
	if (q->items == NULL)
		return -1;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	q->cap = cap;
	q->head = 0;
	q->count = 0;
	q->stopping = 0;
	return 0;
}

void workq_push(struct workq *q, const struct counter_batch *b)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap && !q->stopping)
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->count < q->cap) {
		q->items[(q->head + q->count) % q->cap] = *b;
		q->count++;
		pthread_cond_signal(&q->not_empty);
	}
	pthread_mutex_unlock(&q->lock);
}

int workq_pop(struct workq *q, struct counter_batch *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->stopping)
		pthread_cond_wait(&q->not_empty, &q->lock);
	while (n < max && q->count > 0) {
		out[n++] = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	if (n > 0)
		pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return n;
}

void workq_stop(struct workq *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

void workq_fini(struct workq *q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->items);
	q->items = NULL;
}
