/*
 * page.h - writing an HTML page embedded in the binary (flame.html,
 * timeline.html) with its data, JSON, in place of the page's one
 * @CPROF_DATA@ marker. Shared by `cprof flame` and `cprof trace -html`.
 *
 * The writer formats numbers and escapes strings itself into a 64 KiB
 * buffer: the data of a large page is mostly digits, and printf per
 * number would dominate the run time. Write errors are the stream's
 * (ferror), reported by cprof__cli_close_out.
 */
#ifndef CPROF_SRC_CLI_PAGE_H
#define CPROF_SRC_CLI_PAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cprof__page_out {
	FILE *f;
	size_t len;
	char buf[1 << 16];
};

void cprof__page_write(struct cprof__page_out *o, const void *data, size_t n);
void cprof__page_puts(struct cprof__page_out *o, const char *s);
/* A decimal integer and a separator (0 for none). */
void cprof__page_int(struct cprof__page_out *o, int64_t v, char sep);
/* A JSON string. '<', '>' and '&' are escaped too, so no name can close
 * the <script> element the JSON sits in. */
void cprof__page_str(struct cprof__page_out *o, const char *s, size_t n);

/* Writes page (len bytes) to f with fill's output in place of its marker.
 * Returns 0, or -1 when out of memory or the page lacks the marker (a
 * broken build, caught by the tests); nothing is written then. */
int cprof__page_emit(const unsigned char *page, size_t len, FILE *f,
		     void (*fill)(struct cprof__page_out *o, void *arg),
		     void *arg);

#endif
