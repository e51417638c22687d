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
 * page.c writes the page and its data.
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
#include "cli/page.h"
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

int cprof__cli_flame(int argc, char **argv);

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

static void flame_data(struct cprof__page_out *o, const struct cprof__profile *p,
		       const struct cprof__ftree *t,
		       const struct flame_keep *k, size_t shown,
		       const char *title)
{
	size_t n = k->n_nodes;

	cprof__page_puts(o, "{\"title\":");
	cprof__page_str(o, title, strlen(title));
	cprof__page_puts(o, ",\n\"types\":[");
	for (size_t v = 0; v < p->sample_types.len; v++) {
		const char *ty = cprof__profile_str(p, p->sample_types.items[v].type);
		const char *un = cprof__profile_str(p, p->sample_types.items[v].unit);

		cprof__page_puts(o, v ? ",[" : "[");
		cprof__page_str(o, ty, strlen(ty));
		cprof__page_puts(o, ",");
		cprof__page_str(o, un, strlen(un));
		cprof__page_puts(o, "]");
	}
	cprof__page_puts(o, "],\n\"dflt\":");
	cprof__page_int(o, (int64_t)shown, ',');
	cprof__page_puts(o, "\n\"names\":[");
	for (size_t i = 0; i < k->n_names; i++) {
		if (i)
			cprof__page_write(o, ",", 1);
		cprof__page_str(o, t->names[k->names[i]], t->name_lens[k->names[i]]);
	}
	cprof__page_puts(o, "],\n\"name\":[");
	for (size_t i = 0; i < n; i++)
		cprof__page_int(o, k->name_map[t->name[k->nodes[i]]],
			  i + 1 < n ? ',' : 0);
	cprof__page_puts(o, "],\n\"depth\":[");
	for (size_t i = 0; i < n; i++)
		cprof__page_int(o, t->depth[k->nodes[i]], i + 1 < n ? ',' : 0);
	cprof__page_puts(o, "],\n\"values\":[");
	for (size_t v = 0; v < t->n_types; v++) {
		cprof__page_puts(o, v ? ",\n[" : "[");
		for (size_t i = 0; i < n; i++)
			cprof__page_int(o, t->total[k->nodes[i] * t->n_types + v],
				  i + 1 < n ? ',' : 0);
		cprof__page_puts(o, "]");
	}
	cprof__page_puts(o, "]}");
}

struct flame_fill {
	const struct cprof__profile *p;
	const struct cprof__ftree *t;
	const struct flame_keep *k;
	size_t shown;
	const char *title;
};

static void flame_fill(struct cprof__page_out *o, void *arg)
{
	const struct flame_fill *a = arg;

	flame_data(o, a->p, a->t, a->k, a->shown, a->title);
}

static int flame_page(const struct cprof__profile *p,
		      const struct cprof__ftree *t, size_t shown,
		      double min_fraction, const char *title, FILE *f)
{
	struct flame_keep k = {0};
	struct flame_fill a = {p, t, &k, shown, title};
	int rc = -1;

	if (flame_select(t, min_fraction, &k) == 0)
		rc = cprof__page_emit(cprof__flame_html, cprof__flame_html_len,
				      f, flame_fill, &a);
	free(k.nodes);
	free(k.names);
	free(k.name_map);
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
