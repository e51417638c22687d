/*
 * diff.c - `cprof diff -base OLD NEW`: what changed between two profiles.
 *
 * go tool pprof's -diff_base: every sample of OLD gets the label
 * pprof::base=true and is scaled by -1, then the two are merged. The label
 * keeps OLD's samples apart from NEW's, so the result holds both (the
 * difference shows when a report sums a stack), and it is how pprof's
 * reports know to take their percentages against OLD's total. The result
 * is a profile file; every report (ours and go tool pprof's) reads it.
 * On a terminal, without -o, it is shown instead as top's report of the
 * difference (its first DIFF_TTY_NODES rows), growth in red and shrink in
 * green (no colours when NO_COLOR is set or TERM is dumb).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/subcmd.h"
#include "cprof.h"
#include "pprof/merge.h"

#define DIFF_TTY_NODES 20
#define DIFF_USAGE "cprof diff -base OLD [-o FILE] NEW"
#define DIFF_ABOUT                                                            \
	"Writes NEW minus OLD as a profile, with go tool pprof's -diff_base\n"  \
	"semantics: OLD's samples are negated and labelled pprof::base=true,\n" \
	"so reports show growth as positive values and take percentages of\n"   \
	"OLD's total. Both profiles must be of the same kind. OLD and NEW are\n" \
	"files or http URLs. On a terminal without -o, shows the top entries\n"  \
	"of the difference instead, growth in red and shrink in green."

int cprof__cli_diff(int argc, char **argv);

/* Adds the label pprof::base=true to every sample of p. */
static int diff_label_base(struct cprof__profile *p)
{
	struct cprof__label base = {0};

	base.key = cprof__profile_string(p, "pprof::base");
	base.str = cprof__profile_string(p, "true");
	if (cprof__profile_error(p) != 0)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < p->samples.len; i++) {
		struct cprof__sample *s = &p->samples.items[i];
		struct cprof__label *labels = cprof__arena_alloc(
			&p->arena, (s->n_labels + 1) * sizeof(*labels));

		if (labels == NULL)
			return CPROF_ENOMEM;
		if (s->n_labels)
			memcpy(labels, s->labels,
			       s->n_labels * sizeof(*labels));
		labels[s->n_labels] = base;
		s->labels = labels;
		s->n_labels++;
	}
	return 0;
}

static bool diff_colour(void)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	return (no == NULL || *no == '\0') &&
	       (term == NULL || strcmp(term, "dumb") != 0);
}

/* The terminal view: top's rows of delta, which it takes over. */
static int diff_show(struct cprof__profile *delta)
{
	struct cprof__cli_report r;
	struct cprof__cli_ropts o;

	memset(&r, 0, sizeof(r));
	cprof__cli_ropts_init(&o);
	o.nodecount = DIFF_TTY_NODES;
	if (cprof__cli_report_init(&r, delta, &o, "top") != 0) {
		cprof__cli_report_fini(&r);
		return CPROF_CLI_BAD;
	}
	cprof__cli_top_print(&r, diff_colour());
	printf("(the first %d entries; -o FILE writes the difference as a "
	       "profile)\n", DIFF_TTY_NODES);
	cprof__cli_report_fini(&r);
	return fflush(stdout) == 0 ? CPROF_CLI_OK : CPROF_CLI_BAD;
}

int cprof__cli_diff(int argc, char **argv)
{
	const char *base_src = NULL, *out = NULL;
	const struct cprof__cli_opt opts[] = {
		{"base", CPROF_CLI_OPT_STRING, &base_src, NULL,
		 "the profile to subtract (required)"},
		{"diff_base", CPROF_CLI_OPT_STRING, &base_src, NULL,
		 "same as -base"},
		{"o", CPROF_CLI_OPT_STRING, &out, NULL,
		 "write the difference here (default: stdout; on a terminal, "
		 "its top entries)"},
		{"output", CPROF_CLI_OPT_STRING, &out, NULL, "same as -o"},
		{NULL, 0, NULL, NULL, NULL},
	};
	struct cprof__profile *in[2] = {NULL, NULL}, *delta = NULL;
	const double scales[2] = {-1, 1};
	char *pos[1], err[1024];
	bool tty;
	int n_pos, rc;

	rc = cprof__cli_parse(argc, argv, opts, DIFF_USAGE, DIFF_ABOUT, pos, 1,
			      &n_pos);
	if (rc != 0)
		return rc == CPROF_CLI_HELP ? CPROF_CLI_OK : CPROF_CLI_BAD;
	if (base_src == NULL || n_pos != 1) {
		cprof__cli_error("diff: want -base OLD and one NEW profile (see "
				 "cprof diff --help)");
		return CPROF_CLI_BAD;
	}
	tty = (out == NULL || strcmp(out, "-") == 0) && isatty(STDOUT_FILENO);
	rc = CPROF_CLI_BAD;
	if (cprof__cli_load(base_src, &in[0], err, sizeof(err)) != 0 ||
	    cprof__cli_load(pos[0], &in[1], err, sizeof(err)) != 0) {
		cprof__cli_error("%s", err);
		goto out_free;
	}
	if (diff_label_base(in[0]) != 0) {
		cprof__cli_error("diff: out of memory");
		goto out_free;
	}
	switch (cprof__profile_merge((const struct cprof__profile *const *)in,
				     scales, 2, &delta)) {
	case 0:
		if (tty) {
			rc = diff_show(delta);
			delta = NULL;
		} else {
			rc = cprof__cli_write_profile(delta, out);
		}
		break;
	case CPROF_EINVAL:
		cprof__cli_error("diff: %s and %s are not of the same kind "
				 "(their sample types differ)",
				 base_src, pos[0]);
		break;
	default:
		cprof__cli_error("diff: out of memory");
		break;
	}
out_free:
	cprof__profile_free(in[0]);
	cprof__profile_free(in[1]);
	cprof__profile_free(delta);
	return rc;
}
