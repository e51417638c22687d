/*
 * symbolize_int.h - the pieces of the symbolizer, shared between its files.
 *
 *   maps.c      the executable mappings of /proc/self/maps, GNU build ids
 *               (from the loaded objects' PT_NOTE, else from the file),
 *               and the loader's load/unload counters
 *   dwarf.c     the libdw session (Dwfl) and DWARF lookups with inline frames
 *   debuginfo.c finding separate debug files, locally only
 *   funcindex.c per compile unit, the code ranges of its functions
 *   elfsym.c    the .symtab / .dynsym fallback
 *   demangle.c  C++ names through the process's own __cxa_demangle
 *   cache.c     the bounded cache of resolved addresses and their functions
 *   symbolize.c the lock, refreshing, and filling a profile
 *
 * Everything here runs under the symbolizer's lock (symbolize.c), on an
 * ordinary thread. Nothing here is async-signal-safe.
 */
#ifndef CPROF_SRC_SYMBOLIZE_SYMBOLIZE_INT_H
#define CPROF_SRC_SYMBOLIZE_SYMBOLIZE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "base/arena.h"

/* Longest GNU build id we keep (SHA-1 is 20 bytes; allow for longer). */
#define CPROF_SYM_BUILD_ID_MAX 64
/* /proc/self/maps larger than this is truncated (a bound, not a target:
 * 16 MiB is about 150k mappings). */
#define CPROF_SYM_MAPS_MAX_BYTES (16u << 20)
/* Deepest inline chain kept for one address; deeper chains keep their
 * innermost frames and the real (outermost) function. */
#define CPROF_SYM_MAX_FRAMES 64
/* Bounds of the address cache: when either is hit, the whole cache is
 * dropped and refilled from libdw (whose own per-module data stays). */
#define CPROF_SYM_CACHE_MAX_ADDRS (1u << 16)
#define CPROF_SYM_CACHE_MAX_BYTES (64u << 20)
/* Function ranges kept by the per-CU index (48 bytes each); past it the
 * index is dropped and rebuilt as lookups need it. */
#define CPROF_SYM_INDEX_MAX_RANGES (1u << 20)
/* Deepest nesting of blocks and inlined instances followed in a function. */
#define CPROF_SYM_MAX_DEPTH 128
/* Function symbols kept by the symbol-table index (32 bytes each). */
#define CPROF_SYM_ELF_MAX_SYMS (1u << 21)

/* ---- maps.c ---- */

/* One executable line of /proc/self/maps. */
struct cprof__sym_map {
	uint64_t start;
	uint64_t limit;
	uint64_t offset;
	uint64_t inode;
	char *path;   /* " (deleted)" removed; "[vdso]" for pseudo files */
	char build_id[2 * CPROF_SYM_BUILD_ID_MAX + 1]; /* hex, "" if none */
	bool is_main; /* part of the main executable */
};

struct cprof__sym_maps {
	struct cprof__sym_map *items; /* in /proc/self/maps (address) order */
	size_t len;
	uint64_t signature; /* hash of the file-backed lines, 0 if none */
};

/* Parses maps text (the format of /proc/PID/maps) keeping executable lines
 * as Go does: anonymous inode-0 lines without a name are skipped, named
 * pseudo mappings ([vdso], [vsyscall]) kept. No build ids, no is_main.
 * Returns 0 or CPROF_ENOMEM; malformed lines are skipped. */
int cprof__sym_maps_parse(const char *text, size_t len,
			  struct cprof__sym_maps *out);
/* Reads /proc/self/maps and fills in build ids and is_main from the loaded
 * objects (or the files). Returns 0, CPROF_ENOMEM or CPROF_EIO. */
int cprof__sym_maps_read(struct cprof__sym_maps *out);
void cprof__sym_maps_fini(struct cprof__sym_maps *m);
/* The mapping containing addr, or NULL. */
const struct cprof__sym_map *
cprof__sym_maps_find(const struct cprof__sym_maps *m, uint64_t addr);
/* The dynamic loader's counts of objects loaded and unloaded so far. */
void cprof__sym_dl_counters(uint64_t *out_adds, uint64_t *out_subs);
/* Hex of the NT_GNU_BUILD_ID note in notes[0..len) (ELF note layout with
 * the given alignment, 4 or 8) into out; returns true if found. */
bool cprof__sym_note_build_id(const void *notes, size_t len, size_t align,
			      char out[2 * CPROF_SYM_BUILD_ID_MAX + 1]);

/* ---- dwarf.c ---- */

/* What one address resolves to before names are demangled and interned.
 * Strings are borrowed from libdw and valid until the next refresh. */
struct cprof__sym_raw_frame {
	const char *linkage; /* DW_AT_linkage_name or symbol, may be NULL */
	const char *name;    /* DW_AT_name, may be NULL */
	const char *file;    /* may be NULL */
	int64_t start_line;
	int64_t line;
};

struct cprof__sym_raw {
	struct cprof__sym_raw_frame frames[CPROF_SYM_MAX_FRAMES];
	size_t n;            /* innermost first */
	bool dwarf;          /* the module has DWARF */
	const char *line_file; /* from the line table, may be NULL */
	int64_t line;          /* from the line table, 0 if unknown */
};

/* A session reporting this process's modules (dwfl_linux_proc_report). */
int cprof__sym_dwfl_open(Dwfl **out);
/* Reports the modules again: modules still mapped where they were keep
 * their loaded ELF and DWARF; the others go. */
int cprof__sym_dwfl_refresh(Dwfl *dwfl);
void cprof__sym_dwfl_close(Dwfl *dwfl);
/* ---- debuginfo.c ---- */

/* libdwfl's find_debuginfo callback: build-id directory, then
 * .gnu_debuglink; never debuginfod. */
int cprof__sym_find_debuginfo(Dwfl_Module *mod, void **userdata,
			      const char *modname, Dwarf_Addr base,
			      const char *file_name, const char *debuglink_file,
			      GElf_Word debuglink_crc,
			      char **debuginfo_file_name);

/* ---- funcindex.c ---- */

struct funcindex_cu;

/* CUs already indexed, by libdw's CU pointer (open addressing). */
struct cprof__sym_funcs {
	struct funcindex_cu **slots;
	size_t cap, len;
	size_t ranges; /* total kept, for the bound */
};

void cprof__sym_funcs_init(struct cprof__sym_funcs *f);
void cprof__sym_funcs_fini(struct cprof__sym_funcs *f);
/* The DW_TAG_subprogram of cudie whose code holds pc (a DWARF address,
 * module bias removed) into out; false if none. Indexes the CU first if
 * needed. */
bool cprof__sym_funcs_find(struct cprof__sym_funcs *f, Dwarf_Die *cudie,
			   Dwarf_Addr pc, Dwarf_Die *out);

/* Fills raw with the DWARF frames of addr in mod (n == 0 when DWARF has
 * no function there, the line table may still have answered). */
void cprof__sym_dwarf_lookup(Dwfl_Module *mod, uint64_t addr,
			     struct cprof__sym_funcs *funcs,
			     struct cprof__sym_raw *raw);
/* The module covering addr, or NULL. */
Dwfl_Module *cprof__sym_module_of(Dwfl *dwfl, uint64_t addr);
/* Whether mod has DWARF (loads it if needed). */
bool cprof__sym_dwarf_available(Dwfl_Module *mod);

/* ---- elfsym.c ---- */

struct elfsym_mod;

/* Modules whose symbol tables were read, by Dwfl_Module (open addressing). */
struct cprof__sym_elfsyms {
	struct elfsym_mod **slots;
	size_t cap, len;
	size_t syms; /* total kept, for the bound */
};

void cprof__sym_elfsyms_init(struct cprof__sym_elfsyms *t);
void cprof__sym_elfsyms_fini(struct cprof__sym_elfsyms *t);
/* The name of the function symbol containing addr in mod, from .symtab,
 * the debug file's .symtab or .dynsym; NULL if none. Valid until the
 * index is dropped. */
const char *cprof__sym_elf_lookup(struct cprof__sym_elfsyms *t,
				  Dwfl_Module *mod, uint64_t addr);

/* ---- demangle.c ---- */

/* Looks for __cxa_demangle in the process again (after objects were
 * loaded); cheap once found. */
void cprof__sym_demangle_probe(void);
/* The demangled form of a C++ linkage name, to be released with
 * cprof__sym_demangle_free; NULL when not mangled, no demangler is loaded,
 * or demangling fails. */
char *cprof__sym_demangle(const char *linkage);
void cprof__sym_demangle_free(char *name);

/* ---- cache.c ---- */

/* A function as pprof sees it; interned, so equal functions are one. */
struct cprof__sym_func {
	const char *name;        /* demangled, or == system_name */
	const char *system_name;
	const char *file;        /* "" if unknown */
	int64_t start_line;
	uint64_t gen;            /* fill generation fid belongs to */
	uint64_t fid;            /* function id in that fill's profile */
};

struct cprof__sym_frame {
	struct cprof__sym_func *fn;
	int64_t line;
};

/* The resolved frames of one address, innermost first. */
struct cprof__sym_entry {
	uint64_t addr;
	struct cprof__sym_frame *frames;
	uint32_t n_frames;
	bool dwarf; /* the address's module has DWARF */
};

struct cprof__sym_cache {
	struct cprof__arena arena;       /* entries, frames, funcs, strings */
	struct cprof__sym_entry **addrs; /* open addressing by addr */
	size_t addrs_cap, addrs_len;
	struct cprof__sym_func **funcs;  /* open addressing by content */
	size_t funcs_cap, funcs_len;
	const char **strs;               /* open addressing by content */
	size_t strs_cap, strs_len;
};

void cprof__sym_cache_init(struct cprof__sym_cache *c);
void cprof__sym_cache_fini(struct cprof__sym_cache *c);
struct cprof__sym_entry *cprof__sym_cache_get(struct cprof__sym_cache *c,
					      uint64_t addr);
/* Interns raw (demangling names) as the entry for addr and returns it;
 * NULL when out of memory. May drop everything cached before to stay
 * within the bounds, so entries got earlier must not be used after it. */
struct cprof__sym_entry *cprof__sym_cache_put(struct cprof__sym_cache *c,
					      uint64_t addr,
					      const struct cprof__sym_raw *raw);
size_t cprof__sym_cache_size(const struct cprof__sym_cache *c);

#endif
