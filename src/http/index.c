/*
 * index.c - the /debug/pprof/ page: what can be fetched here, with counts.
 *
 * Same page as Go's Index (nobody parses it, but people read it and tools
 * link to it): title, the debug=1 hint, a Count/Profile table linking
 * "<name>?debug=1", the full-dump link when a goroutine profile exists, and
 * a description per entry. Entries are the registry's named profiles plus
 * cmdline, profile, trace and wall (cprof's own), sorted by name as
 * Go sorts them (bytewise).
 */
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"
#include "profiles/registry.h"

#define INDEX_MAX_ENTRIES (CPROF_MAX_NAMED_PROFILES + 4)

struct index_entry {
	const char *name;
	const char *description;
	long count;
};

static int index_compare(const void *a, const void *b)
{
	const struct index_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void index_html(struct cprof__buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': cprof__buf_puts(b, "&lt;"); break;
		case '>': cprof__buf_puts(b, "&gt;"); break;
		case '&': cprof__buf_puts(b, "&amp;"); break;
		case '"': cprof__buf_puts(b, "&#34;"); break;
		case '\'': cprof__buf_puts(b, "&#39;"); break;
		default: cprof__buf_putc(b, *s);
		}
	}
}

/* A name as a relative link: percent-escaped outside the unreserved set,
 * then safe inside the single-quoted attribute. */
static void index_href(struct cprof__buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/", c) != NULL)
			cprof__buf_putc(b, (char)c);
		else
			cprof__buf_printf(b, "%%%02X", c);
	}
}

static int index_collect(struct index_entry *e, bool *has_goroutine)
{
	const struct cprof__named_profile *const *list;
	int n_list, n = 0, i;

	list = cprof__registry_list(&n_list);
	*has_goroutine = false;
	for (i = 0; i < n_list && n < INDEX_MAX_ENTRIES - 4; i++) {
		const struct cprof__named_profile *p = list[i];

		e[n].name = p->name;
		e[n].description = p->description ? p->description : "";
		e[n].count = p->count ? p->count() : 0;
		*has_goroutine |= strcmp(p->name, "goroutine") == 0;
		n++;
	}
	e[n++] = (struct index_entry){"cmdline",
		"The command line of this process, its arguments separated "
		"by NUL bytes.", 0};
	e[n++] = (struct index_entry){"profile",
		"CPU profile. Set the duration with the seconds parameter "
		"(default 30). Open the downloaded file with go tool pprof.",
		0};
	e[n++] = (struct index_entry){"trace",
		"A trace of execution of the current program (Chrome Trace "
		"Event JSON: open it in Perfetto UI or chrome://tracing, or "
		"with cprof trace). Set the duration with the seconds "
		"parameter (default 1).", 0};
	e[n++] = (struct index_entry){"wall",
		"Wall-clock profile (cprof's, not Go's): every thread sampled "
		"at CPROF_WALL_HZ whether it runs or waits, so time blocked on "
		"locks and I/O shows. Set the duration with the seconds "
		"parameter (default 30).", 0};
	qsort(e, (size_t)n, sizeof(*e), index_compare);
	return n;
}

static void index_head(struct cprof__buf *b)
{
	cprof__buf_puts(b,
		"<html>\n<head>\n<title>/debug/pprof/</title>\n"
		"<style>\n.profile-name{\n\tdisplay:inline-block;\n"
		"\twidth:6rem;\n}\n</style>\n</head>\n<body>\n"
		"/debug/pprof/\n<br>\n"
		"<p>Set debug=1 as a query parameter to export in legacy "
		"text format</p>\n<br>\nTypes of profiles available:\n"
		"<table>\n<thead><td>Count</td><td>Profile</td></thead>\n");
}

void cprof__http_serve_index(const struct cprof__http_request *req,
			     struct cprof__http_reply *reply)
{
	struct index_entry e[INDEX_MAX_ENTRIES];
	struct cprof__buf *b = &reply->body;
	bool has_goroutine;
	int n, i;

	n = index_collect(e, &has_goroutine);
	reply->content_type = "text/html; charset=utf-8";
	index_head(b);
	for (i = 0; i < n; i++) {
		cprof__buf_printf(b, "<tr><td>%ld</td><td><a href='", e[i].count);
		index_href(b, e[i].name);
		cprof__buf_puts(b, "?debug=1'>");
		index_html(b, e[i].name);
		cprof__buf_puts(b, "</a></td></tr>\n");
	}
	cprof__buf_puts(b, "</table>\n");
	if (has_goroutine)
		cprof__buf_puts(b, "<a href=\"goroutine?debug=2\">full "
				"goroutine stack dump</a>\n<br>\n");
	cprof__buf_puts(b, "<p>\nProfile Descriptions:\n<ul>\n");
	for (i = 0; i < n; i++) {
		cprof__buf_puts(b, "<li><div class=profile-name>");
		index_html(b, e[i].name);
		cprof__buf_puts(b, ": </div> ");
		index_html(b, e[i].description);
		cprof__buf_puts(b, "</li>\n");
	}
	cprof__buf_puts(b, "</ul>\n</p>\n</body>\n</html>");
}
