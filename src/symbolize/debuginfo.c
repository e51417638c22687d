/*
 * debuginfo.c - finding a module's separate debug file, locally only.
 *
 * Owns libdwfl's find_debuginfo callback. libdwfl's standard one
 * (dwfl_standard_find_debuginfo) dlopens libdebuginfod, and with it
 * libcurl and TLS libraries, the first time it finds nothing locally, and
 * downloads from the network when DEBUGINFOD_URLS is set: neither is
 * acceptable inside somebody else's process. So the two local conventions
 * are done here:
 *  - by GNU build id: /usr/lib/debug/.build-id/xx/yyyy.debug (Debian's
 *    -dbg and -dbgsym packages, libc6-dbg);
 *  - by .gnu_debuglink name, as gdb searches: next to the file, in .debug/
 *    beside it, and under /usr/lib/debug/<its directory>/; a candidate
 *    counts only if its CRC-32 is the one the link records.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "symbolize/symbolize_int.h"

#define DEBUGINFO_ROOT "/usr/lib/debug"
#define DEBUGINFO_PATH_MAX 4096

/* Opens path and hands it to libdwfl, which frees the name with free():
 * so the name comes from malloc (strdup), not cprof__alloc. */
static int debuginfo_take(const char *path, int fd, char **out_name)
{
	*out_name = strdup(path);
	return fd;
}

static int debuginfo_by_build_id(Dwfl_Module *mod, char **out_name)
{
	char path[DEBUGINFO_PATH_MAX];
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);
	size_t n;
	int fd;

	if (len < 2 || len > CPROF_SYM_BUILD_ID_MAX)
		return -1;
	n = (size_t)snprintf(path, sizeof(path), "%s/.build-id/%02x/",
			     DEBUGINFO_ROOT, bits[0]);
	for (int i = 1; i < len; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%02x",
				      bits[i]);
	snprintf(path + n, sizeof(path) - n, ".debug");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -1 : debuginfo_take(path, fd, out_name);
}

/* Whether the file's CRC-32 (zlib's, as .gnu_debuglink uses) is crc. */
static bool debuginfo_crc_matches(int fd, GElf_Word crc)
{
	unsigned char buf[16 << 10];
	uLong sum = crc32(0, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		sum = crc32(sum, buf, (uInt)n);
		off += n;
	}
	return n == 0 && (GElf_Word)sum == crc;
}

static int debuginfo_try_link(const char *path, const char *file_name,
			      GElf_Word crc, char **out_name)
{
	int fd;

	/* The link may name the file itself (a file linked to itself). */
	if (strcmp(path, file_name) == 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!debuginfo_crc_matches(fd, crc)) {
		close(fd);
		return -1;
	}
	return debuginfo_take(path, fd, out_name);
}

static int debuginfo_by_link(const char *file_name, const char *link,
			     GElf_Word crc, char **out_name)
{
	static const char *const forms[] = {"%.*s/%s", "%.*s/.debug/%s",
					    DEBUGINFO_ROOT "%.*s/%s"};
	const char *slash;
	char path[DEBUGINFO_PATH_MAX];
	int dir_len;

	if (file_name == NULL || link == NULL || link[0] == '\0' ||
	    strchr(link, '/') != NULL || file_name[0] != '/')
		return -1;
	slash = strrchr(file_name, '/');
	dir_len = (int)(slash - file_name);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		int n = snprintf(path, sizeof(path), forms[i], dir_len,
				 file_name, link);
		int fd;

		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		fd = debuginfo_try_link(path, file_name, crc, out_name);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

int cprof__sym_find_debuginfo(Dwfl_Module *mod, void **userdata,
			      const char *modname, Dwarf_Addr base,
			      const char *file_name, const char *debuglink_file,
			      GElf_Word debuglink_crc,
			      char **debuginfo_file_name)
{
	int fd = debuginfo_by_build_id(mod, debuginfo_file_name);

	if (fd < 0)
		fd = debuginfo_by_link(file_name, debuglink_file,
				       debuglink_crc, debuginfo_file_name);
	return fd;
}
