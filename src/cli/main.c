/*
 * main.c - the cprof command: `cprof CMD [options] ARGS`, `cprof help`,
 * `cprof help CMD` and `cprof CMD --help`. Dispatch only; the commands
 * are in commands.c's table, one file each.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"

static void main_usage(FILE *out)
{
	const struct cprof_cli_command *c;

	fprintf(out, "usage: cprof COMMAND [options] ARGS\n\n"
		     "cprof reads pprof profiles (files or http URLs, gzip'd or "
		     "not, written by Go or cprof)\nand prints the reports go "
		     "tool pprof prints, with the same numbers.\n\n"
		     "commands:\n");
	for (c = cprof_cli_commands; c->name != NULL; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fprintf(out, "\n`cprof COMMAND --help` describes a command's options.\n");
}

static const struct cprof_cli_command *main_find(const char *name)
{
	const struct cprof_cli_command *c;

	for (c = cprof_cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cprof_cli_command *c;

	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "-help") == 0 || strcmp(argv[1], "--help") == 0) {
		char *help[] = {NULL, "--help", NULL};

		if (argc < 3) {
			main_usage(stdout);
			return 0;
		}
		c = main_find(argv[2]);
		if (c == NULL) {
			cprof__cli_error("unknown command \"%s\" (see cprof help)",
					 argv[2]);
			return 2;
		}
		help[0] = argv[2];
		return c->run(2, help);
	}
	c = main_find(argv[1]);
	if (c == NULL) {
		cprof__cli_error("unknown command \"%s\" (see cprof help)", argv[1]);
		return 2;
	}
	return c->run(argc - 1, argv + 1);
}
