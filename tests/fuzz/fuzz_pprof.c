/*
 * fuzz_pprof.c - the libFuzzer target for every byte cprof reads from a
 * profile: the pprof decoder (gzip framing, protobuf, index checks) and
 * the CLI's input path behind it (loading a file, then the reports that
 * walk what the decoder accepted).
 *
 * Each input is decoded once directly, then written to a memfd and given,
 * as /proc/self/fd/N, to the subcommands that read one profile (and to
 * diff and merge with itself). Their output goes to /dev/null: what is
 * checked is that nothing crashes, leaks, hangs or trips UBSan, and that
 * the decoder and the CLI agree on what is a profile. Built only with
 * clang (tests/fuzz/CMakeLists.txt); the corpus is replayed by ctest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/commands.h"
#include "pprof/pprof.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_fd = -1;

/* Reports and error lines go to /dev/null (fd 1 too, so that no command
 * sees a terminal); sanitizer reports write to fd 2 and libFuzzer keeps
 * its own FILE, so both still show. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null = fopen("/dev/null", "w");

	if (null == NULL)
		abort();
	stdout = null;
	if (dup2(fileno(null), STDOUT_FILENO) < 0)
		abort();
	stderr = null;
	fuzz_fd = memfd_create("fuzz_pprof", MFD_CLOEXEC);
	if (fuzz_fd < 0)
		abort();
	return 0;
}

static int fuzz_command(const char *name, char **args, int n_args)
{
	const struct cprof_cli_command *c;
	char *argv[8];
	int i;

	for (c = cprof_cli_commands; strcmp(c->name, name) != 0; c++)
		;
	argv[0] = (char *)name;
	for (i = 0; i < n_args; i++)
		argv[i + 1] = args[i];
	argv[n_args + 1] = NULL;
	return c->run(n_args + 1, argv);
}

static int fuzz_write(const uint8_t *data, size_t size)
{
	if (ftruncate(fuzz_fd, 0) != 0 || lseek(fuzz_fd, 0, SEEK_SET) != 0)
		return -1;
	while (size > 0) {
		ssize_t n = write(fuzz_fd, data, size);

		if (n <= 0)
			return -1;
		data += n;
		size -= (size_t)n;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cprof__profile *p = NULL;
	char err[512], path[64];
	char *one[] = {path};
	char *top[] = {"-nodecount=5", path};
	char *peek[] = {".", path};
	char *two[] = {path, path};
	char *diff[] = {"-base", path, path};
	int decoded, rc;

	decoded = cprof__pprof_decode(data, size, &p, err, sizeof(err)) == 0;
	cprof__profile_free(p);
	if (fuzz_write(data, size) != 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fuzz_fd);
	rc = fuzz_command("top", top, 2);
	/* The CLI refuses what the decoder refuses (and, beyond it, only
	 * profiles without sample types). */
	if (!decoded && rc == 0)
		abort();
	if (rc != 0)
		return 0;
	fuzz_command("top", one, 1);
	fuzz_command("traces", one, 1);
	fuzz_command("tree", one, 1);
	fuzz_command("peek", peek, 2);
	fuzz_command("folded", one, 1);
	fuzz_command("flame", one, 1);
	fuzz_command("merge", two, 2);
	fuzz_command("diff", diff, 3);
	return 0;
}
