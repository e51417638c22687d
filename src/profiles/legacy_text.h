/*
 * legacy_text.h - pieces of Go's legacy text profiles (?debug=1), shared by
 * the profile kinds that have one (heap, allocs, and the contention and
 * count profiles to come).
 *
 * A record is printed as its values, " @", the pcs of its stack, and one
 * comment line per frame, innermost first, inlined frames expanded:
 *
 *   <values> @ 0x4011d5 0x401234
 *   #	0x4011d4	site_small+0x14	/src/app.c:12
 *   #	0x401233	main+0x23	/src/app.c:40
 *
 * pprof's legacy parsers read the values and the pcs; the comment lines are
 * for people.
 */
#ifndef CPROF_SRC_PROFILES_LEGACY_TEXT_H
#define CPROF_SRC_PROFILES_LEGACY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "pprof/profile.h"

/* " @ 0x.. 0x..\n": the stack's pcs as captured (return addresses for the
 * frames whose location address is the call's, i.e. address + 1, unless the
 * leaf is an interrupted pc and leaf_is_return is false). */
void cprof__legacy_write_pcs(struct cprof__buf *out,
			     const struct cprof__profile *p,
			     const uint64_t *locs, size_t n,
			     bool leaf_is_return);
/* The "#\t..." frame lines, then a blank line. */
void cprof__legacy_write_frames(struct cprof__buf *out,
				const struct cprof__profile *p,
				const uint64_t *locs, size_t n);

#endif
