/*
 * commands.c - the table of cprof subcommands: one line per command,
 * sorted by name (`cprof help` prints them in this order). Each command
 * lives in its own file and declares its function there.
 */
#include <stddef.h>

#include "cli/commands.h"

int cprof__cli_diff(int argc, char **argv);
int cprof__cli_fetch(int argc, char **argv);
int cprof__cli_flame(int argc, char **argv);
int cprof__cli_folded(int argc, char **argv);
int cprof__cli_list(int argc, char **argv);
int cprof__cli_merge(int argc, char **argv);
int cprof__cli_peek(int argc, char **argv);
int cprof__cli_run(int argc, char **argv);
int cprof__cli_top(int argc, char **argv);
int cprof__cli_trace(int argc, char **argv);
int cprof__cli_traces(int argc, char **argv);
int cprof__cli_tree(int argc, char **argv);

const struct cprof_cli_command cprof_cli_commands[] = {
	{"diff", "NEW minus -base OLD as a profile (pprof -diff_base)", cprof__cli_diff},
	{"fetch", "download a profile from a URL, check it and save it", cprof__cli_fetch},
	{"flame", "an interactive flame graph: one offline HTML file", cprof__cli_flame},
	{"folded", "collapsed stacks for flamegraph.pl and speedscope", cprof__cli_folded},
	{"list", "flat and cum per source line of functions matching a regexp (pprof -list)", cprof__cli_list},
	{"merge", "the sum of profiles of the same kind, as a profile", cprof__cli_merge},
	{"peek", "callers and callees of functions matching a regexp (pprof -peek)", cprof__cli_peek},
	{"run", "run a command with libcprof preloaded, collect its profiles", cprof__cli_run},
	{"top", "the top entries: flat, flat%, sum%, cum, cum% (pprof -top)", cprof__cli_top},
	{"trace", "analyse a cprof trace; -pprof derives profiles from it", cprof__cli_trace},
	{"traces", "every sample's call stack with its labels (pprof -traces)", cprof__cli_traces},
	{"tree", "each node with its callers and callees (pprof -tree)", cprof__cli_tree},
	{NULL, NULL, NULL},
};
