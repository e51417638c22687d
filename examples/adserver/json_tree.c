/*
 * json_tree.c - the naive JSON path, written the way a generic serializer
 * works: the decision is first turned into a document tree by walking field
 * tables (name, type, offset), each number printed with snprintf, and every
 * node, key and value is its own heap allocation (about a hundred per
 * response); the tree is then serialized and freed. The bytes are the same
 * as json_writer.c's; the cost is what the allocs profile shows.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum json_kind { JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER };

struct json_node {
	enum json_kind kind;
	char *key;                 /* member name inside an object, or NULL */
	char *text;                /* string or number text */
	struct json_node *child;   /* first member or element */
	struct json_node *next;    /* next sibling */
};

enum field_type { FIELD_U32, FIELD_I64, FIELD_CHARS, FIELD_CSTR };

struct field {
	const char *name;
	enum field_type type;
	int of_pick;               /* 1: offset into struct ad_pick, else ad */
	size_t offset;
};

static const struct field decision_fields[] = {
	{"user", FIELD_U32, 0, offsetof(struct ad_decision, user)},
	{"slot", FIELD_CSTR, 0, offsetof(struct ad_decision, slot)},
	{"segment", FIELD_U32, 0, offsetof(struct ad_decision, segment)},
};

static const struct field pick_fields[] = {
	{"id", FIELD_U32, 0, offsetof(struct ad, id)},
	{"advertiser", FIELD_U32, 0, offsetof(struct ad, advertiser)},
	{"bid_cents", FIELD_U32, 0, offsetof(struct ad, bid_cents)},
	{"score", FIELD_I64, 1, offsetof(struct ad_pick, score)},
	{"title", FIELD_CHARS, 0, offsetof(struct ad, title)},
	{"url", FIELD_CHARS, 0, offsetof(struct ad, url)},
};

static struct json_node *json_node_new(enum json_kind kind, const char *key)
{
	struct json_node *n = calloc(1, sizeof(*n));

	if (n != NULL && key != NULL)
		n->key = strdup(key);
	if (n != NULL)
		n->kind = kind;
	return n;
}

static void json_node_append(struct json_node *parent, struct json_node *n)
{
	struct json_node **at = &parent->child;

	while (*at != NULL)
		at = &(*at)->next;
	*at = n;
}

static struct json_node *json_node_field(const struct field *f,
					 const void *base)
{
	const char *p = (const char *)base + f->offset;
	char num[24];
	struct json_node *n;

	switch (f->type) {
	case FIELD_U32:
		snprintf(num, sizeof(num), "%u", *(const uint32_t *)(const void *)p);
		break;
	case FIELD_I64:
		snprintf(num, sizeof(num), "%lld",
			 (long long)*(const int64_t *)(const void *)p);
		break;
	default:
		break;
	}
	n = json_node_new(f->type == FIELD_U32 || f->type == FIELD_I64
				  ? JSON_NUMBER : JSON_STRING, f->name);
	if (n == NULL)
		return NULL;
	if (f->type == FIELD_CHARS)
		n->text = strdup(p);
	else if (f->type == FIELD_CSTR)
		n->text = strdup(*(const char *const *)(const void *)p);
	else
		n->text = strdup(num);
	return n;
}

/* Appends a node per field of TABLE; 0, or -1 when out of memory. */
static int json_tree_fields(struct json_node *obj, const struct field *table,
			    size_t count, const void *ad, const void *pick)
{
	for (size_t i = 0; i < count; i++) {
		struct json_node *n = json_node_field(
			&table[i], table[i].of_pick ? pick : ad);

		if (n == NULL || n->text == NULL) {
			json_tree_free(n);
			return -1;
		}
		json_node_append(obj, n);
	}
	return 0;
}

struct json_node *json_tree_decision(const struct ad_decision *d)
{
	struct json_node *root = json_node_new(JSON_OBJECT, NULL);
	struct json_node *ads;

	if (root == NULL ||
	    json_tree_fields(root, decision_fields, 3, d, NULL) != 0)
		goto out_free;
	ads = json_node_new(JSON_ARRAY, "ads");
	if (ads == NULL)
		goto out_free;
	json_node_append(root, ads);
	for (int i = 0; i < d->count; i++) {
		struct json_node *obj = json_node_new(JSON_OBJECT, NULL);

		if (obj == NULL)
			goto out_free;
		json_node_append(ads, obj);
		if (json_tree_fields(obj, pick_fields, 6, d->picks[i].ad,
				     &d->picks[i]) != 0)
			goto out_free;
	}
	return root;
out_free:
	json_tree_free(root);
	return NULL;
}

static void json_tree_emit(struct json_out *o, const struct json_node *n)
{
	if (n->key != NULL) {
		json_string(o, n->key);
		json_raw(o, ":", 1);
	}
	switch (n->kind) {
	case JSON_STRING:
		json_string(o, n->text);
		return;
	case JSON_NUMBER:
		json_raw(o, n->text, strlen(n->text));
		return;
	default:
		break;
	}
	json_raw(o, n->kind == JSON_OBJECT ? "{" : "[", 1);
	for (const struct json_node *c = n->child; c != NULL; c = c->next) {
		if (c != n->child)
			json_raw(o, ",", 1);
		json_tree_emit(o, c);
	}
	json_raw(o, n->kind == JSON_OBJECT ? "}" : "]", 1);
}

long json_tree_write(const struct json_node *root, char *buf, size_t cap)
{
	struct json_out count = {NULL, 0};
	struct json_out out = {buf, 0};

	json_tree_emit(&count, root);
	if (count.len > cap)
		return -1;
	json_tree_emit(&out, root);
	return (long)out.len;
}

void json_tree_free(struct json_node *n)
{
	while (n != NULL) {
		struct json_node *next = n->next;

		json_tree_free(n->child);
		free(n->key);
		free(n->text);
		free(n);
		n = next;
	}
}
