/*
 * json_writer.c - the tuned JSON path: the decision's layout is known, so
 * it is emitted directly, once to measure and once into a buffer of exactly
 * that size. One allocation per response, no intermediate document.
 */
#include "json.h"

#include <stdlib.h>

#define LIT(o, s) json_raw((o), (s), sizeof(s) - 1)

static void json_writer_pick(struct json_out *o, const struct ad_pick *p)
{
	LIT(o, "{\"id\":");
	json_int(o, p->ad->id);
	LIT(o, ",\"advertiser\":");
	json_int(o, p->ad->advertiser);
	LIT(o, ",\"bid_cents\":");
	json_int(o, p->ad->bid_cents);
	LIT(o, ",\"score\":");
	json_int(o, p->score);
	LIT(o, ",\"title\":");
	json_string(o, p->ad->title);
	LIT(o, ",\"url\":");
	json_string(o, p->ad->url);
	LIT(o, "}");
}

static void json_writer_decision(struct json_out *o,
				 const struct ad_decision *d)
{
	LIT(o, "{\"user\":");
	json_int(o, d->user);
	LIT(o, ",\"slot\":");
	json_string(o, d->slot);
	LIT(o, ",\"segment\":");
	json_int(o, d->segment);
	LIT(o, ",\"ads\":[");
	for (int i = 0; i < d->count; i++) {
		if (i > 0)
			LIT(o, ",");
		json_writer_pick(o, &d->picks[i]);
	}
	LIT(o, "]}");
}

char *json_decision_write(const struct ad_decision *d, size_t *out_len)
{
	struct json_out count = {NULL, 0};
	struct json_out out;

	json_writer_decision(&count, d);
	out.buf = malloc(count.len);
	out.len = 0;
	if (out.buf == NULL)
		return NULL;
	json_writer_decision(&out, d);
	*out_len = out.len;
	return out.buf;
}
