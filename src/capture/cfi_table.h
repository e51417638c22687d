/*
 * cfi_table.h - one ELF object's unwind rules, digested from .eh_frame.
 *
 * The builder runs the DWARF call-frame programs of every FDE once, on an
 * ordinary thread, and keeps only what a return-address walk needs: for
 * each pc range, how to find the CFA, where rbp was saved and whether the
 * frame is a signal trampoline or the end of the stack. The result is
 * immutable, lives in one mmap'd block of its own (so an unloaded library
 * never leaves a dangling pointer) and is searched by the async-signal-safe
 * walker in cfi_walk_as.c.
 *
 * Layout of a built table (one mapping):
 *
 *   struct cprof__cfi_table   header
 *   uint32_t pc[nrows]        row start, as an offset from the load bias,
 *                             strictly ascending; a row runs to the next
 *   uint16_t rule[nrows]      index into rules[] for each row
 *   uint64_t rules[nrules]    distinct packed rules (see CPROF_CFI_RULE_*)
 */
#ifndef CPROF_SRC_CAPTURE_CFI_TABLE_H
#define CPROF_SRC_CAPTURE_CFI_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* What a row tells the walker to do. */
enum cprof__cfi_kind {
	CPROF_CFI_NONE = 0, /* no FDE covers the pc: one frame-pointer step */
	CPROF_CFI_REG,      /* CFA = reg + cfa_off */
	CPROF_CFI_DEREF,    /* CFA = *(reg + cfa_off) + aux * 8 */
	CPROF_CFI_PLT,      /* CFA = rsp + cfa_off + ((pc & 15) >= T ? 8 : 0) */
	CPROF_CFI_SIGNAL,   /* a signal trampoline: the ucontext sits at rsp */
	CPROF_CFI_STOP,     /* return address undefined: the outermost frame */
	CPROF_CFI_BAD,      /* a rule the walker cannot follow: one FP step */
};

/*
 * A rule packs into 64 bits so that the walker's pc cache can hold it by
 * value (a torn cache read then yields a wrong rule, never a dangling
 * pointer):
 *
 *   bits  0..2   kind (enum cprof__cfi_kind)
 *   bits  3..7   DWARF register the CFA is based on
 *   bits  8..23  rbp: 0 = unchanged, RBP_UNDEF = unknown after this frame,
 *                else rbp was saved at CFA + this (signed bytes)
 *   bits 24..47  CFA offset, signed bytes (+-8 MiB)
 *   bits 48..55  aux: DEREF addend / 8, or the PLT threshold T
 *   bits 56..63  zero in tables; the cache stores a key check there
 */
#define CPROF_CFI_RBP_UNDEF INT16_MIN
#define CPROF_CFI_CFA_MIN (-(1 << 23))
#define CPROF_CFI_CFA_MAX ((1 << 23) - 1)

static inline uint64_t cprof__cfi_rule_pack(unsigned kind, unsigned reg,
					    int rbp, int cfa, unsigned aux)
{
	return (uint64_t)(kind & 7) | (uint64_t)(reg & 31) << 3 |
	       (uint64_t)(uint16_t)rbp << 8 |
	       (uint64_t)((uint32_t)cfa & 0xffffff) << 24 |
	       (uint64_t)(aux & 0xff) << 48;
}

static inline unsigned cprof__cfi_rule_kind(uint64_t r) { return r & 7; }
static inline unsigned cprof__cfi_rule_reg(uint64_t r) { return (r >> 3) & 31; }
static inline int cprof__cfi_rule_rbp(uint64_t r) { return (int16_t)(r >> 8); }
static inline unsigned cprof__cfi_rule_aux(uint64_t r) { return (r >> 48) & 0xff; }

static inline int cprof__cfi_rule_cfa(uint64_t r)
{
	/* sign-extend 24 bits */
	return (int32_t)((uint32_t)(r >> 24) << 8) >> 8;
}

/* What the builder saw, for the benchmark and /metrics. */
struct cprof__cfi_table_stats {
	uint32_t fdes;      /* FDEs interpreted */
	uint32_t bad_rows;  /* rows the walker cannot follow */
	uint32_t bad_fdes;  /* FDEs that failed to parse (skipped) */
	uint64_t build_ns;  /* wall time to build */
	uint64_t build_cpu_ns; /* the building thread's CPU time */
};

struct cprof__cfi_table {
	uint32_t nrows;
	uint32_t nrules;
	const uint32_t *pc;
	const uint16_t *rule;
	const uint64_t *rules;
	size_t map_size; /* bytes of the whole mapping, header included */
	struct cprof__cfi_table_stats stats;
};

/* Readable memory the builder may touch for one object; every read of the
 * image is checked against these ranges. */
#define CPROF_CFI_MAX_SEGMENTS 8

struct cprof__cfi_image {
	uintptr_t bias;             /* load bias (dlpi_addr) */
	uintptr_t eh_frame_hdr;     /* run-time address of .eh_frame_hdr */
	uintptr_t text_lo, text_hi; /* executable range, for sanity checks */
	int nseg;
	struct {
		uintptr_t lo, hi;
	} seg[CPROF_CFI_MAX_SEGMENTS];
};

/* Builds the table for one loaded object. Ordinary threads only (allocates).
 * Returns 0 and *out, or CPROF_EINVAL when the header is unusable,
 * CPROF_ENOMEM. Bad FDEs are skipped and counted, not fatal. */
int cprof__cfi_table_build(const struct cprof__cfi_image *img,
			   struct cprof__cfi_table **out);

/* A table with no rows: every pc of the object takes the FP step. */
int cprof__cfi_table_empty(struct cprof__cfi_table **out);

/* Accepts NULL. */
void cprof__cfi_table_free(struct cprof__cfi_table *t);

/* The rule for offset off (pc - bias): the last row starting at or below
 * off, or NONE. Reads only the immutable table: async-signal-safe. */
static inline uint64_t cprof__cfi_table_lookup_as(
	const struct cprof__cfi_table *t, uint32_t off)
{
	uint32_t lo = 0, hi = t->nrows;

	if (hi == 0 || off < t->pc[0])
		return CPROF_CFI_NONE;
	/* invariant: pc[lo] <= off, and off < pc[hi] when hi < nrows; at
	 * most 32 halvings since nrows < 2^32 */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->pc[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return t->rules[t->rule[lo]];
}

#endif
