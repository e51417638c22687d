/*
 * fuzz_cli.h - what the libFuzzer targets share (header only: each target
 * is one translation unit built by tests/fuzz/CMakeLists.txt): the
 * commands' output sent to /dev/null, each input written to a memfd and
 * named /proc/self/fd/N, and a CLI subcommand run on it.
 */
#ifndef CPROF_TESTS_FUZZ_CLI_H
#define CPROF_TESTS_FUZZ_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/commands.h"

static int fuzz_fd = -1;

/* Reports and error lines go to /dev/null (fd 1 too, so that no command
 * sees a terminal); sanitizer reports write to fd 2 and libFuzzer keeps
 * its own FILE, so both still show. */
static void fuzz_cli_init(const char *name)
{
	FILE *null = fopen("/dev/null", "w");

	if (null == NULL)
		abort();
	stdout = null;
	if (dup2(fileno(null), STDOUT_FILENO) < 0)
		abort();
	stderr = null;
	fuzz_fd = memfd_create(name, MFD_CLOEXEC);
	if (fuzz_fd < 0)
		abort();
}

/* Replaces the memfd's content with the input; path gets its name. */
static void fuzz_cli_input(const uint8_t *data, size_t size, char *path,
			   size_t path_size)
{
	if (ftruncate(fuzz_fd, 0) != 0 || lseek(fuzz_fd, 0, SEEK_SET) != 0)
		abort();
	while (size > 0) {
		ssize_t n = write(fuzz_fd, data, size);

		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fuzz_fd);
}

/* Runs `cprof name args...` (at most 6 arguments); its exit status. */
static int fuzz_cli_command(const char *name, char **args, int n_args)
{
	const struct cprof_cli_command *c;
	char *argv[8];

	for (c = cprof_cli_commands; strcmp(c->name, name) != 0; c++)
		;
	argv[0] = (char *)name;
	for (int i = 0; i < n_args; i++)
		argv[i + 1] = args[i];
	argv[n_args + 1] = NULL;
	return c->run(n_args + 1, argv);
}

#endif
