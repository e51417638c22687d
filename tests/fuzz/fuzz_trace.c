/*
 * fuzz_trace.c - the libFuzzer target for every byte `cprof trace` reads
 * from a trace: the gzip framing, the JSON scanner that parses the events
 * one at a time (trace_model.c), json-c behind it, the model, and the
 * report, the profiles and the timeline page built from it.
 *
 * Each input is written to a memfd and given, as /proc/self/fd/N, to
 * `cprof trace`, `cprof trace -pprof cpu` and `cprof trace -html`; output
 * goes to /dev/null. What is checked is that nothing crashes, leaks, hangs
 * or trips UBSan, and that the three agree on what is a trace. Built only
 * with clang (tests/fuzz/CMakeLists.txt); the corpus is replayed by ctest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/commands.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_fd = -1;

/* As fuzz_pprof.c: the commands' output to /dev/null, sanitizer reports
 * still on fd 2. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null = fopen("/dev/null", "w");

	if (null == NULL)
		abort();
	stdout = null;
	if (dup2(fileno(null), STDOUT_FILENO) < 0)
		abort();
	stderr = null;
	fuzz_fd = memfd_create("fuzz_trace", MFD_CLOEXEC);
	if (fuzz_fd < 0)
		abort();
	return 0;
}

static int fuzz_trace(char **args, int n_args)
{
	const struct cprof_cli_command *c;
	char *argv[8];

	for (c = cprof_cli_commands; strcmp(c->name, "trace") != 0; c++)
		;
	argv[0] = "trace";
	for (int i = 0; i < n_args; i++)
		argv[i + 1] = args[i];
	argv[n_args + 1] = NULL;
	return c->run(n_args + 1, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	char *report[] = {path};
	char *cpu[] = {"-pprof", "cpu", "-o", "/dev/null", path};
	char *html[] = {"-html", "-o", "/dev/null", path};
	int rc;

	if (ftruncate(fuzz_fd, 0) != 0 || lseek(fuzz_fd, 0, SEEK_SET) != 0 ||
	    (size > 0 && write(fuzz_fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fuzz_fd);
	rc = fuzz_trace(report, 1);
	if (fuzz_trace(cpu, 5) != rc || fuzz_trace(html, 4) != rc)
		abort();
	return 0;
}
