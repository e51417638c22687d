/*
 * record.h - how users, ads and candidate lists are stored in Redis, as
 * the seeder writes them and both modes read them. Values are short text
 * records, '|' between fields and ',' inside a vector:
 *
 *   u:<user>            SEGMENT|f0,f1,...,f15
 *   a:<ad>              ADVERTISER|BID_CENTS|w0,...,w15|TITLE|URL
 *   c:<slot>:<segment>  ad,ad,...            (AD_CANDIDATES ids)
 *
 * Parsers return 0, or -1 for a malformed record (the service answers 500).
 */
#ifndef ADSERVER_RECORD_H
#define ADSERVER_RECORD_H

#include <stddef.h>

#include "ad.h"

int record_user_parse(const char *s, size_t len, uint32_t id,
		      struct ad_user *out);
int record_ad_parse(const char *s, size_t len, uint32_t id, struct ad *out);
/* Parses up to MAX ids; returns how many, or -1. */
int record_candidates_parse(const char *s, size_t len, uint32_t *ids, int max);

/* Formatters for the seeder; return the length written (snprintf's). */
int record_user_format(char *buf, size_t size, const struct ad_user *u);
int record_ad_format(char *buf, size_t size, const struct ad *a);

#endif
