/*
 * page.c - an embedded HTML page written with its JSON data (page.h).
 */
#include "cli/page.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_MARKER "@CPROF_DATA@"

static void page_flush(struct cprof__page_out *o)
{
	fwrite(o->buf, 1, o->len, o->f);
	o->len = 0;
}

void cprof__page_write(struct cprof__page_out *o, const void *data, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		page_flush(o);
		if (n > sizeof(o->buf)) {
			fwrite(data, 1, n, o->f);
			return;
		}
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

void cprof__page_puts(struct cprof__page_out *o, const char *s)
{
	cprof__page_write(o, s, strlen(s));
}

void cprof__page_int(struct cprof__page_out *o, int64_t v, char sep)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	if (o->len + 24 > sizeof(o->buf))
		page_flush(o);
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		o->buf[o->len++] = '-';
	while (n > 0)
		o->buf[o->len++] = tmp[--n];
	if (sep)
		o->buf[o->len++] = sep;
}

void cprof__page_str(struct cprof__page_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	cprof__page_write(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			cprof__page_write(o, esc, 2);
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			cprof__page_write(o, esc, 6);
		} else {
			if (o->len == sizeof(o->buf))
				page_flush(o);
			o->buf[o->len++] = (char)c;
		}
	}
	cprof__page_write(o, "\"", 1);
}

int cprof__page_emit(const unsigned char *page, size_t len, FILE *f,
		     void (*fill)(struct cprof__page_out *o, void *arg),
		     void *arg)
{
	const char *text = (const char *)page;
	const char *mark = strstr(text, PAGE_MARKER);
	struct cprof__page_out *o;

	if (mark == NULL)
		return -1;
	o = malloc(sizeof(*o));
	if (o == NULL)
		return -1;
	o->f = f;
	o->len = 0;
	cprof__page_write(o, text, (size_t)(mark - text));
	fill(o, arg);
	mark += strlen(PAGE_MARKER);
	cprof__page_write(o, mark, len - (size_t)(mark - text));
	page_flush(o);
	free(o);
	return 0;
}
