/*
 * json.h - JSON for the ad decision. Two ways to produce the same bytes:
 *
 *   json_writer.c  (tuned) measures the document, allocates exactly that,
 *                  writes it in one pass;
 *   json_tree.c    (naive) builds a document tree, one allocation per node,
 *                  key and value, walks field tables, then serializes the
 *                  tree into a caller's buffer.
 *
 * Both use the primitives below for strings and integers, so escaping and
 * number formatting cannot differ between the modes.
 */
#ifndef ADSERVER_JSON_H
#define ADSERVER_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "ad.h"

/* A destination that either writes (buf != NULL) or only counts. */
struct json_out {
	char *buf;     /* NULL: count only */
	size_t len;    /* bytes emitted so far */
};

void json_raw(struct json_out *o, const char *s, size_t n);
/* S quoted, with '"', '\\' and control characters escaped. */
void json_string(struct json_out *o, const char *s);
void json_int(struct json_out *o, int64_t v);

/* json_writer.c: the decision as JSON in a buffer of exactly *OUT_LEN
 * bytes (malloc'd, not NUL-terminated; the caller frees it), or NULL. */
char *json_decision_write(const struct ad_decision *d, size_t *out_len);

/* json_tree.c: the naive path. */
struct json_node;
struct json_node *json_tree_decision(const struct ad_decision *d);
/* Serializes into BUF of CAP bytes; returns the length, or -1 if it does
 * not fit. */
long json_tree_write(const struct json_node *root, char *buf, size_t cap);
void json_tree_free(struct json_node *n);

#endif
