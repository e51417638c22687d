/*
 * regex.c - go tool pprof's regexps (Go's RE2 syntax) on POSIX regcomp.
 *
 * The two agree on what pprof users type (names, dots, anchors,
 * alternation, classes, repetition). The Perl classes Go adds are
 * rewritten (\d \w \s and \D \W \S, outside and inside brackets), a
 * leading (?i) becomes REG_ICASE, and other escapes of punctuation are
 * passed through. XXX: non-greedy operators and other RE2-only syntax
 * are compile errors here; rewrite them when users need them.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/report.h"

static void re_put(char *out, size_t *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(out + *o, s, n);
	*o += n;
}

int cprof__cli_regcomp(regex_t *re, const char *pattern, const char *what)
{
	size_t n = strlen(pattern), o = 0, i = 0;
	char *out = cprof__alloc(n * 16 + 1), msg[256];
	int flags = REG_EXTENDED | REG_NOSUB, rc;
	bool in_class = false;

	if (out == NULL) {
		cprof__cli_error("out of memory");
		return 2;
	}
	if (strncmp(pattern, "(?i)", 4) == 0) {
		flags |= REG_ICASE;
		i = 4;
	}
	for (; i < n; i++) {
		char c = pattern[i];

		if (c == '[' && !in_class) {
			in_class = true;
			out[o++] = c;
			if (pattern[i + 1] == '^')
				out[o++] = pattern[++i];
			if (pattern[i + 1] == ']')
				out[o++] = pattern[++i];
			continue;
		}
		if (c == ']' && in_class) {
			in_class = false;
			out[o++] = c;
			continue;
		}
		if (c != '\\' || i + 1 == n) {
			out[o++] = c;
			continue;
		}
		c = pattern[++i];
		switch (c) {
		case 'd':
			re_put(out, &o, in_class ? "0-9" : "[0-9]");
			break;
		case 'w':
			re_put(out, &o, in_class ? "[:alnum:]_" : "[[:alnum:]_]");
			break;
		case 's':
			re_put(out, &o, in_class ? "[:space:]" : "[[:space:]]");
			break;
		case 'D':
			re_put(out, &o, "[^0-9]");
			break;
		case 'W':
			re_put(out, &o, "[^[:alnum:]_]");
			break;
		case 'S':
			re_put(out, &o, "[^[:space:]]");
			break;
		default:
			if (in_class) {
				out[o++] = c; /* a literal in brackets */
			} else {
				out[o++] = '\\';
				out[o++] = c;
			}
			break;
		}
	}
	out[o] = '\0';
	rc = regcomp(re, out, flags);
	cprof__free(out);
	if (rc != 0) {
		regerror(rc, re, msg, sizeof(msg));
		cprof__cli_error("parsing %s regexp: %s: %s", what, pattern, msg);
		return 2;
	}
	return 0;
}
