/*
 * json.c - the JSON primitives both writers share: raw bytes, escaped
 * strings and integers, into a struct json_out that writes or only counts
 * (the tuned writer counts first to allocate exactly once).
 */
#include "json.h"

#include <string.h>

void json_raw(struct json_out *o, const char *s, size_t n)
{
	if (o->buf != NULL)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void json_byte(struct json_out *o, char c)
{
	if (o->buf != NULL)
		o->buf[o->len] = c;
	o->len++;
}

void json_string(struct json_out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	json_byte(o, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			json_byte(o, '\\');
			json_byte(o, (char)*p);
		} else if (*p < 0x20) {
			char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4],
				       hex[*p & 15]};

			json_raw(o, esc, sizeof(esc));
		} else {
			json_byte(o, (char)*p);
		}
	}
	json_byte(o, '"');
}

void json_int(struct json_out *o, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[sizeof(tmp) - 1 - n++] = '-';
	json_raw(o, tmp + sizeof(tmp) - n, (size_t)n);
}
