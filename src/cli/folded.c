/*
 * folded.c - `cprof folded`: collapsed stacks, the input format of
 * flamegraph.pl and speedscope.
 *
 * One line per distinct stack that has a non-zero value of the chosen
 * sample type: frame names root first, joined by ';', a space, the summed
 * value in the sample type's unit:
 *
 *   main;serve;parse_request;memcpy 4200000
 *
 * Lines come in the tree's order (siblings by name), so equal input gives
 * equal output. Folding itself is ftree.c's; this file only prints.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/ftree.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/subcmd.h"

#define FOLDED_USAGE "cprof folded [options] PROFILE"
#define FOLDED_ABOUT                                                          \
	"Prints the profile as collapsed stacks, one line per distinct stack:\n" \
	"frames from the root to the leaf joined by ';', a space, the value.\n"  \
	"flamegraph.pl and speedscope read it. Frames are named as go tool\n"   \
	"pprof names its nodes; its filters and granularity options apply.\n"  \
	"PROFILE is a file (gzip'd or plain protobuf) or an http URL."

int cprof__cli_folded(int argc, char **argv);

/* Writes t's stacks with a non-zero value of type vt to f. */
static int folded_print(const struct cprof__ftree *t, size_t vt, FILE *f)
{
	size_t *off = malloc((t->max_depth + 2) * sizeof(*off));
	size_t cap = 4096, len = 0;
	char *line = malloc(cap);
	int rc = 0;

	if (off == NULL || line == NULL) {
		rc = -1;
		goto out;
	}
	off[0] = 0;
	for (size_t i = 1; i < t->n_nodes; i++) {
		uint32_t d = t->depth[i];
		size_t nlen = t->name_lens[t->name[i]];
		int64_t v = t->self[i * t->n_types + vt];
		char num[32];
		int numlen;

		/* the path to this node's parent is line[0, off[d - 1]) */
		len = off[d - 1];
		if (len + nlen + 48 > cap) {
			char *bigger;

			while (len + nlen + 48 > cap)
				cap *= 2;
			bigger = realloc(line, cap);
			if (bigger == NULL) {
				rc = -1;
				goto out;
			}
			line = bigger;
		}
		if (d > 1)
			line[len++] = ';';
		memcpy(line + len, t->names[t->name[i]], nlen);
		len += nlen;
		off[d] = len;
		if (v == 0)
			continue;
		numlen = snprintf(num, sizeof(num), " %" PRId64 "\n", v);
		fwrite(line, 1, len, f);
		fwrite(num, 1, (size_t)numlen, f);
	}
out:
	free(off);
	free(line);
	return rc;
}

int cprof__cli_folded(int argc, char **argv)
{
	const char *out = NULL;
	const struct cprof__cli_opt extra[] = {
		{"o", CPROF_CLI_OPT_STRING, &out, NULL,
		 "write to this file instead of stdout"},
		{"output", CPROF_CLI_OPT_STRING, &out, NULL, "same as -o"},
		{NULL, 0, NULL, NULL, NULL},
	};
	struct cprof__cli_ropts o;
	struct cprof__cli_report r;
	struct cprof__ftree *t = NULL;
	FILE *f;
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, extra, FOLDED_USAGE,
				     FOLDED_ABOUT, NULL);
	if (rc != 0)
		return rc < 0 ? CPROF_CLI_OK : CPROF_CLI_BAD;
	rc = CPROF_CLI_BAD;
	if (cprof__ftree_build(&r, 0, &t) != 0) {
		cprof__cli_error("out of memory");
		goto out_free;
	}
	f = cprof__cli_open_out(out);
	if (f == NULL)
		goto out_free;
	rc = folded_print(t, r.si, f);
	if (rc != 0)
		cprof__cli_error("out of memory");
	if (cprof__cli_close_out(f, out) != 0 || rc != 0)
		rc = CPROF_CLI_BAD;
out_free:
	cprof__ftree_free(t);
	cprof__cli_report_fini(&r);
	return rc;
}
