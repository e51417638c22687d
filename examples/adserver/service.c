/*
 * service.c - the request steps both modes share: validating the query
 * and the decision itself. Error bodies are fixed JSON strings, so both
 * modes answer errors byte for byte alike too.
 */
#include "service.h"

#include <stdlib.h>
#include <string.h>

#include "score.h"

void service_error(struct service_reply *out, unsigned status,
		   const char *body)
{
	out->status = status;
	out->body = (char *)body;
	out->len = strlen(body);
	out->owner = BODY_STATIC;
}

int service_parse(const char *user, const char *slot,
		  struct service_request *req, struct service_reply *out)
{
	char *end;
	unsigned long id;
	int s;

	if (user == NULL || *user < '1' || *user > '9') {
		service_error(out, 400, "{\"error\":\"user must be a positive integer\"}");
		return -1;
	}
	id = strtoul(user, &end, 10);
	if (*end != '\0' || id >= 1u << 30) {
		service_error(out, 400, "{\"error\":\"user must be a positive integer\"}");
		return -1;
	}
	s = slot ? ad_slot_index(slot) : -1;
	if (s < 0) {
		service_error(out, 400, "{\"error\":\"unknown slot\"}");
		return -1;
	}
	req->user = (unsigned)id;
	req->slot = ad_slots[s];
	req->now = time(NULL);
	return 0;
}

int service_decide(redisContext *c, const struct service_request *req,
		   struct ad *ads, struct ad_decision *d,
		   struct service_reply *out)
{
	struct ad_user u;
	int n = 0;

	switch (store_load(c, req->user, req->slot, &u, ads, &n)) {
	case STORE_OK:
		score_rank(&u, req->slot, ads, n, d);
		return 0;
	case STORE_NOT_FOUND:
		service_error(out, 404, "{\"error\":\"unknown user\"}");
		return -1;
	case STORE_BAD_DATA:
		service_error(out, 500, "{\"error\":\"bad record in redis\"}");
		return -1;
	default:
		service_error(out, 502, "{\"error\":\"redis unavailable\"}");
		return -1;
	}
}
