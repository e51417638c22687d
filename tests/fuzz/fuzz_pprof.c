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
#include <stdlib.h>

#include "fuzz_cli.h"
#include "pprof/pprof.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_cli_init("fuzz_pprof");
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
	fuzz_cli_input(data, size, path, sizeof(path));
	rc = fuzz_cli_command("top", top, 2);
	/* The CLI refuses what the decoder refuses (and, beyond it, only
	 * profiles without sample types). */
	if (!decoded && rc == 0)
		abort();
	if (rc != 0)
		return 0;
	fuzz_cli_command("top", one, 1);
	fuzz_cli_command("traces", one, 1);
	fuzz_cli_command("tree", one, 1);
	fuzz_cli_command("peek", peek, 2);
	fuzz_cli_command("folded", one, 1);
	fuzz_cli_command("flame", one, 1);
	fuzz_cli_command("merge", two, 2);
	fuzz_cli_command("diff", diff, 3);
	return 0;
}
