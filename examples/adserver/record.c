/*
 * record.c - the text records of record.h: parsing for the service,
 * formatting for the seeder, and the slot names. Parsers check every byte
 * (the data comes over the network) and never read past LEN.
 */
#include "record.h"

#include <stdio.h>
#include <string.h>

const char *const ad_slots[AD_SLOT_COUNT] = {
	"top", "sidebar", "feed", "footer", "video", "native", "search",
	"article",
};

int ad_slot_index(const char *slot)
{
	for (int i = 0; i < AD_SLOT_COUNT; i++)
		if (strcmp(slot, ad_slots[i]) == 0)
			return i;
	return -1;
}

struct cursor {
	const char *p;
	const char *end;
};

/* A decimal number below LIMIT, then the separator SEP (or the end when
 * SEP is 0). */
static int cursor_uint(struct cursor *c, uint32_t limit, char sep,
		       uint32_t *out)
{
	uint64_t v = 0;
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (uint64_t)(*c->p++ - '0');
		if (v >= limit)
			return -1;
	}
	if (c->p == start)
		return -1;
	if (sep != 0) {
		if (c->p == c->end || *c->p != sep)
			return -1;
		c->p++;
	} else if (c->p != c->end) {
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int cursor_vector(struct cursor *c, uint8_t *v, char last_sep)
{
	for (int i = 0; i < AD_FEATURES; i++) {
		uint32_t x;

		if (cursor_uint(c, 256, i == AD_FEATURES - 1 ? last_sep : ',',
				&x) != 0)
			return -1;
		v[i] = (uint8_t)x;
	}
	return 0;
}

/* Text up to SEP (or the end when SEP is 0) into a buffer of SIZE. */
static int cursor_text(struct cursor *c, char sep, char *out, size_t size)
{
	const char *stop = sep ? memchr(c->p, sep, (size_t)(c->end - c->p))
			       : c->end;
	size_t n;

	if (stop == NULL)
		return -1;
	n = (size_t)(stop - c->p);
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, c->p, n);
	out[n] = '\0';
	c->p = sep ? stop + 1 : stop;
	return 0;
}

int record_user_parse(const char *s, size_t len, uint32_t id,
		      struct ad_user *out)
{
	struct cursor c = {s, s + len};

	out->id = id;
	if (cursor_uint(&c, AD_SEGMENTS, '|', &out->segment) != 0)
		return -1;
	return cursor_vector(&c, out->features, 0);
}

int record_ad_parse(const char *s, size_t len, uint32_t id, struct ad *out)
{
	struct cursor c = {s, s + len};

	out->id = id;
	if (cursor_uint(&c, 1u << 30, '|', &out->advertiser) != 0 ||
	    cursor_uint(&c, 1u << 30, '|', &out->bid_cents) != 0 ||
	    cursor_vector(&c, out->weights, '|') != 0 ||
	    cursor_text(&c, '|', out->title, sizeof(out->title)) != 0 ||
	    cursor_text(&c, 0, out->url, sizeof(out->url)) != 0)
		return -1;
	return 0;
}

int record_candidates_parse(const char *s, size_t len, uint32_t *ids, int max)
{
	struct cursor c = {s, s + len};
	int n = 0;

	while (c.p < c.end && n < max) {
		const char *comma = memchr(c.p, ',', (size_t)(c.end - c.p));
		struct cursor item = {c.p, comma ? comma : c.end};

		if (cursor_uint(&item, 1u << 30, 0, &ids[n]) != 0)
			return -1;
		n++;
		c.p = comma ? comma + 1 : c.end;
	}
	return n;
}

static int record_vector_format(char *buf, size_t size, const uint8_t *v)
{
	size_t n = 0;

	for (int i = 0; i < AD_FEATURES; i++) {
		int w = snprintf(buf + n, size - n, i ? ",%u" : "%u", v[i]);

		if (w < 0 || (size_t)w >= size - n)
			return -1;
		n += (size_t)w;
	}
	return (int)n;
}

int record_user_format(char *buf, size_t size, const struct ad_user *u)
{
	char vec[AD_FEATURES * 4 + 1];

	if (record_vector_format(vec, sizeof(vec), u->features) < 0)
		return -1;
	return snprintf(buf, size, "%u|%s", u->segment, vec);
}

int record_ad_format(char *buf, size_t size, const struct ad *a)
{
	char vec[AD_FEATURES * 4 + 1];

	if (record_vector_format(vec, sizeof(vec), a->weights) < 0)
		return -1;
	return snprintf(buf, size, "%u|%u|%s|%s|%s", a->advertiser,
			a->bid_cents, vec, a->title, a->url);
}
