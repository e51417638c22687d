/*
 * subcmd.c - output helpers for the subcommands that write files.
 */
#include "cli/subcmd.h"

#include <errno.h>
#include <string.h>

#include "base/buf.h"
#include "cli/options.h"
#include "cprof.h"
#include "pprof/pprof.h"

static bool subcmd_is_stdout(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

FILE *cprof__cli_open_out(const char *path)
{
	FILE *f;

	if (subcmd_is_stdout(path))
		return stdout;
	f = fopen(path, "wb");
	if (f == NULL)
		cprof__cli_error("%s: %s", path, strerror(errno));
	return f;
}

int cprof__cli_close_out(FILE *f, const char *path)
{
	bool bad = ferror(f) != 0;
	int err = errno;

	if (f == stdout) {
		bad |= fflush(f) != 0;
	} else {
		bad |= fclose(f) != 0;
	}
	if (!bad)
		return CPROF_CLI_OK;
	if (err == 0)
		err = errno;
	cprof__cli_error("%s: write error: %s",
			 subcmd_is_stdout(path) ? "stdout" : path,
			 strerror(err ? err : EIO));
	return CPROF_CLI_BAD;
}

int cprof__cli_write_profile(const struct cprof__profile *p, const char *path)
{
	struct cprof__buf out;
	FILE *f;
	int rc;

	cprof__buf_init(&out, 0);
	rc = cprof__pprof_encode(p, &out, true);
	if (rc == 0 && cprof__buf_failed(&out))
		rc = out.error;
	if (rc != 0) {
		cprof__buf_fini(&out);
		cprof__cli_error("cannot encode the profile: %s",
				 rc == CPROF_ENOMEM ? "out of memory"
						    : "invalid profile");
		return CPROF_CLI_BAD;
	}
	f = cprof__cli_open_out(path);
	if (f == NULL) {
		cprof__buf_fini(&out);
		return CPROF_CLI_BAD;
	}
	fwrite(out.data, 1, out.len, f);
	cprof__buf_fini(&out);
	return cprof__cli_close_out(f, path);
}
