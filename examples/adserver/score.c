/*
 * score.c - the ad decision: a dot product per candidate and a partial
 * selection of the best AD_SHOWN. Integer arithmetic only, so that both
 * modes (and any compiler) print exactly the same numbers.
 */
#include "score.h"

int64_t score_ad(const struct ad_user *u, const struct ad *a)
{
	int64_t affinity = 0;

	for (int i = 0; i < AD_FEATURES; i++)
		affinity += (int64_t)u->features[i] * (a->weights[i] - 128);
	return (int64_t)a->bid_cents * (4096 + affinity / 16);
}

static int score_better(const struct ad_pick *x, const struct ad_pick *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	return x->ad->id < y->ad->id;
}

void score_rank(const struct ad_user *u, const char *slot,
		const struct ad *ads, int n, struct ad_decision *d)
{
	d->user = u->id;
	d->segment = u->segment;
	d->slot = slot;
	d->count = 0;
	for (int i = 0; i < n; i++) {
		struct ad_pick p = {&ads[i], score_ad(u, &ads[i])};
		int at = d->count;

		while (at > 0 && score_better(&p, &d->picks[at - 1]))
			at--;
		if (at >= AD_SHOWN)
			continue;
		if (d->count < AD_SHOWN)
			d->count++;
		for (int j = d->count - 1; j > at; j--)
			d->picks[j] = d->picks[j - 1];
		d->picks[at] = p;
	}
}
