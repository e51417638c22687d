/*
 * symbolize.c - the per-process symbolizer: its lock, its refresh, and
 * turning addresses into a profile's mappings, functions and locations.
 *
 * State is created on first use and kept: the libdw session (modules with
 * their ELF and DWARF loaded), the address cache, the demangler. Each call
 * compares the loader's load/unload counters (and, when it reads
 * /proc/self/maps anyway, a hash of the file-backed executable mappings)
 * with what libdw was last told, and re-reports the modules when they
 * differ, so code dlopen'ed mid-profile is found. An unload, or a file
 * mapped or unmapped behind the loader's back, also drops the address
 * cache: an address may now mean something else. Loads alone keep it
 * (unresolved addresses are never cached).
 */
#include <gelf.h>
#include <pthread.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cprof.h"
#include "symbolize/symbolize.h"
#include "symbolize/symbolize_int.h"

/* The symbolizer. One lock, held across every call: libdw is not
 * thread-safe. Lock order: taken by collector/HTTP code holding no other
 * cprof lock; takes none itself (the loader's lock, inside dl_* calls,
 * ranks below it). */
static struct {
	pthread_mutex_t lock;
	Dwfl *dwfl;                   /* NULL until first use, or if broken */
	bool dwfl_failed;             /* libdw could not start: no symbols */
	uint64_t adds, subs;          /* loader counters libdw was told */
	uint64_t signature;           /* maps hash libdw was told, */
	bool signature_known;         /* once a call has read the maps */
	uint64_t gen;                 /* one per profile fill */
	struct cprof__sym_cache cache;
	struct cprof__sym_funcs funcs;  /* these two point into libdw's */
	struct cprof__sym_elfsyms syms; /* module data */
	bool cache_ready;
} symbolize_state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Re-reports the modules to libdw; drop_cache when addresses may now mean
 * something else. */
static void symbolize_refresh_locked(bool drop_cache)
{
	int err;

	/* Re-reporting may free modules the indexes point into. */
	cprof__sym_funcs_fini(&symbolize_state.funcs);
	cprof__sym_elfsyms_fini(&symbolize_state.syms);
	err = cprof__sym_dwfl_refresh(symbolize_state.dwfl);
	if (err) {
		/* A failed report leaves the session unusable: start a
		 * new one on the next call. */
		cprof__debug("symbolize: refreshing modules failed (%d)", err);
		cprof__sym_dwfl_close(symbolize_state.dwfl);
		symbolize_state.dwfl = NULL;
		drop_cache = true;
	}
	if (drop_cache) {
		cprof__sym_cache_fini(&symbolize_state.cache);
		cprof__sym_cache_init(&symbolize_state.cache);
	}
}

/* Opens the libdw session on first use; false if libdw cannot start. */
static bool symbolize_open_locked(void)
{
	int err;

	if (!symbolize_state.cache_ready) {
		cprof__sym_cache_init(&symbolize_state.cache);
		cprof__sym_funcs_init(&symbolize_state.funcs);
		cprof__sym_elfsyms_init(&symbolize_state.syms);
		symbolize_state.cache_ready = true;
	}
	if (symbolize_state.dwfl != NULL || symbolize_state.dwfl_failed)
		return symbolize_state.dwfl != NULL;
	err = cprof__sym_dwfl_open(&symbolize_state.dwfl);
	if (err) {
		cprof__warn("symbolize: libdw failed to start (%d); "
			    "profiles will have addresses only", err);
		symbolize_state.dwfl_failed = true;
		return false;
	}
	symbolize_state.signature_known = false;
	return true;
}

/* Brings libdw's modules up to date with the loaded objects. maps, when
 * given, is a fresh read of /proc/self/maps. */
static void symbolize_sync_locked(const struct cprof__sym_maps *maps)
{
	bool fresh = symbolize_state.dwfl == NULL;
	uint64_t adds, subs;

	cprof__sym_dl_counters(&adds, &subs);
	if (!symbolize_open_locked())
		return;
	if (!fresh) {
		bool loaded = adds != symbolize_state.adds;
		bool unloaded = subs != symbolize_state.subs;
		/* The same objects but other maps: something mapped or
		 * unmapped a file itself. (After a load they differ.) */
		bool remapped = maps != NULL && !loaded && !unloaded &&
				symbolize_state.signature_known &&
				maps->signature != symbolize_state.signature;

		if (!loaded && !unloaded && !remapped)
			goto adopt_signature;
		symbolize_refresh_locked(unloaded || remapped);
		symbolize_state.signature_known = false;
	}
	symbolize_state.adds = adds;
	symbolize_state.subs = subs;
	cprof__sym_demangle_probe();
adopt_signature:
	if (maps != NULL && !symbolize_state.signature_known) {
		symbolize_state.signature = maps->signature;
		symbolize_state.signature_known = true;
	}
}

/*
 * Whether mod's own file carries DWARF. Separate debug files (Debian's
 * /usr/lib/debug/.build-id, for libc among others) are read for their
 * symbol tables only, which name internal functions cheaply; their DWARF is
 * compressed, and inflating libc's costs about 55 ms of CPU in every
 * profiled process (measured with perf in bench/cpu), for lines inside
 * system libraries that a service's profile rarely needs.
 */
static bool symbolize_own_dwarf(Dwfl_Module *mod)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	size_t names;

	if (elf == NULL || elf_getshdrstrndx(elf, &names) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		const char *name;

		if (gelf_getshdr(scn, &shdr) == NULL ||
		    shdr.sh_type == SHT_NOBITS || shdr.sh_size == 0)
			continue;
		name = elf_strptr(elf, names, shdr.sh_name);
		if (name != NULL && (strcmp(name, ".debug_info") == 0 ||
				     strcmp(name, ".zdebug_info") == 0))
			return true;
	}
	return false;
}

/* Resolves addr, through the cache. NULL when addr is in no module libdw
 * knows (not cached: a later dlopen may map something there) or when out
 * of memory (*err set). */
static struct cprof__sym_entry *symbolize_entry_locked(uint64_t addr,
						       int *err)
{
	struct cprof__sym_entry *e;
	struct cprof__sym_raw raw;
	Dwfl_Module *mod;

	e = cprof__sym_cache_get(&symbolize_state.cache, addr);
	if (e != NULL || symbolize_state.dwfl == NULL)
		return e;
	mod = cprof__sym_module_of(symbolize_state.dwfl, addr);
	if (mod == NULL)
		return NULL;
	memset(&raw, 0, sizeof(raw));
	if (symbolize_own_dwarf(mod))
		cprof__sym_dwarf_lookup(mod, addr, &symbolize_state.funcs,
					&raw);
	if (raw.n == 0 || (raw.frames[raw.n - 1].linkage == NULL &&
			   raw.frames[raw.n - 1].name == NULL)) {
		const char *sym = cprof__sym_elf_lookup(&symbolize_state.syms,
							mod, addr);

		if (raw.n == 0 && sym != NULL) {
			/* Name from the symbol table, place from the line
			 * table when there is one (assembly with -g). */
			memset(&raw.frames[0], 0, sizeof(raw.frames[0]));
			raw.frames[0].file = raw.line_file;
			raw.frames[0].line = raw.line;
			raw.n = 1;
		}
		if (raw.n > 0)
			raw.frames[raw.n - 1].linkage = sym;
	}
	e = cprof__sym_cache_put(&symbolize_state.cache, addr, &raw);
	if (e == NULL)
		*err = CPROF_ENOMEM;
	return e;
}

/* ---- filling a profile ---- */

/* Index from address to location id over the profile's locations. */
struct symbolize_index {
	uint64_t *keys; /* address + 1, so 0 marks a free slot */
	uint64_t *ids;
	size_t cap;
};

static size_t symbolize_slot(const struct symbolize_index *ix, uint64_t addr)
{
	size_t mask = ix->cap - 1;
	size_t i = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 17) & mask;

	while (ix->keys[i] != 0 && ix->keys[i] != addr + 1)
		i = (i + 1) & mask;
	return i;
}

static int symbolize_index_init(struct symbolize_index *ix, size_t n)
{
	ix->cap = 16;
	while (ix->cap < 2 * n)
		ix->cap *= 2;
	ix->keys = cprof__calloc(ix->cap, sizeof(*ix->keys));
	ix->ids = cprof__calloc(ix->cap, sizeof(*ix->ids));
	return ix->keys && ix->ids ? 0 : CPROF_ENOMEM;
}

static void symbolize_index_fini(struct symbolize_index *ix)
{
	cprof__free(ix->keys);
	cprof__free(ix->ids);
}

static void symbolize_index_put(struct symbolize_index *ix, uint64_t addr,
				uint64_t id)
{
	size_t i = symbolize_slot(ix, addr);

	ix->keys[i] = addr + 1;
	ix->ids[i] = id;
}

static uint64_t symbolize_index_get(const struct symbolize_index *ix,
				    uint64_t addr)
{
	size_t i = symbolize_slot(ix, addr);

	return ix->keys[i] ? ix->ids[i] : 0;
}

/* The mapping an earlier call on p added for m, among p's first n. */
static uint64_t symbolize_find_mapping(const struct cprof__profile *p,
				       size_t n,
				       const struct cprof__sym_map *m)
{
	for (size_t i = 0; i < n; i++) {
		const struct cprof__mapping *pm = &p->mappings.items[i];

		if (pm->memory_start == m->start &&
		    pm->memory_limit == m->limit &&
		    pm->file_offset == m->offset)
			return pm->id;
	}
	return 0;
}

static uint64_t symbolize_add_mapping(struct cprof__profile *p,
				      size_t n_before,
				      const struct cprof__sym_map *m)
{
	struct cprof__mapping pm = {
		.memory_start = m->start,
		.memory_limit = m->limit,
		.file_offset = m->offset,
		.filename = cprof__profile_string(p, m->path),
		.build_id = cprof__profile_string(p, m->build_id),
	};
	uint64_t id = symbolize_find_mapping(p, n_before, m);

	return id ? id : cprof__profile_add_mapping(p, &pm);
}

/* Adds every executable mapping, main executable first as pprof expects,
 * and writes the mapping id of maps->items[i] to ids[i]. */
static int symbolize_add_mappings(struct cprof__profile *p,
				  const struct cprof__sym_maps *maps,
				  uint64_t *ids)
{
	size_t n_before = p->mappings.len;

	for (int main_pass = 1; main_pass >= 0; main_pass--) {
		for (size_t i = 0; i < maps->len; i++) {
			if (maps->items[i].is_main != (main_pass == 1))
				continue;
			ids[i] = symbolize_add_mapping(p, n_before,
						       &maps->items[i]);
			if (ids[i] == 0)
				return cprof__profile_error(p) ?: CPROF_ENOMEM;
		}
	}
	return 0;
}

static uint64_t symbolize_function_id(struct cprof__profile *p,
				      struct cprof__sym_func *fn)
{
	if (fn->gen != symbolize_state.gen) {
		fn->fid = cprof__profile_add_function(p, fn->name,
						      fn->system_name,
						      fn->file,
						      fn->start_line);
		fn->gen = symbolize_state.gen;
	}
	return fn->fid;
}

static uint64_t symbolize_location_locked(struct cprof__profile *p,
					  uint64_t mapping_id, uint64_t addr,
					  int *err)
{
	struct cprof__line lines[CPROF_SYM_MAX_FRAMES];
	struct cprof__sym_entry *e;
	uint32_t n = 0;

	e = symbolize_entry_locked(addr, err);
	if (*err)
		return 0;
	for (; e != NULL && n < e->n_frames; n++) {
		lines[n].function_id = symbolize_function_id(p,
							     e->frames[n].fn);
		lines[n].line = e->frames[n].line;
		lines[n].column = 0;
		if (lines[n].function_id == 0)
			return 0;
	}
	return cprof__profile_add_location(p, mapping_id, addr, lines, n);
}

/* Per-mapping tallies for the has_* flags. */
struct symbolize_tally {
	size_t resolved;   /* locations with at least one line */
	size_t unresolved; /* locations the lookup found nothing for */
	bool functions, filenames, line_numbers; /* over the resolved */
};

static void symbolize_tally_location(const struct cprof__profile *p,
				     const struct cprof__location *loc,
				     struct symbolize_tally *t)
{
	if (loc->n_lines == 0) {
		t->unresolved++;
		return;
	}
	if (t->resolved++ == 0)
		t->functions = t->filenames = t->line_numbers = true;
	for (size_t i = 0; i < loc->n_lines; i++) {
		const struct cprof__function *f =
			cprof__profile_function(p, loc->lines[i].function_id);

		if (f == NULL || f->name == 0)
			t->functions = false;
		if (f == NULL || f->filename == 0)
			t->filenames = false;
		if (loc->lines[i].line <= 0)
			t->line_numbers = false;
	}
}

/* The index in p->mappings of mapping id, or p->mappings.len. */
static size_t symbolize_mapping_index(const struct cprof__profile *p,
				      uint64_t id)
{
	/* Ids are dense in a profile built here; search otherwise. */
	if (id >= 1 && id <= p->mappings.len &&
	    p->mappings.items[id - 1].id == id)
		return (size_t)(id - 1);
	for (size_t j = 0; id != 0 && j < p->mappings.len; j++) {
		if (p->mappings.items[j].id == id)
			return j;
	}
	return p->mappings.len;
}

/*
 * Sets the has_* flags of p's mappings from p's locations, as pprof reads
 * them: true only when every location of the mapping has it (false for a
 * mapping without locations, as Go does). pprof symbolizes a mapping
 * itself when all three are false, replacing every line of it.
 *
 * Except: a location that resolved to nothing in a module with DWARF does
 * not count. There the lookup had DWARF and the symbol tables and found no
 * function, as for a PLT stub (no DWARF, no .symtab entry): that is a
 * complete answer, which another symbolizer with the same file would only
 * repeat. Counting it would let one sample in rand_r@plt hand the whole
 * executable to pprof (which, for one, names gcc clones worse). Without
 * DWARF, the same miss may be information a debug file would supply, so
 * it clears the flags as in Go.
 *
 * has_inline_frames: the mapping's file has DWARF (which we read), so any
 * inlining there is in the lines.
 */
static int symbolize_set_flags_locked(struct cprof__profile *p)
{
	size_t nm = p->mappings.len;
	struct symbolize_tally *t = cprof__calloc(nm ? nm : 1, sizeof(*t));

	if (t == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < p->locations.len; i++) {
		const struct cprof__location *loc = &p->locations.items[i];
		size_t j = symbolize_mapping_index(p, loc->mapping_id);

		if (j < nm)
			symbolize_tally_location(p, loc, &t[j]);
	}
	for (size_t j = 0; j < nm; j++) {
		struct cprof__mapping *m = &p->mappings.items[j];
		Dwfl_Module *mod = NULL;
		bool dwarf, complete;

		if (t[j].resolved + t[j].unresolved > 0 &&
		    symbolize_state.dwfl != NULL)
			mod = cprof__sym_module_of(symbolize_state.dwfl,
						   m->memory_start);
		dwarf = mod != NULL && symbolize_own_dwarf(mod);
		complete = t[j].resolved > 0 && (t[j].unresolved == 0 || dwarf);
		m->has_functions = complete && t[j].functions;
		m->has_filenames = complete && t[j].filenames;
		m->has_line_numbers = complete && t[j].line_numbers;
		m->has_inline_frames = dwarf;
	}
	cprof__free(t);
	return 0;
}

static int symbolize_fill_locked(struct cprof__profile *p,
				 const struct cprof__sym_maps *maps,
				 const uint64_t *map_ids, const uint64_t *addrs,
				 size_t n, uint64_t *location_ids)
{
	struct symbolize_index ix;
	int err = symbolize_index_init(&ix, n + p->locations.len);

	if (err)
		goto out;
	/* Locations from an earlier call on the same profile are reused;
	 * not pseudo frames (address 0, like "[cprof] lost samples"). */
	for (size_t i = 0; i < p->locations.len; i++) {
		if (p->locations.items[i].address != 0)
			symbolize_index_put(&ix, p->locations.items[i].address,
					    p->locations.items[i].id);
	}
	symbolize_state.gen++;
	for (size_t i = 0; i < n; i++) {
		const struct cprof__sym_map *m;
		uint64_t id = symbolize_index_get(&ix, addrs[i]);

		if (id == 0) {
			m = cprof__sym_maps_find(maps, addrs[i]);
			id = symbolize_location_locked(
				p, m ? map_ids[m - maps->items] : 0, addrs[i],
				&err);
			if (id == 0) {
				err = err ?: cprof__profile_error(p)
						     ?: CPROF_ENOMEM;
				goto out;
			}
			symbolize_index_put(&ix, addrs[i], id);
		}
		location_ids[i] = id;
	}
	err = symbolize_set_flags_locked(p);
out:
	symbolize_index_fini(&ix);
	return err;
}

int cprof__symbolize_locations(struct cprof__profile *p, const uint64_t *addrs,
			       size_t n, uint64_t *location_ids)
{
	struct cprof__sym_maps maps;
	uint64_t *map_ids = NULL;
	int err;

	pthread_mutex_lock(&symbolize_state.lock);
	err = cprof__sym_maps_read(&maps);
	if (err == CPROF_EIO) {
		/* No /proc: locations without mappings are still valid. */
		cprof__debug("symbolize: cannot read /proc/self/maps");
		memset(&maps, 0, sizeof(maps));
		err = 0;
	}
	if (err)
		goto out_unlock;
	symbolize_sync_locked(&maps);
	map_ids = cprof__calloc(maps.len ? maps.len : 1, sizeof(*map_ids));
	err = map_ids ? symbolize_add_mappings(p, &maps, map_ids)
		      : CPROF_ENOMEM;
	if (err == 0)
		err = symbolize_fill_locked(p, &maps, map_ids, addrs, n,
					    location_ids);
	cprof__free(map_ids);
	cprof__sym_maps_fini(&maps);
out_unlock:
	pthread_mutex_unlock(&symbolize_state.lock);
	return err;
}

int cprof__symbolize_name(uint64_t addr, struct cprof__buf *out)
{
	struct cprof__sym_entry *e;
	int err = 0, ret = -1;

	pthread_mutex_lock(&symbolize_state.lock);
	symbolize_sync_locked(NULL);
	e = symbolize_entry_locked(addr, &err);
	/* The outermost frame is the function the code belongs to. */
	if (e != NULL && e->n_frames > 0 &&
	    e->frames[e->n_frames - 1].fn->name[0] != '\0') {
		cprof__buf_puts(out, e->frames[e->n_frames - 1].fn->name);
		ret = 0;
	}
	pthread_mutex_unlock(&symbolize_state.lock);
	return ret;
}

int cprof__symbolize_offset(uint64_t addr, uint64_t *offset)
{
	Dwfl_Module *mod = NULL;
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = NULL;

	pthread_mutex_lock(&symbolize_state.lock);
	symbolize_sync_locked(NULL);
	if (symbolize_state.dwfl != NULL)
		mod = cprof__sym_module_of(symbolize_state.dwfl, addr);
	if (mod != NULL)
		name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL,
					    NULL);
	pthread_mutex_unlock(&symbolize_state.lock);
	if (name == NULL)
		return -1;
	*offset = off;
	return 0;
}

static void symbolize_reset_locked(void)
{
	if (symbolize_state.cache_ready) {
		cprof__sym_cache_fini(&symbolize_state.cache);
		cprof__sym_funcs_fini(&symbolize_state.funcs);
		cprof__sym_elfsyms_fini(&symbolize_state.syms);
	}
	symbolize_state.cache_ready = false;
	cprof__sym_dwfl_close(symbolize_state.dwfl);
	symbolize_state.dwfl = NULL;
	symbolize_state.dwfl_failed = false;
	symbolize_state.signature_known = false;
	/* The demangler is kept: libstdc++ is still there, and dl* calls
	 * are best left alone in a fork child. */
}

void cprof__symbolize_reset(void)
{
	pthread_mutex_lock(&symbolize_state.lock);
	symbolize_reset_locked();
	pthread_mutex_unlock(&symbolize_state.lock);
}

void cprof__symbolize_atfork_child(void)
{
	/* Only the forking thread runs here, so no one else can take the
	 * lock meanwhile: trylock fails only if a thread that is gone held
	 * it. */
	if (pthread_mutex_trylock(&symbolize_state.lock) == 0) {
		symbolize_reset_locked();
		pthread_mutex_unlock(&symbolize_state.lock);
		return;
	}
	pthread_mutex_init(&symbolize_state.lock, NULL);
	symbolize_state.dwfl = NULL;
	symbolize_state.dwfl_failed = false;
	symbolize_state.cache_ready = false;
	symbolize_state.signature_known = false;
	/* The demangler is kept: libstdc++ is still there, and dl* calls
	 * are best left alone in a fork child. */
}
