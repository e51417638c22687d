/*
 * top.c - `cprof top`: go tool pprof -top. The header lines, then one row
 * per node: flat, flat%, sum%, cum, cum% and the name, with "(inline)"
 * when every call into the node was inlined and "(partial-inline)" when
 * some were. The rows are also what `cprof diff` shows on a terminal,
 * coloured by sign.
 */
#include <stdio.h>

#include "base/i64.h"
#include "cli/commands.h"
#include "cli/report.h"

#define TOP_RED "\033[31m"
#define TOP_GREEN "\033[32m"
#define TOP_RESET "\033[0m"

int cprof__cli_top(int argc, char **argv);

static const char *top_inline_mark(const struct cprof__cli_report *r,
				   const struct cprof__cli_node *n)
{
	bool inline_in = false, call_in = false;

	for (size_t j = 0; j < n->n_in; j++) {
		if (r->edges[r->edge_in[n->in + j]].inline_)
			inline_in = true;
		else
			call_in = true;
	}
	if (!inline_in)
		return "";
	return call_in ? " (partial-inline)" : " (inline)";
}

void cprof__cli_top_print(struct cprof__cli_report *r, bool colour)
{
	int64_t flat_sum = 0;

	r->edge_dst = cprof__cli_inline_targets(r);
	cprof__cli_graph(r);
	cprof__cli_select_unit(r);
	cprof__cli_report_labels(r, stdout);
	printf("%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum",
	       "cum");
	for (size_t i = 0; i < r->n_order; i++) {
		const struct cprof__cli_node *n = &r->nodes[r->order[i]];
		char f[64], fp[32], sp[32], c[64], cp[32];
		const char *on = "", *off = "";

		if (colour && n->flat != 0) {
			on = n->flat > 0 ? TOP_RED : TOP_GREEN;
			off = TOP_RESET;
		}
		flat_sum = cprof__i64_add(flat_sum, n->flat);
		printf("%s%10s %s %s %10s %s  %s%s%s\n", on,
		       cprof__cli_fmt_value(r, n->flat, f, sizeof(f)),
		       cprof__cli_percentage(n->flat, r->total, fp, sizeof(fp)),
		       cprof__cli_percentage(flat_sum, r->total, sp, sizeof(sp)),
		       cprof__cli_fmt_value(r, n->cum, c, sizeof(c)),
		       cprof__cli_percentage(n->cum, r->total, cp, sizeof(cp)),
		       n->printable, top_inline_mark(r, n), off);
	}
}

int cprof__cli_top(int argc, char **argv)
{
	struct cprof__cli_report r;
	struct cprof__cli_ropts o;
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, NULL,
				     "cprof top [options] PROFILE",
				     "Prints the top entries of a profile, as go tool "
				     "pprof -top does (PROFILE: a file or an http URL).",
				     NULL);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	cprof__cli_top_print(&r, false);
	cprof__cli_report_fini(&r);
	return 0;
}
