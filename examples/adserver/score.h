/*
 * score.h - scoring and ranking, the same in both modes (the case study
 * tunes everything around the decision, never the decision itself).
 */
#ifndef ADSERVER_SCORE_H
#define ADSERVER_SCORE_H

#include "ad.h"

/* Expected value of showing AD to U, in arbitrary integer units: the bid
 * times the affinity of the user's features with the ad's weights. */
int64_t score_ad(const struct ad_user *u, const struct ad *a);

/* Fills D with the AD_SHOWN best of the N ADS for U (higher score first,
 * the lower ad id on a tie). D's picks point into ADS. */
void score_rank(const struct ad_user *u, const char *slot,
		const struct ad *ads, int n, struct ad_decision *d);

#endif
