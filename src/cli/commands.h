/*
 * commands.h - the cprof command line: one file per subcommand.
 *
 * Each subcommand is a function taking the arguments after its name
 * (argv[0] is the subcommand's name) and returning the process exit status:
 * 0 for success, 2 for bad input (a wrong option, an unreadable or corrupt
 * profile, an unreachable URL), with one clear line on stderr. The table in
 * commands.c lists them; main.c dispatches and prints `cprof help`.
 */
#ifndef CPROF_SRC_CLI_COMMANDS_H
#define CPROF_SRC_CLI_COMMANDS_H

struct cprof_cli_command {
	const char *name;
	const char *summary; /* one line for `cprof help` */
	int (*run)(int argc, char **argv);
};

/* The subcommands, NULL-name terminated. */
extern const struct cprof_cli_command cprof_cli_commands[];

#endif
