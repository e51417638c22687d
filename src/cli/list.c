/*
 * list.c - `cprof list REGEX PROFILE`: go tool pprof -list. For every
 * function whose name matches, per source file: the flat and cum of each
 * line from the function's start to five lines past its last sampled
 * line, beside the source text when the file is on disk (found as pprof
 * finds it: absolute paths as they are, others under the current
 * directory and its parents, after pprof's path-trimming heuristics).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/i64.h"
#include "cli/commands.h"
#include "cli/report.h"

static const struct cprof__cli_report *list_r;

/* functions by name; a function's lines by file, then line */
static int list_cmp(const void *pa, const void *pb)
{
	const struct cprof__cli_node *a = &list_r->nodes[*(const uint32_t *)pa];
	const struct cprof__cli_node *b = &list_r->nodes[*(const uint32_t *)pb];
	int c = strcmp(a->name, b->name);

	if (c == 0)
		c = strcmp(a->file, b->file);
	if (c == 0 && a->lineno != b->lineno)
		c = a->lineno < b->lineno ? -1 : 1;
	return c;
}

/* pprof's trimPath with the current directory as the search path. */
static const char *list_trim(const char *path, const char *wd)
{
	const char *base = strrchr(wd, '/');
	char want[4104];
	const char *found;

	snprintf(want, sizeof(want), "/%s/", base != NULL ? base + 1 : wd);
	if (strcmp(want, "//") != 0 && (found = strstr(path, want)) != NULL)
		return found + strlen(want);
	if (strncmp(path, "/proc/self/cwd/./", 17) == 0)
		return path + 17;
	if (strncmp(path, "/proc/self/cwd/", 15) == 0)
		return path + 15;
	return path;
}

/* Opens the source of path as pprof does; NULL with err set if absent. */
static FILE *list_open(const char *path, char *err, size_t size)
{
	char wd[4096], dir[4096], name[8192];
	const char *rel;
	FILE *f;

	if (getcwd(wd, sizeof(wd)) == NULL)
		snprintf(wd, sizeof(wd), ".");
	rel = list_trim(path, wd);
	if (rel[0] == '/') {
		f = fopen(rel, "r");
		if (f == NULL)
			snprintf(err, size, "open %s: %s", rel, strerror(errno));
		if (f == NULL && errno == ENOENT)
			snprintf(err, size, "open %s: no such file or directory", rel);
		return f;
	}
	snprintf(dir, sizeof(dir), "%s", wd);
	for (;;) {
		char *slash;

		snprintf(name, sizeof(name), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
			 rel);
		f = fopen(name, "r");
		if (f != NULL)
			return f;
		slash = strrchr(dir, '/');
		if (slash == NULL || strcmp(dir, "/") == 0)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	snprintf(err, size, "could not find file %s on path %s", rel, wd);
	return NULL;
}

static const char *list_dot(const struct cprof__cli_report *r, int64_t v,
			    char *buf, size_t size)
{
	return v == 0 ? "." : cprof__cli_fmt_value(r, v, buf, size);
}

/* One function's lines in one file: nodes[0..n) sorted by line. */
static void list_file(const struct cprof__cli_report *r, const uint32_t *nodes,
		      size_t n)
{
	const struct cprof__cli_node *first = &r->nodes[nodes[0]];
	int64_t flat = 0, cum = 0, start, end, lineno = 0;
	char a[64], b[64], c[32], err[4200], *line = NULL;
	size_t i, k = 0, cap = 0;
	FILE *f;

	for (i = 0; i < n; i++) {
		flat = cprof__i64_add(flat, r->nodes[nodes[i]].flat);
		cum = cprof__i64_add(cum, r->nodes[nodes[i]].cum);
	}
	printf("ROUTINE ======================== %s in %s\n", first->name,
	       first->file);
	printf("%10s %10s (flat, cum) %s of Total\n",
	       cprof__cli_fmt_value(r, flat, a, sizeof(a)),
	       cprof__cli_fmt_value(r, cum, b, sizeof(b)),
	       cprof__cli_percentage(cum, r->total, c, sizeof(c)));
	start = first->start_line != 0 ? first->start_line : first->lineno - 5;
	end = first->lineno + 5;
	for (i = 0; i < n; i++) {
		const struct cprof__cli_node *nd = &r->nodes[nodes[i]];
		int64_t ns = nd->start_line != 0 ? nd->start_line : nd->lineno - 5;

		if (ns < start)
			start = ns;
		else if (nd->lineno + 5 > end)
			end = nd->lineno + 5;
	}
	if (start < 1)
		start = 1;
	f = list_open(first->file, err, sizeof(err));
	if (f == NULL) {
		printf(" Error: %s\n", err);
		return;
	}
	while (lineno < end) {
		ssize_t len = getline(&line, &cap, f);
		int64_t lf = 0, lc = 0;

		if (len < 0)
			break;
		if (++lineno < start)
			continue;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		while (k < n && r->nodes[nodes[k]].lineno < lineno)
			k++;
		for (i = k; i < n && r->nodes[nodes[i]].lineno == lineno; i++) {
			lf = cprof__i64_add(lf, r->nodes[nodes[i]].flat);
			lc = cprof__i64_add(lc, r->nodes[nodes[i]].cum);
		}
		printf("%10s %10s %6lld:%s\n", list_dot(r, lf, a, sizeof(a)),
		       list_dot(r, lc, b, sizeof(b)), (long long)lineno, line);
	}
	free(line);
	fclose(f);
}

int cprof__cli_list(int argc, char **argv);

int cprof__cli_list(int argc, char **argv)
{
	struct cprof__cli_report r;
	struct cprof__cli_ropts o;
	const char *pattern = NULL;
	uint32_t *sel;
	size_t i, n = 0;
	regex_t rx;
	char v[64];
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, NULL,
				     "cprof list [options] REGEX PROFILE",
				     "Prints the source lines of the functions matching "
				     "REGEX with their flat and cum values, as go tool "
				     "pprof -list does (the source is read from disk).",
				     &pattern);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (cprof__cli_regcomp(&rx, pattern, "argument") != 0) {
		cprof__cli_report_fini(&r);
		return 2;
	}
	r.edge_dst = cprof__arena_zalloc(&r.arena, r.n_nodes + 1); /* no edges */
	cprof__cli_graph(&r);
	sel = cprof__calloc(r.n_order + 1, sizeof(*sel));
	for (i = 0; sel != NULL && i < r.n_order; i++)
		if (cprof__cli_match(&rx, r.nodes[r.order[i]].name))
			sel[n++] = r.order[i];
	regfree(&rx);
	if (sel == NULL || n == 0) {
		cprof__cli_error("no matches found for regexp: %s", pattern);
		cprof__free(sel);
		cprof__cli_report_fini(&r);
		return 2;
	}
	list_r = &r;
	qsort(sel, n, sizeof(*sel), list_cmp);
	printf("Total: %s\n", cprof__cli_fmt_value(&r, r.total, v, sizeof(v)));
	for (i = 0; i < n;) {
		const char *name = r.nodes[sel[i]].name;
		size_t j = i, any_file = 0;

		while (j < n && strcmp(r.nodes[sel[j]].name, name) == 0)
			j++;
		while (i < j) {
			size_t k = i;

			while (k < j && strcmp(r.nodes[sel[k]].file,
					       r.nodes[sel[i]].file) == 0)
				k++;
			if (r.nodes[sel[i]].file[0] != '\0') {
				list_file(&r, sel + i, k - i);
				any_file++;
			}
			i = k;
		}
		if (any_file == 0)
			printf("No source information for %s\n", name);
	}
	cprof__free(sel);
	cprof__cli_report_fini(&r);
	return 0;
}
