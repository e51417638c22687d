/*
 * peek.c - `cprof peek REGEX PROFILE`: go tool pprof -peek. The tree
 * report, untrimmed, for the nodes whose printable name matches REGEX.
 */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "cli/tree.h"

int cprof__cli_peek(int argc, char **argv);

int cprof__cli_peek(int argc, char **argv)
{
	struct cprof__cli_report r;
	struct cprof__cli_ropts o;
	const char *pattern = NULL;
	regex_t rx;
	int rc;

	rc = cprof__cli_report_start(&r, &o, argc, argv, NULL,
				     "cprof peek [options] REGEX PROFILE",
				     "Prints the callers and callees of the functions "
				     "matching REGEX, as go tool pprof -peek does.",
				     &pattern);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (cprof__cli_regcomp(&rx, pattern, "argument") != 0) {
		cprof__cli_report_fini(&r);
		return 2;
	}
	rc = cprof__cli_print_tree(&r, &rx, pattern);
	regfree(&rx);
	cprof__cli_report_fini(&r);
	return rc;
}
