/*
 * options.h - command-line options the way go tool pprof takes them.
 *
 * Go's flag package: single-dash long names (`-nodecount 10`,
 * `-nodecount=10`; a double dash works too), booleans without a value
 * (`-cum`) or with one after '=' (`-cum=false`), `--` ends the options.
 * Unlike Go's flag package, options may also follow the positional
 * arguments (`cprof top prof.pb.gz -cum`), as users type them.
 *
 * A subcommand describes its options in a table and gets its positional
 * arguments back; `-h`, `-help` and `--help` print the table. This file
 * knows nothing of reports; report.h holds the options they share.
 */
#ifndef CPROF_SRC_CLI_OPTIONS_H
#define CPROF_SRC_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum cprof__cli_opt_kind {
	CPROF_CLI_OPT_STRING, /* const char **target */
	CPROF_CLI_OPT_INT,    /* int *target */
	CPROF_CLI_OPT_DOUBLE, /* double *target */
	CPROF_CLI_OPT_BOOL,   /* bool *target */
	CPROF_CLI_OPT_SET,    /* boolean flag storing `value` in a string */
};

struct cprof__cli_opt {
	const char *name; /* without the dash; NULL ends a table */
	enum cprof__cli_opt_kind kind;
	void *target;
	const char *value; /* CPROF_CLI_OPT_SET only */
	const char *help;  /* one line */
};

/* Result of cprof__cli_parse beyond 0 (parsed): */
#define CPROF_CLI_HELP 1  /* help was printed; exit 0 */
#define CPROF_CLI_USAGE 2 /* a bad option; one line printed; exit 2 */

/*
 * Parses argv[1..argc-1] (argv[0] is the subcommand's name) against opts.
 * Positional arguments are stored, in order, in pos (at most max_pos;
 * more is a usage error) and counted in *n_pos. usage is the synopsis
 * line for the help text, e.g. "cprof top [options] PROFILE".
 */
int cprof__cli_parse(int argc, char **argv, const struct cprof__cli_opt *opts,
		     const char *usage, const char *about, char **pos,
		     int max_pos, int *n_pos);

/* Prints "cprof: " and the message to stderr, as one line. */
void cprof__cli_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
