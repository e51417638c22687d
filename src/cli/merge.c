/*
 * merge.c - `cprof merge`: several profiles of the same kind into one.
 *
 * The arithmetic is the pprof module's (cprof__profile_merge, google/pprof's
 * Merge semantics); this file loads the inputs, reports why they do not
 * merge, and writes the result as a gzip'd profile.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "cli/subcmd.h"
#include "cprof.h"
#include "pprof/merge.h"

#define MERGE_USAGE "cprof merge [-o FILE] PROFILE PROFILE..."
#define MERGE_ABOUT                                                           \
	"Adds profiles of the same kind (same sample types) together, as\n"     \
	"go tool pprof does when given several profiles, and writes the sum as\n" \
	"a gzip'd profile. Each PROFILE is a file or an http URL."

int cprof__cli_merge(int argc, char **argv);

int cprof__cli_merge(int argc, char **argv)
{
	const char *out = NULL;
	const struct cprof__cli_opt opts[] = {
		{"o", CPROF_CLI_OPT_STRING, &out, NULL,
		 "write the merged profile here (default: stdout, unless it is "
		 "a terminal)"},
		{"output", CPROF_CLI_OPT_STRING, &out, NULL, "same as -o"},
		{NULL, 0, NULL, NULL, NULL},
	};
	struct cprof__profile **in = NULL, *sum = NULL;
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	char err[1024];
	int n_pos = 0, rc;

	if (pos == NULL) {
		cprof__cli_error("out of memory");
		return CPROF_CLI_BAD;
	}
	rc = cprof__cli_parse(argc, argv, opts, MERGE_USAGE, MERGE_ABOUT, pos,
			      argc, &n_pos);
	if (rc != 0) {
		rc = rc == CPROF_CLI_HELP ? CPROF_CLI_OK : CPROF_CLI_BAD;
		goto out_free;
	}
	rc = CPROF_CLI_BAD;
	if (n_pos < 1) {
		cprof__cli_error("merge: no profiles (see cprof merge --help)");
		goto out_free;
	}
	if ((out == NULL || strcmp(out, "-") == 0) && isatty(STDOUT_FILENO)) {
		cprof__cli_error("merge: stdout is a terminal; write the "
				 "profile to a file with -o FILE");
		goto out_free;
	}
	in = calloc((size_t)n_pos, sizeof(*in));
	if (in == NULL) {
		cprof__cli_error("out of memory");
		goto out_free;
	}
	for (int i = 0; i < n_pos; i++) {
		if (cprof__cli_load(pos[i], &in[i], err, sizeof(err)) != 0) {
			cprof__cli_error("%s", err);
			goto out_free;
		}
	}
	switch (cprof__profile_merge((const struct cprof__profile *const *)in,
				     NULL, (size_t)n_pos, &sum)) {
	case 0:
		rc = cprof__cli_write_profile(sum, out);
		break;
	case CPROF_EINVAL:
		cprof__cli_error("merge: the profiles are not of the same kind "
				 "(their sample types differ)");
		break;
	default:
		cprof__cli_error("merge: out of memory");
		break;
	}
out_free:
	for (int i = 0; in != NULL && i < n_pos; i++)
		cprof__profile_free(in[i]);
	free(in);
	cprof__profile_free(sum);
	free(pos);
	return rc;
}
