/*
 * flame.c - `cprof flame`: a self-contained interactive HTML flame graph.
 *
 * The page (src/cli/flame/flame.html, embedded at build time) carries its
 * own script and style; this file folds the profile (ftree.c) and writes
 * the page with the call tree in place of its @CPROF_DATA@ marker, as the
 * JSON the page's header comment describes. Every sample type goes in, so
 * the page can switch between them; -sample_index picks the one shown
 * first.
 *
 * A browser lays out a few hundred thousand frames comfortably, not the
 * millions a large profile of diverse stacks folds into; frames under
 * -minfraction of the total (0.01% by default: under a pixel even zoomed
 * a hundredfold) are left out with their callees. Their time still counts
 * in their callers' totals, so it shows as the callers' self time. The
 * tree builder prunes them as it grows (ftree.h), so a large profile's
 * millions of distinct stacks never become nodes: time and memory go to
 * reading the profile, not to frames nobody could see.
 *
 * The writer formats numbers and escapes strings itself into a 64 KiB
 * buffer: flame graphs of large profiles are mostly digits, and printf per
 * number would dominate the run time.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/flame_html.h"
#include "cli/ftree.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/subcmd.h"

#define FLAME_USAGE "cprof flame [options] -o FILE PROFILE"
#define FLAME_ABOUT                                                           \
	"Writes an interactive flame graph of the profile: one HTML file that\n"  \
	"works offline. Click a frame to zoom in (Escape zooms out), search\n"    \
	"with a regular expression to highlight frames, hover for values. All\n" \
	"sample types are in the page; -sample_index picks the one shown\n"      \
	"first. Frames are named as go tool pprof names its nodes; its filters\n" \
	"and granularity options apply. PROFILE is a file (gzip'd or plain\n"    \
	"protobuf) or an http URL."

#define FLAME_MARKER "@CPROF_DATA@"

int cprof__cli_flame(int argc, char **argv);

struct flame_out {
	FILE *f;
	size_t len;
	char buf[1 << 16];
};

static void flame_flush(struct flame_out *o)
{
	fwrite(o->buf, 1, o->len, o->f);
	o->len = 0;
}

static void flame_write(struct flame_out *o, const void *data, size_t n)
{
	if (o->len + n > sizeof(o->buf)) {
		flame_flush(o);
		if (n > sizeof(o->buf)) {
			fwrite(data, 1, n, o->f);
			return;
		}
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

static void flame_puts(struct flame_out *o, const char *s)
{
	flame_write(o, s, strlen(s));
}

/* A decimal integer and a separator (0 for none). */
static void flame_int(struct flame_out *o, int64_t v, char sep)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	if (o->len + 24 > sizeof(o->buf))
		flame_flush(o);
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

/* A JSON string. '<' is escaped too, so no name can close the <script>
 * element the JSON sits in. */
static void flame_str(struct flame_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	flame_write(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			flame_write(o, esc, 2);
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			flame_write(o, esc, 6);
		} else {
			if (o->len == sizeof(o->buf))
				flame_flush(o);
			o->buf[o->len++] = (char)c;
		}
	}
	flame_write(o, "\"", 1);
}

/* The frames the page gets: those at least min_fraction of the total in
 * some sample type (a dropped frame's callees go with it), in pre-order,
 * and the names they use, renumbered densely. */
struct flame_keep {
	uint32_t *nodes;
	size_t n_nodes;
	uint32_t *names;    /* new name index -> tree name */
	size_t n_names;
	uint32_t *name_map; /* tree name -> new name index */
};

static int flame_select(const struct cprof__ftree *t, double min_fraction,
			struct flame_keep *k)
{
	size_t nt = t->n_types;

	k->nodes = malloc((t->n_nodes + 1) * sizeof(*k->nodes));
	k->names = malloc((t->n_names + 1) * sizeof(*k->names));
	k->name_map = malloc((t->n_names + 1) * sizeof(*k->name_map));
	if (!k->nodes || !k->names || !k->name_map)
		return -1;
	memset(k->name_map, 0xff, (t->n_names + 1) * sizeof(*k->name_map));
	k->n_nodes = k->n_names = 0;
	for (size_t i = 0; i < t->n_nodes;) {
		bool keep = i == 0 || nt == 0;

		for (size_t v = 0; v < nt && !keep; v++) {
			int64_t root = t->total[v], x = t->total[i * nt + v];
			double r = (double)(root < 0 ? -root : root);

			keep = x != 0 && (double)(x < 0 ? -x : x) >= r * min_fraction;
		}
		if (!keep) {
			i = t->end[i];
			continue;
		}
		k->nodes[k->n_nodes++] = (uint32_t)i;
		if (k->name_map[t->name[i]] == UINT32_MAX) {
			k->name_map[t->name[i]] = (uint32_t)k->n_names;
			k->names[k->n_names++] = t->name[i];
		}
		i++;
	}
	return 0;
}

static void flame_data(struct flame_out *o, const struct cprof__profile *p,
		       const struct cprof__ftree *t,
		       const struct flame_keep *k, size_t shown,
		       const char *title)
{
	size_t n = k->n_nodes;

	flame_puts(o, "{\"title\":");
	flame_str(o, title, strlen(title));
	flame_puts(o, ",\n\"types\":[");
	for (size_t v = 0; v < p->sample_types.len; v++) {
		const char *ty = cprof__profile_str(p, p->sample_types.items[v].type);
		const char *un = cprof__profile_str(p, p->sample_types.items[v].unit);

		flame_puts(o, v ? ",[" : "[");
		flame_str(o, ty, strlen(ty));
		flame_puts(o, ",");
		flame_str(o, un, strlen(un));
		flame_puts(o, "]");
	}
	flame_puts(o, "],\n\"dflt\":");
	flame_int(o, (int64_t)shown, ',');
	flame_puts(o, "\n\"names\":[");
	for (size_t i = 0; i < k->n_names; i++) {
		if (i)
			flame_write(o, ",", 1);
		flame_str(o, t->names[k->names[i]], t->name_lens[k->names[i]]);
	}
	flame_puts(o, "],\n\"name\":[");
	for (size_t i = 0; i < n; i++)
		flame_int(o, k->name_map[t->name[k->nodes[i]]],
			  i + 1 < n ? ',' : 0);
	flame_puts(o, "],\n\"depth\":[");
	for (size_t i = 0; i < n; i++)
		flame_int(o, t->depth[k->nodes[i]], i + 1 < n ? ',' : 0);
	flame_puts(o, "],\n\"values\":[");
	for (size_t v = 0; v < t->n_types; v++) {
		flame_puts(o, v ? ",\n[" : "[");
		for (size_t i = 0; i < n; i++)
			flame_int(o, t->total[k->nodes[i] * t->n_types + v],
				  i + 1 < n ? ',' : 0);
		flame_puts(o, "]");
	}
	flame_puts(o, "]}");
}

static int flame_page(const struct cprof__profile *p,
		      const struct cprof__ftree *t, size_t shown,
		      double min_fraction, const char *title, FILE *f)
{
	const char *page = (const char *)cprof__flame_html;
	const char *mark = strstr(page, FLAME_MARKER);
	struct flame_keep k = {0};
	struct flame_out *o = NULL;
	int rc = -1;

	if (mark == NULL)
		return -1; /* a broken build, caught by the tests */
	o = malloc(sizeof(*o));
	if (o == NULL || flame_select(t, min_fraction, &k) != 0)
		goto out_free;
	o->f = f;
	o->len = 0;
	flame_write(o, page, (size_t)(mark - page));
	flame_data(o, p, t, &k, shown, title);
	mark += strlen(FLAME_MARKER);
	flame_write(o, mark, cprof__flame_html_len - (size_t)(mark - page));
	flame_flush(o);
	rc = 0;
out_free:
	free(k.nodes);
	free(k.names);
	free(k.name_map);
	free(o);
	return rc;
}

/* The file name of a path, as go tool pprof's "File:" label shows it. */
static const char *flame_basename(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash && slash[1] ? slash + 1 : s;
}

int cprof__cli_flame(int argc, char **argv)
{
	const char *out = NULL, *title = NULL;
	double min_fraction = 0.0001;
	const struct cprof__cli_opt extra[] = {
		{"minfraction", CPROF_CLI_OPT_DOUBLE, &min_fraction, NULL,
		 "drop frames under this fraction of the total, with their "
		 "callees (default 0.0001; 0 keeps every frame)"},
		{"o", CPROF_CLI_OPT_STRING, &out, NULL,
		 "write the page to this file (default: stdout, unless it is "
		 "a terminal)"},
		{"output", CPROF_CLI_OPT_STRING, &out, NULL, "same as -o"},
		{"title", CPROF_CLI_OPT_STRING, &title, NULL,
		 "the page's title (default: the profiled program's name)"},
		{NULL, 0, NULL, NULL, NULL},
	};
	struct cprof__cli_ropts o;
	struct cprof__cli_report r;
	struct cprof__ftree *t = NULL;
	char deftitle[512];
	FILE *f;
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, extra, FLAME_USAGE,
				     FLAME_ABOUT, NULL);
	if (rc != 0)
		return rc < 0 ? CPROF_CLI_OK : CPROF_CLI_BAD;
	rc = CPROF_CLI_BAD;
	if (!(min_fraction >= 0 && min_fraction <= 1)) {
		cprof__cli_error("flame: -minfraction wants a number in [0, 1]");
		goto out_free;
	}
	if ((out == NULL || strcmp(out, "-") == 0) && isatty(STDOUT_FILENO)) {
		cprof__cli_error("flame: stdout is a terminal; write the page "
				 "to a file with -o FILE");
		goto out_free;
	}
	if (cprof__ftree_build(&r, min_fraction, &t) != 0) {
		cprof__cli_error("out of memory");
		goto out_free;
	}
	if (title == NULL) {
		const char *file = r.p->mappings.len == 0 ? "" :
			cprof__profile_str(r.p, r.p->mappings.items[0].filename);

		snprintf(deftitle, sizeof(deftitle), "%s%scprof flame graph",
			 flame_basename(file), *file ? " - " : "");
		title = deftitle;
	}
	f = cprof__cli_open_out(out);
	if (f == NULL)
		goto out_free;
	rc = flame_page(r.p, t, r.si, min_fraction, title, f);
	if (rc != 0)
		cprof__cli_error("out of memory");
	if (cprof__cli_close_out(f, out) != 0 || rc != 0)
		rc = CPROF_CLI_BAD;
out_free:
	cprof__ftree_free(t);
	cprof__cli_report_fini(&r);
	return rc;
}
