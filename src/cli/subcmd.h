/*
 * subcmd.h - output helpers shared by the subcommands that write files
 * (folded, flame, diff, merge, fetch): opening the output, reporting write
 * errors, writing an encoded profile. Options are options.h's, loading is
 * input.h's; errors follow commands.h (one line, exit status 2).
 */
#ifndef CPROF_SRC_CLI_SUBCMD_H
#define CPROF_SRC_CLI_SUBCMD_H

#include <stdio.h>

#include "pprof/profile.h"

/* Exit statuses (commands.h). */
#define CPROF_CLI_OK 0
#define CPROF_CLI_BAD 2

/* Opens path for writing ("-" or NULL: stdout). On failure prints one line
 * and returns NULL. Close with cprof__cli_close_out. */
FILE *cprof__cli_open_out(const char *path);
/* Closes f (flushes stdout); a write error gets one line and
 * CPROF_CLI_BAD, else CPROF_CLI_OK. */
int cprof__cli_close_out(FILE *f, const char *path);

/* Writes p, encoded and gzip'd as Go writes profiles, to path ("-" or
 * NULL: stdout). Returns CPROF_CLI_OK or CPROF_CLI_BAD (line printed). */
int cprof__cli_write_profile(const struct cprof__profile *p,
			     const char *path);

#endif
