/*
 * top.c - `cprof top`: go tool pprof -top. The header lines, then one row
 * per node: flat, flat%, sum%, cum, cum% and the name, with "(inline)"
 * when every call into the node was inlined and "(partial-inline)" when
 * some were.
 */
#include <stdio.h>

#include "base/i64.h"
#include "cli/commands.h"
#include "cli/report.h"

int cprof__cli_top(int argc, char **argv);

int cprof__cli_top(int argc, char **argv)
{
	struct cprof__cli_report r;
	struct cprof__cli_ropts o;
	int64_t flat_sum = 0;
	size_t i;
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, NULL,
				     "cprof top [options] PROFILE",
				     "Prints the top entries of a profile, as go tool "
				     "pprof -top does (PROFILE: a file or an http URL).",
				     NULL);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	r.edge_dst = cprof__cli_inline_targets(&r);
	cprof__cli_graph(&r);
	cprof__cli_select_unit(&r);
	cprof__cli_report_labels(&r, stdout);
	printf("%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum",
	       "cum");
	for (i = 0; i < r.n_order; i++) {
		const struct cprof__cli_node *n = &r.nodes[r.order[i]];
		char f[64], fp[32], sp[32], c[64], cp[32];
		const char *inl = "";
		bool inline_in = false, call_in = false;
		size_t j;

		for (j = 0; j < n->n_in; j++) {
			if (r.edges[r.edge_in[n->in + j]].inline_)
				inline_in = true;
			else
				call_in = true;
		}
		if (inline_in)
			inl = call_in ? " (partial-inline)" : " (inline)";
		flat_sum = cprof__i64_add(flat_sum, n->flat);
		printf("%10s %s %s %10s %s  %s%s\n",
		       cprof__cli_fmt_value(&r, n->flat, f, sizeof(f)),
		       cprof__cli_percentage(n->flat, r.total, fp, sizeof(fp)),
		       cprof__cli_percentage(flat_sum, r.total, sp, sizeof(sp)),
		       cprof__cli_fmt_value(&r, n->cum, c, sizeof(c)),
		       cprof__cli_percentage(n->cum, r.total, cp, sizeof(cp)),
		       n->printable, inl);
	}
	cprof__cli_report_fini(&r);
	return 0;
}
