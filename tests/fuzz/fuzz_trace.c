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

#include "fuzz_cli.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_cli_init("fuzz_trace");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	char *report[] = {path};
	char *cpu[] = {"-pprof", "cpu", "-o", "/dev/null", path};
	char *html[] = {"-html", "-o", "/dev/null", path};
	int rc;

	fuzz_cli_input(data, size, path, sizeof(path));
	rc = fuzz_cli_command("trace", report, 1);
	if (fuzz_cli_command("trace", cpu, 5) != rc ||
	    fuzz_cli_command("trace", html, 4) != rc)
		abort();
	return 0;
}
