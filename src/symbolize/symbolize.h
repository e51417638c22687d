/*
 * symbolize.h - from instruction addresses in this process to the mappings,
 * functions, files, lines and inline frames of a pprof profile.
 *
 * One symbolizer per process, created on first use and kept: it caches the
 * loaded objects (dl_iterate_phdr, with GNU build ids), libdw's view of them
 * and the frames of every address it resolved. It notices objects loaded or
 * unloaded since the last call (dlopen, dlclose) and refreshes itself.
 *
 * Runs only on ordinary threads (the collector, the HTTP thread), never in a
 * signal handler or a hook: libdw allocates and reads files. Calls are
 * serialised by an internal lock.
 */
#ifndef CPROF_SRC_SYMBOLIZE_SYMBOLIZE_H
#define CPROF_SRC_SYMBOLIZE_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "pprof/profile.h"

/*
 * Adds to p the locations for addrs[0..n) and writes their ids to
 * location_ids[0..n). Each address is looked up as given: callers pass the
 * interrupted pc for a leaf and return address - 1 for callers (Go's
 * convention, so lookups land inside the call instruction). Also adds the
 * mappings these addresses fall in (main executable first, as pprof expects),
 * with file name, offsets, build id and has_* flags that say truthfully how
 * complete symbolization of that mapping was, and the functions.
 *
 * Names: `name` is demangled (C++), `system_name` the symbol as linked.
 * Sources, best first: DWARF (with inline frames, as several lines of one
 * location), .symtab, .dynsym. An address without any symbol still gets a
 * location with its address and mapping. Equal addresses get equal ids.
 *
 * Returns 0 or a CPROF_E* code (only for out-of-memory: a lookup that finds
 * nothing is not an error).
 */
int cprof__symbolize_locations(struct cprof__profile *p, const uint64_t *addrs,
			       size_t n, uint64_t *location_ids);

/* For /debug/pprof/symbol: writes the name of the function containing addr
 * (outermost frame for an inlined address, as Go's runtime.FuncForPC) to out.
 * Returns 0, or -1 if the address is in no known symbol. */
int cprof__symbolize_name(uint64_t addr, struct cprof__buf *out);

/* For the legacy text forms ("func+0x1f"): addr's offset from the start of
 * the symbol that contains it. Returns 0, or -1 when no symbol does. */
int cprof__symbolize_offset(uint64_t addr, uint64_t *offset);

/* Drops every cache (tests, and the child after fork). */
void cprof__symbolize_reset(void);

/* For a pthread_atfork child handler: cprof__symbolize_reset, but safe when
 * another thread was inside the symbolizer when fork was called (that
 * thread does not exist in the child and never releases the lock): the
 * half-changed state is then abandoned rather than freed, and the lock
 * made anew. */
void cprof__symbolize_atfork_child(void);

#endif
