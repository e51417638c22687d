/*
 * dwarf.c - libdw's view of this process, and DWARF lookups.
 *
 * Owns the Dwfl session: modules reported from /proc/self/maps
 * (dwfl_linux_proc_report), ELF files opened lazily, debug files found
 * locally by debuginfo.c. Refreshing re-reports the modules; libdwfl keeps
 * those still mapped at the same place, with the DWARF already read.
 *
 * A lookup gives the inline chain of an address, innermost first: the
 * function holding it (from funcindex.c), then down through its lexical
 * blocks and inlined instances whose ranges hold the address. Names of
 * inlined instances live on their abstract origin, hence
 * dwarf_attr_integrate. (dwarf_getscopes walks from the CU root on every
 * call and continues into abstract origins rather than callers: with it,
 * 4000 fresh glibc addresses took 0.4-0.9 s here, against about 0.07 s
 * with the index.)
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <unistd.h>

#include "cprof.h"
#include "symbolize/symbolize_int.h"

static const Dwfl_Callbacks dwarf_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = cprof__sym_find_debuginfo,
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

Dwfl_Module *cprof__sym_module_of(Dwfl *dwfl, uint64_t addr)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	Dwarf_Addr start = 0, end = 0;

	/* After modules were removed, libdwfl's segment table can answer
	 * for an address in the gap they left with the module below it
	 * (seen under valgrind, where a dlclose'd library's place borders
	 * another). Believe only a module that covers the address. */
	if (mod == NULL ||
	    dwfl_module_info(mod, NULL, &start, &end, NULL, NULL, NULL,
			     NULL) == NULL ||
	    addr < start || addr >= end)
		return NULL;
	return mod;
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
