/*
 * ftree.h - a profile's samples folded into one call tree of frame names.
 *
 * `folded` and `flame` both want the same thing: every sample's stack read
 * root first, one frame per function (an inlined call is a frame of its
 * own), stacks that share a prefix sharing nodes, values summed per node.
 * The tree is keyed by frame *name*, as flamegraph.pl and speedscope merge
 * them. The samples, the frames and their names are a report's (report.h):
 * its filters (-focus, -ignore, -hide, -show, -tagfocus...) and its
 * granularity apply, and a frame reads as the node go tool pprof would
 * print (the simplified function name; "[libfoo.so]" for an address
 * without symbols; "name file:line" with -lines). Control characters and
 * ';' in names (which would break the collapsed-stack format) read as '?'.
 *
 * The tree owns copies of what it needs; the profile may be freed after
 * cprof__ftree_build returns. Not thread-safe.
 */
#ifndef CPROF_SRC_CLI_FTREE_H
#define CPROF_SRC_CLI_FTREE_H

#include <stddef.h>
#include <stdint.h>

#include "cli/report.h"

struct cprof__ftree {
	size_t n_types;    /* values per node: the profile's sample types */
	/* Frame names, interned; names[0] is the root's ("root"). */
	char **names;
	size_t *name_lens;
	size_t n_names;
	/* Nodes in pre-order (a node's subtree is [i, end[i])), children in
	 * name order; node 0 is the root, which no sample stack names. */
	uint32_t *name;    /* index into names */
	uint32_t *depth;   /* root 0 */
	uint32_t *end;     /* one past the node's last descendant */
	int64_t *self;     /* n_nodes * n_types: values of stacks ending here */
	int64_t *total;    /* n_nodes * n_types: self plus descendants' */
	size_t n_nodes;
	uint32_t max_depth;
};

/* Builds the tree of the samples r kept (r prepared by report_init).
 * With min_fraction > 0, a frame whose total is under min_fraction of the
 * profile's total in every sample type (or zero in all) is left out with
 * its callees, and its values count in its caller's self: what a flame
 * graph cannot show is never built. 0 builds every frame.
 * Returns 0, or CPROF_ENOMEM (*out NULL). */
int cprof__ftree_build(const struct cprof__cli_report *r,
		       double min_fraction, struct cprof__ftree **out);
void cprof__ftree_free(struct cprof__ftree *t);

#endif
