/*
 * traces.c - `cprof traces`: go tool pprof -traces. Every kept sample's
 * stack, leaf first, after the filters and at the granularity, with its
 * labels (sorted lines "%10s:  values") and its value on the first frame;
 * frames inlined into the next one say "(inline)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/commands.h"
#include "cli/report.h"

static int traces_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The label lines of s, string labels (numeric: false) or numeric ones,
 * grouped by key in first-seen order, sorted as strings. */
static void traces_labels(const struct cprof__cli_report *r,
			  const struct cprof__sample *s, bool numeric)
{
	char *lines[64];
	size_t n = 0, i, j;

	for (i = 0; i < s->n_labels && n < 64; i++) {
		const struct cprof__label *l = &s->labels[i];
		const char *key = cprof__profile_str(r->p, l->key);
		char buf[4096];
		size_t len;
		bool seen = false;

		if (numeric ? (l->str != 0 || (l->num == 0 && l->num_unit == 0))
			    : l->str == 0)
			continue;
		for (j = 0; j < i && !seen; j++) {
			const struct cprof__label *e = &s->labels[j];

			seen = (numeric ? e->str == 0 && (e->num != 0 || e->num_unit != 0)
					: e->str != 0) &&
			       strcmp(cprof__profile_str(r->p, e->key), key) == 0;
		}
		if (seen)
			continue;
		len = (size_t)snprintf(buf, sizeof(buf), "%10s: ", key);
		for (j = i; j < s->n_labels && len < sizeof(buf); j++) {
			const struct cprof__label *e = &s->labels[j];
			char v[64];

			if (strcmp(cprof__profile_str(r->p, e->key), key) != 0)
				continue;
			if (numeric && e->str == 0 && (e->num != 0 || e->num_unit != 0)) {
				const char *unit = e->num_unit != 0 ?
					cprof__profile_str(r->p, e->num_unit) :
					(strcmp(key, "alignment") == 0 ||
					 strcmp(key, "request") == 0) ? "bytes" : key;

				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
							" %s",
							cprof__cli_scaled_label(
								e->num, unit, "auto", v,
								sizeof(v)));
			} else if (!numeric && e->str != 0) {
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
							" %s",
							cprof__profile_str(r->p, e->str));
			}
		}
		lines[n] = cprof__strdup(buf);
		if (lines[n] != NULL)
			n++;
	}
	qsort(lines, n, sizeof(lines[0]), traces_cmp);
	for (i = 0; i < n; i++) {
		printf("%s\n", lines[i]);
		cprof__free(lines[i]);
	}
}

int cprof__cli_traces(int argc, char **argv);

int cprof__cli_traces(int argc, char **argv)
{
	static const char sep[] =
		"-----------+-------------------------------------------------------";
	struct cprof__cli_report r;
	struct cprof__cli_ropts o;
	size_t i;
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, NULL,
				     "cprof traces [options] PROFILE",
				     "Prints every sample's call stack with its labels "
				     "and value, as go tool pprof -traces does.",
				     NULL);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	cprof__cli_profile_labels(&r, stdout);
	for (i = 0; i < r.n_samples; i++) {
		const struct cprof__sample *s = &r.p->samples.items[r.samples[i]];
		bool first = true;
		size_t j;

		printf("%s\n", sep);
		traces_labels(&r, s, false);
		traces_labels(&r, s, true);
		for (j = 0; j < s->n_locations; j++) {
			uint32_t li = cprof__cli_loc_index(&r, s->location_ids[j]);
			size_t k, nn = r.loc_off[li + 1] - r.loc_off[li];

			if (r.loc_lines[li].hidden)
				continue;
			for (k = 0; k < nn; k++) {
				const struct cprof__cli_node *n =
					&r.nodes[r.loc_nodes[r.loc_off[li] + k]];
				char v[64] = "";

				if (first)
					cprof__cli_fmt_value(&r, cprof__cli_value(&r, s),
							     v, sizeof(v));
				first = false;
				printf("%10s   %s%s\n", v, n->printable,
				       k != nn - 1 ? " (inline)" : "");
			}
		}
	}
	printf("%s\n", sep);
	cprof__cli_report_fini(&r);
	return 0;
}
