/*
 * report_graph.c - the call graph of the kept samples, trimmed and sorted
 * as google/pprof's newTrimmedGraph does (internal/report, Go 1.19).
 *
 * Nodes are interned once (report.c); a "rebuild" here only clears the
 * values and walks the samples again with a mask of kept nodes, which is
 * what pprof's rebuild from a NodeSet amounts to: frames of dropped nodes
 * vanish, and an edge that jumps over them is residual. A sample adds to
 * a node's cum and to an edge once, however often its stack repeats it
 * (stamps instead of per-sample sets).
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/i64.h"
#include "base/hindex.h"
#include "cli/report.h"

static void *graph_xrealloc(void *p, size_t size)
{
	void *n = cprof__realloc(p, size == 0 ? 1 : size);

	if (n == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	return n;
}

static void graph_edge_grow(struct cprof__cli_report *r)
{
	size_t i, size = r->edge_slots_size ? r->edge_slots_size * 2 : 4096;
	uint64_t *keys = cprof__calloc(size, sizeof(*keys));
	uint32_t *vals = cprof__calloc(size, sizeof(*vals));

	if (keys == NULL || vals == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	for (i = 0; i < r->edge_slots_size; i++) {
		size_t k;

		if (r->edge_keys[i] == 0)
			continue;
		k = cprof__hash_mix(0, r->edge_keys[i]) & (size - 1);
		while (keys[k] != 0)
			k = (k + 1) & (size - 1);
		keys[k] = r->edge_keys[i];
		vals[k] = r->edge_vals[i];
	}
	cprof__free(r->edge_keys);
	cprof__free(r->edge_vals);
	r->edge_keys = keys;
	r->edge_vals = vals;
	r->edge_slots_size = size;
}

/* AddToEdgeDiv, once per sample and (src, dst). */
static void graph_add_edge(struct cprof__cli_report *r, uint32_t src,
			   uint32_t dst, int64_t w, bool residual, bool inl)
{
	/* +1: node 0 -> node 0 would be the empty key */
	uint64_t key = ((uint64_t)src + 1) << 32 | dst;
	struct cprof__cli_edge *e;
	size_t k;

	if (r->n_edges * 2 >= r->edge_slots_size)
		graph_edge_grow(r);
	for (k = cprof__hash_mix(0, key) & (r->edge_slots_size - 1);
	     r->edge_keys[k] != 0; k = (k + 1) & (r->edge_slots_size - 1))
		if (r->edge_keys[k] == key)
			break;
	if (r->edge_keys[k] == 0) {
		if (r->n_edges == r->cap_edges) {
			r->cap_edges = r->cap_edges ? r->cap_edges * 2 : 4096;
			r->edges = graph_xrealloc(r->edges,
						  r->cap_edges * sizeof(*r->edges));
		}
		e = &r->edges[r->n_edges];
		memset(e, 0, sizeof(*e));
		e->src = src;
		e->dst = dst;
		e->inline_ = inl;
		e->stamp = r->stamp - 1;
		r->edge_keys[k] = key;
		r->edge_vals[k] = (uint32_t)r->n_edges++;
	}
	e = &r->edges[r->edge_vals[k]];
	if (e->stamp == r->stamp)
		return;
	e->stamp = r->stamp;
	e->weight = cprof__i64_add(e->weight, w);
	if (residual)
		e->residual = true;
	if (!inl)
		e->inline_ = false;
}

/* newGraph: values of every node and edge from the kept samples. */
static void graph_build(struct cprof__cli_report *r)
{
	const struct cprof__profile *p = r->p;
	size_t i;

	for (i = 0; i < r->n_nodes; i++) {
		r->nodes[i].flat = r->nodes[i].cum = 0;
		r->nodes[i].stamp = 0;
	}
	r->n_edges = 0;
	if (r->edge_keys != NULL)
		memset(r->edge_keys, 0, r->edge_slots_size * sizeof(*r->edge_keys));
	r->stamp = 0;
	for (i = 0; i < r->n_samples; i++) {
		const struct cprof__sample *s = &p->samples.items[r->samples[i]];
		int64_t w = cprof__cli_value(r, s);
		uint32_t parent = CPROF_CLI_NONE;
		bool residual = false;
		size_t j;

		if (w == 0)
			continue;
		r->stamp++;
		for (j = s->n_locations; j-- > 0;) {
			uint64_t id = s->location_ids[j];
			uint32_t li = r->dense_locs ? (uint32_t)(id - 1)
						    : cprof__cli_loc_index(r, id);
			const uint32_t *ln = r->loc_nodes + r->loc_off[li];
			size_t ni, nn = r->loc_off[li + 1] - r->loc_off[li];

			if (r->any_hidden && r->loc_lines[li].hidden)
				continue;
			for (ni = nn; ni-- > 0;) {
				uint32_t n = ln[ni];
				struct cprof__cli_node *node = &r->nodes[n];

				if (r->kept != NULL && !r->kept[n]) {
					residual = true;
					continue;
				}
				if (node->stamp != r->stamp) {
					node->stamp = r->stamp;
					node->cum = cprof__i64_add(node->cum, w);
				}
				if (r->want_edges && parent != CPROF_CLI_NONE &&
				    n != parent &&
				    ((r->edge_src == NULL && r->edge_dst == NULL) ||
				     (r->edge_src != NULL && r->edge_src[parent]) ||
				     (r->edge_dst != NULL && r->edge_dst[n])))
					graph_add_edge(r, parent, n, w, residual,
						       ni != nn - 1);
				parent = n;
				residual = false;
			}
		}
		if (parent != CPROF_CLI_NONE && !residual)
			r->nodes[parent].flat =
				cprof__i64_add(r->nodes[parent].flat, w);
	}
}

/* fmt.Sprint(node.Info), pprof's last tie-breaker. */
static void graph_info_string(const struct cprof__cli_node *n, char *buf,
			      size_t size)
{
	snprintf(buf, size, "{%s  %llu %s %lld %lld %s}", n->name,
		 (unsigned long long)n->address, n->file,
		 (long long)n->start_line, (long long)n->lineno, n->objfile);
}

static int graph_cmp_rest(const struct cprof__cli_node *a,
			  const struct cprof__cli_node *b)
{
	char sa[4096], sb[4096];

	graph_info_string(a, sa, sizeof(sa));
	graph_info_string(b, sb, sizeof(sb));
	return strcmp(sa, sb);
}

static const struct cprof__cli_report *graph_sort_r;
static bool graph_sort_cum;

static int graph_cmp(const void *pa, const void *pb)
{
	const struct cprof__cli_node *a = &graph_sort_r->nodes[*(const uint32_t *)pa];
	const struct cprof__cli_node *b = &graph_sort_r->nodes[*(const uint32_t *)pb];
	int64_t a1 = cprof__i64_abs(graph_sort_cum ? a->cum : a->flat);
	int64_t b1 = cprof__i64_abs(graph_sort_cum ? b->cum : b->flat);
	int64_t a2 = cprof__i64_abs(graph_sort_cum ? a->flat : a->cum);
	int64_t b2 = cprof__i64_abs(graph_sort_cum ? b->flat : b->cum);
	int c;

	if (a1 != b1)
		return a1 > b1 ? -1 : 1;
	c = strcmp(a->printable, b->printable);
	if (c != 0)
		return c;
	if (a2 != b2)
		return a2 > b2 ? -1 : 1;
	return graph_cmp_rest(a, b);
}

static void graph_sort(struct cprof__cli_report *r)
{
	graph_sort_r = r;
	graph_sort_cum = r->o->cum;
	qsort(r->order, r->n_order, sizeof(*r->order), graph_cmp);
}

/* selectNodesForGraph: the nodes with a value. */
static void graph_select(struct cprof__cli_report *r)
{
	size_t i;

	r->n_order = 0;
	for (i = 0; i < r->n_nodes; i++)
		if ((r->kept == NULL || r->kept[i]) &&
		    (r->nodes[i].cum != 0 || r->nodes[i].flat != 0))
			r->order[r->n_order++] = (uint32_t)i;
}

/* Groups edge ids by destination and by source for the in/out lists. */
static void graph_index_edges(struct cprof__cli_report *r)
{
	size_t i;
	uint32_t *cin, *cout;

	r->edge_in = graph_xrealloc(r->edge_in, (r->n_edges + 1) * sizeof(uint32_t));
	r->edge_out = graph_xrealloc(r->edge_out, (r->n_edges + 1) * sizeof(uint32_t));
	for (i = 0; i < r->n_nodes; i++)
		r->nodes[i].n_in = r->nodes[i].n_out = 0;
	for (i = 0; i < r->n_edges; i++) {
		if (r->edges[i].removed)
			continue;
		r->nodes[r->edges[i].dst].n_in++;
		r->nodes[r->edges[i].src].n_out++;
	}
	cin = cprof__calloc(r->n_nodes + 1, sizeof(*cin));
	cout = cprof__calloc(r->n_nodes + 1, sizeof(*cout));
	if (cin == NULL || cout == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	{
		uint32_t si = 0, so = 0;

		for (i = 0; i < r->n_nodes; i++) {
			r->nodes[i].in = cin[i] = si;
			r->nodes[i].out = cout[i] = so;
			si += r->nodes[i].n_in;
			so += r->nodes[i].n_out;
		}
	}
	for (i = 0; i < r->n_edges; i++) {
		if (r->edges[i].removed)
			continue;
		r->edge_in[cin[r->edges[i].dst]++] = (uint32_t)i;
		r->edge_out[cout[r->edges[i].src]++] = (uint32_t)i;
	}
	cprof__free(cin);
	cprof__free(cout);
}

uint8_t *cprof__cli_inline_targets(struct cprof__cli_report *r)
{
	uint8_t *mask = cprof__arena_zalloc(&r->arena, r->n_nodes + 1);
	size_t li, k;

	if (mask == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	for (li = 0; li < r->p->locations.len; li++)
		for (k = r->loc_off[li]; k + 1 < r->loc_off[li + 1]; k++)
			mask[r->loc_nodes[k]] = 1;
	return mask;
}

int cprof__cli_graph(struct cprof__cli_report *r)
{
	int64_t total = 0, node_cutoff, edge_cutoff;
	size_t i;

	r->want_edges = r->edge_src != NULL || r->edge_dst != NULL;
	r->order = graph_xrealloc(r->order, (r->n_nodes + 1) * sizeof(*r->order));
	cprof__free(r->kept);
	r->kept = NULL;
	graph_build(r);
	graph_select(r);
	for (i = 0; i < r->n_order; i++)
		total = cprof__i64_add(total, r->nodes[r->order[i]].flat);
	node_cutoff = cprof__i64_abs(cprof__i64_from_double((double)total * r->trim_nodefraction));
	edge_cutoff = cprof__i64_abs(cprof__i64_from_double((double)total * r->trim_edgefraction));
	if (node_cutoff > 0) {
		size_t kept = 0;

		r->kept = cprof__calloc(r->n_nodes + 1, 1);
		if (r->kept == NULL) {
			cprof__cli_error("out of memory");
			exit(2);
		}
		for (i = 0; i < r->n_order; i++)
			if (cprof__i64_abs(r->nodes[r->order[i]].cum) >= node_cutoff) {
				r->kept[r->order[i]] = 1;
				kept++;
			}
		if (kept != r->n_order) {
			r->dropped_nodes = r->n_order - kept;
			graph_build(r);
			graph_select(r);
		}
	}
	r->orig_count = r->n_order;
	graph_sort(r);
	if (r->trim_nodecount > 0 && (size_t)r->trim_nodecount < r->n_order) {
		if (r->kept == NULL) {
			r->kept = cprof__calloc(r->n_nodes + 1, 1);
			if (r->kept == NULL) {
				cprof__cli_error("out of memory");
				exit(2);
			}
		} else {
			memset(r->kept, 0, r->n_nodes);
		}
		for (i = 0; i < (size_t)r->trim_nodecount; i++)
			r->kept[r->order[i]] = 1;
		graph_build(r);
		graph_select(r);
		graph_sort(r);
	}
	/* Edges matter only in the final graph. With all edges wanted, build
	 * it once more with them (pprof's trimming of edges between steps
	 * changes nothing in the text reports); a few wanted edges (top's)
	 * were recorded by every build, the last one's are the final ones. */
	if (r->edge_src == NULL && r->edge_dst == NULL) {
		r->want_edges = true;
		graph_build(r);
		r->want_edges = false;
	}
	for (i = 0; i < r->n_edges; i++)
		r->edges[i].removed = cprof__i64_abs(r->edges[i].weight) < edge_cutoff;
	graph_index_edges(r);
	return 0;
}

static const struct cprof__cli_report *edge_sort_r;

/* EdgeMap.Sort: weight, then source name, then destination name. */
static int graph_edge_cmp(const void *pa, const void *pb)
{
	const struct cprof__cli_edge *a = &edge_sort_r->edges[*(const uint32_t *)pa];
	const struct cprof__cli_edge *b = &edge_sort_r->edges[*(const uint32_t *)pb];
	int c;

	if (a->weight != b->weight)
		return cprof__i64_abs(a->weight) > cprof__i64_abs(b->weight) ? -1 : 1;
	c = strcmp(edge_sort_r->nodes[a->src].printable,
		   edge_sort_r->nodes[b->src].printable);
	if (c != 0)
		return c;
	return strcmp(edge_sort_r->nodes[a->dst].printable,
		      edge_sort_r->nodes[b->dst].printable);
}

const uint32_t *cprof__cli_node_edges(struct cprof__cli_report *r,
				      uint32_t n, bool in, size_t *count)
{
	const struct cprof__cli_node *node = &r->nodes[n];
	uint32_t *list = in ? r->edge_in + node->in : r->edge_out + node->out;

	*count = in ? node->n_in : node->n_out;
	edge_sort_r = r;
	qsort(list, *count, sizeof(*list), graph_edge_cmp);
	return list;
}
