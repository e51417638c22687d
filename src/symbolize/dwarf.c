/*
 * dwarf.c - libdw's view of this process, and DWARF lookups.
 *
 * Owns the Dwfl session: modules reported from /proc/self/maps
 * (dwfl_linux_proc_report), ELF files opened lazily, debug files found by
 * GNU build id under /usr/lib/debug/.build-id (libc6-dbg, -dbgsym packages)
 * or next to the file. Refreshing re-reports the modules; libdwfl keeps
 * those still mapped at the same place, with the DWARF already read.
 *
 * A lookup gives the inline chain of an address, innermost first: the
 * function holding it (from funcindex.c), then down through its lexical
 * blocks and inlined instances whose ranges hold the address. Names of
 * inlined instances live on their abstract origin, hence
 * dwarf_attr_integrate. (dwarf_getscopes does the same walk from the CU
 * root on every call, and continues into abstract origins rather than
 * callers; it was 100x slower on glibc.)
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cprof.h"
#include "symbolize/symbolize_int.h"

#define DWARF_BUILD_ID_DIR "/usr/lib/debug/.build-id"

/*
 * Finds the debug file of a module. libdwfl's standard search, when it
 * finds nothing locally and DEBUGINFOD_URLS is set, dlopens libdebuginfod
 * and downloads from the network: never acceptable inside somebody else's
 * process. So the build-id directory is tried here first, and the standard
 * search (which adds .gnu_debuglink lookups) only runs when no debuginfod
 * server is configured.
 */
static int dwarf_find_debuginfo(Dwfl_Module *mod, void **userdata,
				const char *modname, Dwarf_Addr base,
				const char *file_name,
				const char *debuglink_file,
				GElf_Word debuglink_crc,
				char **debuginfo_file_name)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);
	const char *urls;

	if (len > 1 && len <= CPROF_SYM_BUILD_ID_MAX) {
		char path[sizeof(DWARF_BUILD_ID_DIR) + 2 * CPROF_SYM_BUILD_ID_MAX +
			  16];
		int n = snprintf(path, sizeof(path), "%s/%02x/",
				 DWARF_BUILD_ID_DIR, bits[0]);
		int fd;

		for (int i = 1; i < len; i++)
			n += snprintf(path + n, sizeof(path) - (size_t)n,
				      "%02x", bits[i]);
		snprintf(path + n, sizeof(path) - (size_t)n, ".debug");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* libdwfl frees this name with free(), so it must
			 * come from malloc, not cprof__alloc. */
			*debuginfo_file_name = strdup(path);
			return fd;
		}
	}
	urls = getenv("DEBUGINFOD_URLS");
	if (urls != NULL && urls[0] != '\0')
		return -1;
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base,
					    file_name, debuglink_file,
					    debuglink_crc,
					    debuginfo_file_name);
}

static char *dwarf_debuginfo_path;

static const Dwfl_Callbacks dwarf_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwarf_find_debuginfo,
	.debuginfo_path = &dwarf_debuginfo_path,
};

static int dwarf_report(Dwfl *dwfl)
{
	int err;

	dwfl_report_begin(dwfl);
	err = dwfl_linux_proc_report(dwfl, getpid());
	if (dwfl_report_end(dwfl, NULL, NULL) != 0 || err != 0)
		return err > 0 ? CPROF_EIO : CPROF_ENOMEM;
	return 0;
}

int cprof__sym_dwfl_open(Dwfl **out)
{
	Dwfl *dwfl = dwfl_begin(&dwarf_callbacks);
	int err;

	*out = NULL;
	if (dwfl == NULL)
		return CPROF_ENOMEM;
	err = dwarf_report(dwfl);
	if (err) {
		dwfl_end(dwfl);
		return err;
	}
	*out = dwfl;
	return 0;
}

int cprof__sym_dwfl_refresh(Dwfl *dwfl)
{
	return dwarf_report(dwfl);
}

void cprof__sym_dwfl_close(Dwfl *dwfl)
{
	if (dwfl != NULL)
		dwfl_end(dwfl);
}

bool cprof__sym_dwarf_available(Dwfl_Module *mod)
{
	Dwarf_Addr bias;

	return dwfl_module_getdwarf(mod, &bias) != NULL;
}

static const char *dwarf_string_attr(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

static int64_t dwarf_udata_attr(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;

	if (dwarf_formudata(dwarf_attr_integrate(die, name, &attr), &v) != 0)
		return 0;
	return (int64_t)v;
}

/* Fills f with what a function-like DIE says about itself. */
static void dwarf_frame_of(Dwarf_Die *die, struct cprof__sym_raw_frame *f)
{
	int line = 0;

	f->linkage = dwarf_string_attr(die, DW_AT_linkage_name);
	if (f->linkage == NULL)
		f->linkage = dwarf_string_attr(die, DW_AT_MIPS_linkage_name);
	f->name = dwarf_string_attr(die, DW_AT_name);
	f->file = dwarf_decl_file(die);
	f->start_line = dwarf_decl_line(die, &line) == 0 ? line : 0;
	f->line = 0;
}

static bool dwarf_is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
	       tag == DW_TAG_entry_point;
}

/*
 * chain[0..n) runs from the innermost scope out to the function. Each
 * function-like DIE is one frame; a frame's line is the line table's for
 * the innermost, else the call site (DW_AT_call_line) of the inlined frame
 * just inside it. The first subprogram is the real function: stop there.
 */
static void dwarf_frames_of_chain(Dwarf_Die *const *chain, int n,
				  struct cprof__sym_raw *raw)
{
	int64_t line = raw->line;

	for (int i = 0; i < n; i++) {
		Dwarf_Die *die = chain[i];
		bool last = dwarf_tag(die) != DW_TAG_inlined_subroutine;
		struct cprof__sym_raw_frame *f;

		if (!dwarf_is_function(die))
			continue;
		/* Past the bound, the outermost frame overwrites the last
		 * slot: the real function matters more than a middle one. */
		if (raw->n == CPROF_SYM_MAX_FRAMES) {
			if (!last)
				continue;
			raw->n--;
		}
		f = &raw->frames[raw->n++];
		dwarf_frame_of(die, f);
		f->line = line;
		if (raw->n == 1 && f->file == NULL)
			f->file = raw->line_file;
		if (last)
			break;
		line = dwarf_udata_attr(die, DW_AT_call_line);
	}
}

/* Scopes inside a function that can hold code of their own. */
static bool dwarf_is_code_scope(int tag)
{
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
	       tag == DW_TAG_try_block || tag == DW_TAG_catch_block ||
	       tag == DW_TAG_with_stmt;
}

/* Follows pc from the function down through the scopes holding it:
 * path[0] = fn, path[depth - 1] the innermost. Returns depth. */
static int dwarf_descend(Dwarf_Die *fn, Dwarf_Addr pc, Dwarf_Die *path)
{
	int depth = 1;

	path[0] = *fn;
	while (depth < CPROF_SYM_MAX_DEPTH) {
		Dwarf_Die child;
		bool found = false;

		if (dwarf_child(&path[depth - 1], &child) != 0)
			break;
		do {
			if (dwarf_is_code_scope(dwarf_tag(&child)) &&
			    dwarf_haspc(&child, pc) == 1) {
				found = true;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
		path[depth++] = child;
	}
	return depth;
}

void cprof__sym_dwarf_lookup(Dwfl_Module *mod, uint64_t addr,
			     struct cprof__sym_funcs *funcs,
			     struct cprof__sym_raw *raw)
{
	Dwarf_Die path[CPROF_SYM_MAX_DEPTH];
	Dwarf_Die *chain[CPROF_SYM_MAX_DEPTH];
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu, fn;
	Dwarf_Line *ln;
	int depth;

	raw->n = 0;
	raw->line_file = NULL;
	raw->line = 0;
	cu = dwfl_module_addrdie(mod, addr, &bias);
	if (cu == NULL) {
		raw->dwarf = cprof__sym_dwarf_available(mod);
		return;
	}
	raw->dwarf = true;
	ln = dwarf_getsrc_die(cu, addr - bias);
	if (ln != NULL) {
		int line = 0;

		raw->line_file = dwarf_linesrc(ln, NULL, NULL);
		if (dwarf_lineno(ln, &line) == 0)
			raw->line = line;
	}
	if (!cprof__sym_funcs_find(funcs, cu, addr - bias, &fn))
		return;
	depth = dwarf_descend(&fn, addr - bias, path);
	for (int i = 0; i < depth; i++)
		chain[i] = &path[depth - 1 - i];
	dwarf_frames_of_chain(chain, depth, raw);
}
