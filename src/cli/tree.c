/*
 * tree.c - `cprof tree` (go tool pprof -tree) and the printer `peek`
 * shares with it: per node, its callers (in-edges) above and callees
 * (out-edges) below, each with its weight and share of the node's cum.
 */
#include <stdio.h>
#include <string.h>

#include "base/i64.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "cli/tree.h"

static void tree_edges(struct cprof__cli_report *r, uint32_t node, bool in,
		       int64_t cum)
{
	const uint32_t *list;
	size_t i, n;

	list = cprof__cli_node_edges(r, node, in, &n);
	for (i = 0; i < n; i++) {
		const struct cprof__cli_edge *e = &r->edges[list[i]];
		char w[64], pc[32];

		printf("%50s %s |   %s%s\n",
		       cprof__cli_fmt_value(r, e->weight, w, sizeof(w)),
		       cprof__cli_percentage(e->weight, cum, pc, sizeof(pc)),
		       r->nodes[in ? e->src : e->dst].printable,
		       e->inline_ ? " (inline)" : "");
	}
}

int cprof__cli_print_tree(struct cprof__cli_report *r, const regex_t *rx,
			  const char *rx_text)
{
	static const char sep[] =
		"----------------------------------------------------------+-------------";
	int64_t flat_sum = 0;
	size_t i, matched = 0;

	if (rx != NULL) {
		/* peek prints only edges of the nodes it matches */
		uint8_t *mask = cprof__arena_zalloc(&r->arena, r->n_nodes + 1);

		if (mask == NULL) {
			cprof__cli_error("out of memory");
			return 2;
		}
		for (i = 0; i < r->n_nodes; i++)
			mask[i] = cprof__cli_match(rx, r->nodes[i].printable);
		r->edge_src = r->edge_dst = mask;
	}
	cprof__cli_graph(r);
	cprof__cli_select_unit(r);
	/* pprof prints nothing but the error when nothing matches. */
	for (i = 0; rx != NULL && i < r->n_order && matched == 0; i++)
		if (cprof__cli_match(rx, r->nodes[r->order[i]].printable))
			matched++;
	if (rx != NULL && matched == 0) {
		cprof__cli_error("no matches found for regexp: %s", rx_text);
		return 2;
	}
	matched = 0;
	cprof__cli_report_labels(r, stdout);
	printf("%s\n", sep);
	printf("      flat  flat%%   sum%%        cum   cum%%   calls calls%% "
	       "+ context \t \t \n");
	for (i = 0; i < r->n_order; i++) {
		uint32_t id = r->order[i];
		const struct cprof__cli_node *n = &r->nodes[id];
		char f[64], fp[32], sp[32], c[64], cp[32];

		if (rx != NULL && !cprof__cli_match(rx, n->printable))
			continue;
		matched++;
		printf("%s\n", sep);
		tree_edges(r, id, true, n->cum);
		flat_sum = cprof__i64_add(flat_sum, n->flat);
		printf("%10s %s %s %10s %s                | %s\n",
		       cprof__cli_fmt_value(r, n->flat, f, sizeof(f)),
		       cprof__cli_percentage(n->flat, r->total, fp, sizeof(fp)),
		       cprof__cli_percentage(flat_sum, r->total, sp, sizeof(sp)),
		       cprof__cli_fmt_value(r, n->cum, c, sizeof(c)),
		       cprof__cli_percentage(n->cum, r->total, cp, sizeof(cp)),
		       n->printable);
		tree_edges(r, id, false, n->cum);
	}
	if (r->n_order > 0)
		printf("%s\n", sep);
	return 0;
}

int cprof__cli_tree(int argc, char **argv);

int cprof__cli_tree(int argc, char **argv)
{
	struct cprof__cli_report r;
	struct cprof__cli_ropts o;
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, NULL,
				     "cprof tree [options] PROFILE",
				     "Prints each node with its callers and callees, as "
				     "go tool pprof -tree does (80 nodes unless "
				     "-nodecount says otherwise).",
				     NULL);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	rc = cprof__cli_print_tree(&r, NULL, NULL);
	cprof__cli_report_fini(&r);
	return rc;
}
