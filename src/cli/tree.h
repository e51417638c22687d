/*
 * tree.h - the callers/callees printer shared by `tree` and `peek`
 * (google/pprof's printTree).
 */
#ifndef CPROF_SRC_CLI_TREE_H
#define CPROF_SRC_CLI_TREE_H

#include <regex.h>

#include "cli/report.h"

/* Builds r's graph and prints it; with rx, only nodes whose name matches
 * (none matching is an error: exit status 2). Returns 0 or 2. */
int cprof__cli_print_tree(struct cprof__cli_report *r, const regex_t *rx,
			  const char *rx_text);

#endif
