/*
 * report.h - the report engine behind top, peek, traces, tree and list.
 *
 * It computes what go tool pprof (google/pprof's internal/report and
 * internal/graph, as in Go 1.19) computes, in the same order, so that the
 * numbers and the rows agree:
 *
 *  1. prepare: pick the sample index; total the |values| of all samples
 *     (before any filter, as pprof does); simplify names as pprof's
 *     demangling step does; apply -focus/-ignore/-hide/-show per location
 *     and -tagfocus/-tagignore per sample; apply the granularity.
 *  2. graph: one node per distinct node info (name, file, line, address,
 *     object as the granularity keeps them), flat and cum per node, edges
 *     with residual and inline flags; trimmed by -nodefraction, sorted,
 *     cut to -nodecount and rebuilt, as newTrimmedGraph does.
 *  3. format: units (-unit, "minimum" picks one per report), percentages
 *     and the header lines (File, Type, Time, Duration, Showing...).
 *
 * report.c does 1, report_graph.c 2, report_format.c 3; regex.c holds the
 * Go-regexp-to-POSIX bridge. Nothing here knows where the profile came
 * from. Not thread-safe.
 */
#ifndef CPROF_SRC_CLI_REPORT_H
#define CPROF_SRC_CLI_REPORT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/arena.h"
#include "cli/options.h"
#include "pprof/profile.h"

/* The options reports share, with go tool pprof's names and defaults. */
struct cprof__cli_ropts {
	const char *sample_index; /* NULL: the default sample type */
	int nodecount;            /* -1: the command's default */
	double nodefraction;
	double edgefraction;
	bool cum;
	bool flat;                /* -flat: the default order (ignored) */
	bool noinlines;
	bool trim;
	const char *unit;
	const char *granularity;
	double divide_by;
	const char *focus;
	const char *ignore;
	const char *hide;
	const char *show;
	const char *show_from;
	const char *tagfocus;
	const char *tagignore;
	const char *tagshow;
	const char *taghide;
};

void cprof__cli_ropts_init(struct cprof__cli_ropts *o);
/* Fills t (room for at least CPROF_CLI_ROPTS_MAX entries plus the NULL
 * terminator) with the shared options; returns how many it wrote. */
#define CPROF_CLI_ROPTS_MAX 24
size_t cprof__cli_ropts_table(struct cprof__cli_ropts *o,
			      struct cprof__cli_opt *t);

#define CPROF_CLI_NONE UINT32_MAX

struct cprof__cli_node {
	/* The node info (google/pprof's graph.NodeInfo). */
	const char *name;
	const char *file;
	const char *objfile;
	uint64_t address;
	int64_t lineno;
	int64_t start_line;
	uint32_t hash;
	char *printable; /* PrintableName() */
	int64_t flat;
	int64_t cum;
	uint32_t stamp; /* last sample that added to cum */
	uint32_t in;    /* first in-edge in edge_in order, after build */
	uint32_t n_in;
	uint32_t out;
	uint32_t n_out;
};

struct cprof__cli_edge {
	uint32_t src;
	uint32_t dst;
	int64_t weight;
	uint32_t stamp;
	bool residual;
	bool inline_;
	bool removed; /* below -edgefraction */
};

/* The lines of a location after -hide/-show and -noinlines. */
struct cprof__cli_lines {
	const struct cprof__line *lines; /* innermost first */
	uint32_t n;
	bool hidden; /* no lines left: the location leaves every stack */
};

struct cprof__cli_report {
	struct cprof__profile *p;
	struct cprof__cli_ropts *o;
	struct cprof__arena arena;
	const char *command; /* "top", "peek", ... */

	size_t si;                /* the sample index */
	const char *sample_type;
	char sample_unit[64];     /* lowercased, as pprof keeps it */
	char output_unit[64];     /* -unit, resolved by select_unit */
	double ratio;             /* 1 / -divide_by */
	int64_t total;
	int trim_nodecount;       /* after the command's overrides */
	double trim_nodefraction;
	double trim_edgefraction;

	const char **fn_name;     /* per function index, after demangling */
	const char **fn_file;     /* per function index, filepath.Clean'ed */
	uint32_t *fn_name_hash;
	uint32_t *fn_file_hash;

	struct cprof__cli_lines *loc_lines; /* per location index */
	uint32_t *loc_off;        /* per location index: into loc_nodes */
	uint32_t *loc_nodes;      /* node ids, innermost first */

	uint32_t *samples;        /* indices of the samples filters kept */
	size_t n_samples;

	struct cprof__cli_node *nodes;
	size_t n_nodes;
	size_t cap_nodes;
	uint32_t *node_slots;     /* hash table of nodes (id + 1) */
	size_t node_slots_size;

	struct cprof__cli_edge *edges;
	size_t n_edges;
	size_t cap_edges;
	uint64_t *edge_keys;      /* src << 32 | dst, 0 = empty slot */
	uint32_t *edge_vals;
	size_t edge_slots_size;
	uint32_t *edge_in;        /* edge ids grouped by dst */
	uint32_t *edge_out;       /* edge ids grouped by src */

	uint8_t *kept;            /* NULL, or a node mask for rebuilds */
	uint32_t stamp;
	/*
	 * Which edges the report needs (building every edge of a big profile
	 * is most of the work, and only the last build's edges are shown):
	 * an edge is kept when its source is in edge_src or its destination
	 * in edge_dst; both NULL keeps all. Set by the command before
	 * cprof__cli_graph: top needs only edges into nodes that are ever an
	 * inlined frame (for its "(inline)" marks), peek only those touching
	 * the nodes it prints.
	 */
	uint8_t *edge_src;
	uint8_t *edge_dst;
	bool want_edges;          /* this build records edges */
	bool dense_locs;          /* location i has id i + 1 (no lookups) */
	bool any_hidden;          /* -hide/-show emptied some location */

	uint32_t *order;          /* the graph's nodes, sorted */
	size_t n_order;
	size_t orig_count;
	size_t dropped_nodes;

	char filters[9][1100];    /* "focus=...", for the legend */
	size_t n_filters;
};

/*
 * Prepares a report of p for `command` (which sets pprof's per-command
 * overrides: list and peek do not trim, top defaults to no node count,
 * the others to 80). Takes ownership of nothing; p is modified (names).
 * Returns 0, or prints one line and returns 2.
 */
int cprof__cli_report_init(struct cprof__cli_report *r,
			   struct cprof__profile *p,
			   struct cprof__cli_ropts *o, const char *command);
void cprof__cli_report_fini(struct cprof__cli_report *r);

/* The value of sample s at the report's sample index. */
static inline int64_t cprof__cli_value(const struct cprof__cli_report *r,
				       const struct cprof__sample *s)
{
	return s->values[r->si];
}

/* The location index of a location id (the decoder validated it). */
uint32_t cprof__cli_loc_index(const struct cprof__cli_report *r,
			      uint64_t id);

/* A mask of the nodes that are an inlined frame (a location's line other
 * than its last) somewhere: only they can have inline in-edges. */
uint8_t *cprof__cli_inline_targets(struct cprof__cli_report *r);

/* report_graph.c: the trimmed, sorted graph (r->order), with edges. */
int cprof__cli_graph(struct cprof__cli_report *r);
/* In- and out-edges of node n, sorted as EdgeMap.Sort() does; *count is
 * set, the array lives until the next call. */
const uint32_t *cprof__cli_node_edges(struct cprof__cli_report *r,
				      uint32_t n, bool in, size_t *count);

/* report_format.c */
void cprof__cli_select_unit(struct cprof__cli_report *r);
/* formatValue: v scaled to the output unit, "%.2f" trimmed. */
const char *cprof__cli_fmt_value(const struct cprof__cli_report *r, int64_t v,
				 char *buf, size_t size);
const char *cprof__cli_scaled_label(int64_t v, const char *from,
				    const char *to, char *buf, size_t size);
const char *cprof__cli_percentage(int64_t v, int64_t total, char *buf,
				  size_t size);
double cprof__cli_scale(int64_t v, const char *from, const char *to,
			const char **unit);
/* ProfileLabels (File, Build ID, comments, Type, Time, Duration). */
void cprof__cli_profile_labels(const struct cprof__cli_report *r, FILE *out);
/* reportLabels: profile labels, filters, "Showing nodes ...". */
void cprof__cli_report_labels(const struct cprof__cli_report *r, FILE *out);

/* top.c: the -top report of a prepared report (cprof__cli_report_init),
 * on stdout; with colour, growth (flat > 0) is red and shrink green. */
void cprof__cli_top_print(struct cprof__cli_report *r, bool colour);

/* regex.c: Go's RE2 syntax, approximated with POSIX extended regexps
 * (\d \w \s and their negations, (?i) at the start). */
int cprof__cli_regcomp(regex_t *re, const char *pattern, const char *what);
static inline bool cprof__cli_match(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

/* The shared entry of report commands: parse options (plus extra ones),
 * load the profile named by the one positional argument (or two with
 * regex: REGEX PROFILE), prepare the report. Returns 0 (then finish
 * with cprof__cli_report_fini), -1 when help was printed (exit 0), or 2
 * after one line on stderr. */
int cprof__cli_report_start(struct cprof__cli_report *r,
			    struct cprof__cli_ropts *o, int argc, char **argv,
			    const struct cprof__cli_opt *extra,
			    const char *usage, const char *about,
			    const char **regex);

#endif
