/*
 * cfi_table.c - builds one object's unwind table from .eh_frame_hdr and
 * .eh_frame (see cfi_table.h for the result's layout).
 *
 * Runs on ordinary threads (allocates), reading the object's image in memory
 * as the loader mapped it: no file I/O, so the vDSO needs no special case.
 * Every read of the image is checked against the object's readable segments,
 * every loop is capped by a named constant, and a malformed FDE is skipped
 * and counted: a broken object costs its own frames, never the process.
 *
 * Memory comes from cprof__map, never from malloc: the builder's buffers
 * reach hundreds of KiB, and freeing blocks that size through glibc's
 * malloc raises its dynamic mmap threshold, which would change how the
 * host's own large allocations are served.
 *
 * Only what a return-address walk needs is kept from the DWARF CFA machine:
 * the CFA rule, rbp's rule and the return address's rule (always CFA - 8 on
 * x86-64 except at the outermost frame). The other callee-saved registers
 * are not tracked; the walker only uses them at the first frame, where the
 * signal context supplies all of them.
 */
#include "capture/cfi_table.h"

#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "cprof.h"

/* Caps: a table larger than these is cut (and counted as bad FDEs). */
#define CFI_TABLE_MAX_FDES (4u << 20)
#define CFI_TABLE_MAX_ROWS (16u << 20)
#define CFI_TABLE_MAX_RULES 65535u  /* rule indexes are 16 bits */
#define CFI_TABLE_STATE_DEPTH 16    /* DW_CFA_remember_state nesting */
#define CFI_TABLE_CIE_CACHE 64      /* CIEs remembered while building */
#define CFI_TABLE_RULE_HASH 4096    /* dedup hash slots (power of two) */

/* DWARF constants (DWARF 4 section 7.23 and the LSB's .eh_frame spec). */
#define DW_EH_PE_omit 0xff
#define DW_EH_PE_absptr 0x00
#define DW_EH_PE_uleb128 0x01
#define DW_EH_PE_udata2 0x02
#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_udata8 0x04
#define DW_EH_PE_sleb128 0x09
#define DW_EH_PE_sdata2 0x0a
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_sdata8 0x0c
#define DW_EH_PE_pcrel 0x10
#define DW_EH_PE_datarel 0x30
#define DW_EH_PE_indirect 0x80

#define DW_CFA_advance_loc 0x40
#define DW_CFA_offset 0x80
#define DW_CFA_restore 0xc0
#define DW_CFA_nop 0x00
#define DW_CFA_set_loc 0x01
#define DW_CFA_advance_loc1 0x02
#define DW_CFA_advance_loc2 0x03
#define DW_CFA_advance_loc4 0x04
#define DW_CFA_offset_extended 0x05
#define DW_CFA_restore_extended 0x06
#define DW_CFA_undefined 0x07
#define DW_CFA_same_value 0x08
#define DW_CFA_register 0x09
#define DW_CFA_remember_state 0x0a
#define DW_CFA_restore_state 0x0b
#define DW_CFA_def_cfa 0x0c
#define DW_CFA_def_cfa_register 0x0d
#define DW_CFA_def_cfa_offset 0x0e
#define DW_CFA_def_cfa_expression 0x0f
#define DW_CFA_expression 0x10
#define DW_CFA_offset_extended_sf 0x11
#define DW_CFA_def_cfa_sf 0x12
#define DW_CFA_def_cfa_offset_sf 0x13
#define DW_CFA_val_offset 0x14
#define DW_CFA_val_offset_sf 0x15
#define DW_CFA_val_expression 0x16
#define DW_CFA_GNU_args_size 0x2e
#define DW_CFA_GNU_negative_offset_extended 0x2f

#define DW_OP_deref 0x06
#define DW_OP_and 0x1a
#define DW_OP_plus 0x22
#define DW_OP_plus_uconst 0x23
#define DW_OP_shl 0x24
#define DW_OP_ge 0x2a
#define DW_OP_lit0 0x30
#define DW_OP_breg0 0x70

#define CFI_REG_RBP 6
#define CFI_REG_RSP 7
#define CFI_REG_RIP 16
#define CFI_UC_RSP 160 /* offsetof(ucontext_t, uc_mcontext.gregs[REG_RSP]) */

/* ---- bounded reads of the image ---------------------------------------- */

/* A cursor over [p, end), end clipped at creation to the end of the
 * readable segment holding p; any read past end sets bad and yields 0. */
struct cfi_table_cur {
	const struct cprof__cfi_image *img;
	uintptr_t p, end;
	bool bad;
};

static struct cfi_table_cur cfi_table_cursor(const struct cprof__cfi_image *img,
					     uintptr_t p, uintptr_t end)
{
	struct cfi_table_cur c = { img, p, p, true };

	for (int i = 0; i < img->nseg && i < CPROF_CFI_MAX_SEGMENTS; i++)
		if (p >= img->seg[i].lo && p < img->seg[i].hi) {
			c.end = end < img->seg[i].hi ? end : img->seg[i].hi;
			c.bad = end < p;
		}
	return c;
}

static inline bool cfi_table_take(struct cfi_table_cur *c, size_t len)
{
	if (c->bad || len > c->end - c->p) {
		c->bad = true;
		return false;
	}
	return true;
}

static inline uint64_t cfi_table_fixed(struct cfi_table_cur *c, size_t len)
{
	uint64_t v = 0;

	if (!cfi_table_take(c, len))
		return 0;
	memcpy(&v, (const void *)c->p, len); /* little-endian host */
	c->p += len;
	return v;
}

static inline uint8_t cfi_table_u8(struct cfi_table_cur *c)
{
	return (uint8_t)cfi_table_fixed(c, 1);
}

/* LEB128, at most 10 bytes (64 bits). */
static uint64_t cfi_table_leb(struct cfi_table_cur *c, bool is_signed)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (shift >= 70) {
			c->bad = true;
			return 0;
		}
		b = cfi_table_u8(c);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while ((b & 0x80) && !c->bad);
	if (is_signed && shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return v;
}

static uint64_t cfi_table_uleb(struct cfi_table_cur *c)
{
	return cfi_table_leb(c, false);
}

static int64_t cfi_table_sleb(struct cfi_table_cur *c)
{
	return (int64_t)cfi_table_leb(c, true);
}

/* A pointer in DW_EH_PE encoding enc; datarel is relative to data_base.
 * Indirect pointers are not followed: no unwind field we use has one. */
static uintptr_t cfi_table_ptr(struct cfi_table_cur *c, uint8_t enc,
			       uintptr_t data_base)
{
	uintptr_t field = c->p;
	uint64_t v;

	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		v = cfi_table_fixed(c, 8);
		break;
	case DW_EH_PE_uleb128:
		v = cfi_table_uleb(c);
		break;
	case DW_EH_PE_udata2:
		v = cfi_table_fixed(c, 2);
		break;
	case DW_EH_PE_sdata2:
		v = (uint64_t)(int64_t)(int16_t)cfi_table_fixed(c, 2);
		break;
	case DW_EH_PE_udata4:
		v = cfi_table_fixed(c, 4);
		break;
	case DW_EH_PE_sdata4:
		v = (uint64_t)(int64_t)(int32_t)cfi_table_fixed(c, 4);
		break;
	case DW_EH_PE_sleb128:
		v = (uint64_t)cfi_table_sleb(c);
		break;
	default:
		c->bad = true;
		return 0;
	}
	switch (enc & 0x70) {
	case 0:
		break;
	case DW_EH_PE_pcrel:
		v += field;
		break;
	case DW_EH_PE_datarel:
		v += data_base;
		break;
	default: /* textrel, funcrel, aligned: never used by GNU tools */
		c->bad = true;
		return 0;
	}
	if (enc & DW_EH_PE_indirect)
		c->bad = true;
	return (uintptr_t)v;
}

/* ---- CIEs ---------------------------------------------------------------- */

enum cfi_table_cfa { CFA_REG, CFA_DEREF, CFA_PLT, CFA_SIGNAL, CFA_BAD };
enum cfi_table_reg { REG_SAME, REG_OFFSET, REG_UNDEF, REG_OTHER };

struct cfi_table_state {
	uint8_t cfa;       /* enum cfi_table_cfa */
	uint8_t cfa_reg;
	int64_t cfa_off;
	int64_t aux;       /* DEREF addend, PLT threshold */
	uint8_t rbp, ra;   /* enum cfi_table_reg */
	int64_t rbp_off, ra_off;
};

struct cfi_table_cie {
	uintptr_t addr;       /* 0: empty cache slot */
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool has_aug_data;    /* 'z' */
	bool signal;          /* 'S' */
	uintptr_t insns, insns_end;
	/* the state the initial instructions leave, where DW_CFA_restore
	 * goes back to: run once per CIE, not once per FDE */
	struct cfi_table_state init;
};

/* Reads the length word of a CIE or FDE at p; sets *body and *next. */
static bool cfi_table_record(struct cfi_table_cur *c, uintptr_t *body,
			     uintptr_t *next)
{
	uint64_t len = cfi_table_fixed(c, 4);

	if (len == 0xffffffffu)
		len = cfi_table_fixed(c, 8);
	if (c->bad || len == 0 || len > c->end - c->p)
		return false;
	*body = c->p;
	*next = c->p + len;
	return true;
}

static int cfi_table_parse_cie(const struct cprof__cfi_image *img,
			       uintptr_t addr, uintptr_t limit,
			       struct cfi_table_cie *cie)
{
	struct cfi_table_cur c = cfi_table_cursor(img, addr, limit);
	uintptr_t body, next, aug_end = 0;
	char aug[8];
	size_t n = 0;
	uint8_t version, ch;

	memset(cie, 0, sizeof(*cie));
	if (!cfi_table_record(&c, &body, &next))
		return CPROF_EINVAL;
	c.end = next;
	if (cfi_table_fixed(&c, 4) != 0) /* CIE id is 0 in .eh_frame */
		return CPROF_EINVAL;
	version = cfi_table_u8(&c);
	if (version != 1 && version != 3)
		return CPROF_EINVAL;
	do {
		ch = cfi_table_u8(&c);
		if (n < sizeof(aug))
			aug[n] = (char)ch;
		n++;
	} while (ch != 0 && !c.bad && n <= sizeof(aug));
	if (c.bad || n > sizeof(aug))
		return CPROF_EINVAL;
	if (aug[0] == 'e' && aug[1] == 'h')
		(void)cfi_table_fixed(&c, 8); /* old GCC's eh_data pointer */
	cie->code_align = cfi_table_uleb(&c);
	cie->data_align = cfi_table_sleb(&c);
	cie->ra_reg = version == 1 ? cfi_table_u8(&c) : cfi_table_uleb(&c);
	cie->fde_enc = DW_EH_PE_absptr;
	for (size_t i = 0; i < n && aug[i] != 0; i++) {
		switch (aug[i]) {
		case 'z':
			cie->has_aug_data = true;
			aug_end = (uintptr_t)cfi_table_uleb(&c);
			aug_end = aug_end > c.end - c.p ? 0 : c.p + aug_end;
			if (aug_end == 0)
				return CPROF_EINVAL;
			break;
		case 'R':
			cie->fde_enc = cfi_table_u8(&c);
			break;
		case 'L':
			(void)cfi_table_u8(&c);
			break;
		case 'P': /* personality: read past, never followed */
			(void)cfi_table_ptr(&c, cfi_table_u8(&c) &
					    ~DW_EH_PE_indirect, 0);
			break;
		case 'S':
			cie->signal = true;
			break;
		case 'e': case 'h': case 'B': case 'G':
			break;
		default:
			/* unknown letters: only skippable through 'z' */
			if (!cie->has_aug_data)
				return CPROF_EINVAL;
			i = n;
			break;
		}
	}
	if (aug_end != 0)
		c.p = aug_end;
	if (c.bad || cie->code_align == 0)
		return CPROF_EINVAL;
	cie->addr = addr;
	cie->insns = c.p;
	cie->insns_end = c.end;
	return 0;
}

/* ---- the CFA machine ----------------------------------------------------- */


/* Recognises the two expressions that matter (cfi-unwinding.md section 5):
 *   breg(R) N; deref; plus_uconst K        perlasm stack realignment
 *   breg7 N; breg16 0; lit15; and; litT; ge; lit3; shl; plus     .plt
 *   breg7 160; deref                       the signal trampoline
 * Anything else is BAD (one frame-pointer step at run time). */
static void cfi_table_cfa_expr(struct cfi_table_cur *c, uint64_t len,
			       struct cfi_table_state *s)
{
	struct cfi_table_cur e = *c;
	uint8_t op, b[7];
	int64_t off;

	s->cfa = CFA_BAD;
	if (len > c->end - c->p) {
		c->bad = true;
		return;
	}
	e.end = c->p + len;
	c->p += len;
	op = cfi_table_u8(&e);
	if (op < DW_OP_breg0 || op > DW_OP_breg0 + 16)
		return;
	off = cfi_table_sleb(&e);
	if (op != DW_OP_breg0 + 16 && cfi_table_u8(&e) == DW_OP_deref) {
		if (e.p == e.end && e.bad == false && op == DW_OP_breg0 + 7 &&
		    off == CFI_UC_RSP) {
			s->cfa = CFA_SIGNAL;
			return;
		}
		if (cfi_table_u8(&e) != DW_OP_plus_uconst)
			return;
		s->aux = (int64_t)cfi_table_uleb(&e);
		if (e.bad || e.p != e.end)
			return;
		s->cfa = CFA_DEREF;
		s->cfa_reg = op - DW_OP_breg0;
		s->cfa_off = off;
		return;
	}
	e.p = c->p - len;
	if (op != DW_OP_breg0 + CFI_REG_RSP)
		return;
	(void)cfi_table_u8(&e);
	(void)cfi_table_sleb(&e);
	if (cfi_table_u8(&e) != DW_OP_breg0 + 16 || cfi_table_sleb(&e) != 0)
		return;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = cfi_table_u8(&e);
	if (e.bad || e.p != e.end || b[0] != DW_OP_lit0 + 15 ||
	    b[1] != DW_OP_and || b[2] < DW_OP_lit0 || b[2] > DW_OP_lit0 + 15 ||
	    b[3] != DW_OP_ge || b[4] != DW_OP_lit0 + 3 || b[5] != DW_OP_shl ||
	    b[6] != DW_OP_plus)
		return;
	s->cfa = CFA_PLT;
	s->cfa_reg = CFI_REG_RSP;
	s->cfa_off = off;
	s->aux = b[2] - DW_OP_lit0;
}

/* Sets register reg's rule; only rbp and the return address are kept. */
static void cfi_table_set_reg(struct cfi_table_state *s, uint64_t ra_reg,
			      uint64_t reg, uint8_t how, int64_t off)
{
	if (reg == CFI_REG_RBP) {
		s->rbp = how;
		s->rbp_off = off;
	} else if (reg == ra_reg) {
		s->ra = how;
		s->ra_off = off;
	}
}

static void cfi_table_restore_reg(struct cfi_table_state *s,
				  const struct cfi_table_state *init,
				  uint64_t ra_reg, uint64_t reg)
{
	if (reg == CFI_REG_RBP) {
		s->rbp = init->rbp;
		s->rbp_off = init->rbp_off;
	} else if (reg == ra_reg) {
		s->ra = init->ra;
		s->ra_off = init->ra_off;
	}
}

/* The packed rule for a state; BAD when it does not fit or cannot be
 * followed. */
static uint64_t cfi_table_rule(const struct cfi_table_state *s, bool signal)
{
	int rbp = 0;

	if (s->ra == REG_UNDEF)
		return cprof__cfi_rule_pack(CPROF_CFI_STOP, 0, 0, 0, 0);
	if (s->cfa == CFA_SIGNAL && signal)
		return cprof__cfi_rule_pack(CPROF_CFI_SIGNAL, CFI_REG_RSP, 0,
					    0, 0);
	if (s->ra != REG_OFFSET || s->ra_off != -8 || s->cfa == CFA_BAD ||
	    s->cfa == CFA_SIGNAL || s->cfa_off < CPROF_CFI_CFA_MIN ||
	    s->cfa_off > CPROF_CFI_CFA_MAX || s->cfa_reg > 16)
		return cprof__cfi_rule_pack(CPROF_CFI_BAD, 0, 0, 0, 0);
	if (s->rbp == REG_OFFSET && s->rbp_off != 0 && s->rbp_off > INT16_MIN &&
	    s->rbp_off <= INT16_MAX)
		rbp = (int)s->rbp_off;
	else if (s->rbp != REG_SAME)
		rbp = CPROF_CFI_RBP_UNDEF;
	switch (s->cfa) {
	case CFA_REG:
		return cprof__cfi_rule_pack(CPROF_CFI_REG, s->cfa_reg, rbp,
					    (int)s->cfa_off, 0);
	case CFA_DEREF:
		if (s->aux < 0 || s->aux % 8 != 0 || s->aux / 8 > 255)
			break;
		return cprof__cfi_rule_pack(CPROF_CFI_DEREF, s->cfa_reg, rbp,
					    (int)s->cfa_off,
					    (unsigned)(s->aux / 8));
	case CFA_PLT:
		return cprof__cfi_rule_pack(CPROF_CFI_PLT, CFI_REG_RSP, rbp,
					    (int)s->cfa_off, (unsigned)s->aux);
	default:
		break;
	}
	return cprof__cfi_rule_pack(CPROF_CFI_BAD, 0, 0, 0, 0);
}

/* ---- the table under construction --------------------------------------- */

struct cfi_table_builder {
	const struct cprof__cfi_image *img;
	uint32_t *pc;
	uint16_t *idx;
	uint32_t nrows, cap;
	uint64_t *rules;
	uint32_t nrules;
	uint32_t hash[CFI_TABLE_RULE_HASH]; /* rule index + 1, 0 = empty */
	struct cfi_table_cie cies[CFI_TABLE_CIE_CACHE];
	struct cprof__cfi_table_stats stats;
	bool oom;
};

static int cfi_table_rule_index(struct cfi_table_builder *b, uint64_t rule)
{
	uint32_t h = (uint32_t)((rule * 0x9e3779b97f4a7c15ull) >> 52);

	for (uint32_t i = 0; i < CFI_TABLE_RULE_HASH; i++) {
		uint32_t slot = (h + i) & (CFI_TABLE_RULE_HASH - 1);

		if (b->hash[slot] == 0) {
			if (b->nrules >= CFI_TABLE_MAX_RULES)
				return -1;
			b->rules[b->nrules] = rule;
			b->hash[slot] = ++b->nrules;
			return (int)b->nrules - 1;
		}
		if (b->rules[b->hash[slot] - 1] == rule)
			return (int)b->hash[slot] - 1;
	}
	return -1;
}

/* Moves [old, old + used) into a fresh mapping of size bytes. */
static void *cfi_table_remap(void *old, size_t used, size_t old_size,
			     size_t size)
{
	void *p = cprof__map(size);

	if (p != NULL && used > 0)
		memcpy(p, old, used);
	if (p != NULL)
		cprof__unmap(old, old_size);
	return p;
}

static bool cfi_table_grow(struct cfi_table_builder *b)
{
	uint32_t cap = b->cap ? b->cap * 2 : 4096;
	uint32_t *pc;
	uint16_t *idx;

	if (b->cap >= CFI_TABLE_MAX_ROWS)
		return false;
	pc = cfi_table_remap(b->pc, b->nrows * sizeof(*pc),
			     b->cap * sizeof(*pc), cap * sizeof(*pc));
	if (pc == NULL)
		return false;
	b->pc = pc;
	idx = cfi_table_remap(b->idx, b->nrows * sizeof(*idx),
			      b->cap * sizeof(*idx), cap * sizeof(*idx));
	if (idx == NULL)
		return false; /* pc grew already; cap stays: both still fit */
	b->idx = idx;
	b->cap = cap;
	return true;
}

/* Appends a row at run-time address pc. Rows stay strictly ascending: a
 * row at the same pc replaces the last one, an identical rule is merged
 * into it, and a row below the last (overlapping FDEs) is dropped. */
static void cfi_table_emit(struct cfi_table_builder *b, uintptr_t pc,
			   uint64_t rule)
{
	uint64_t off64 = pc - b->img->bias;
	uint32_t off = (uint32_t)off64;
	int ix;

	if (b->oom || pc < b->img->bias || off64 > UINT32_MAX)
		return;
	if (b->nrows > 0) {
		uint32_t last = b->nrows - 1;

		if (off < b->pc[last])
			return;
		if (off == b->pc[last]) {
			if (last > 0 && b->rules[b->idx[last - 1]] == rule) {
				b->nrows--;
				return;
			}
			ix = cfi_table_rule_index(b, rule);
			b->idx[last] = (uint16_t)(ix < 0 ? 0 : ix);
			return;
		}
		if (b->rules[b->idx[last]] == rule)
			return;
	}
	if (b->nrows == b->cap && !cfi_table_grow(b)) {
		b->oom = true;
		return;
	}
	ix = cfi_table_rule_index(b, rule);
	if (ix < 0) { /* more distinct rules than indexes: mark BAD */
		ix = 0;
		b->stats.bad_rows++;
	} else if (cprof__cfi_rule_kind(rule) == CPROF_CFI_BAD) {
		b->stats.bad_rows++;
	}
	b->pc[b->nrows] = off;
	b->idx[b->nrows] = (uint16_t)ix;
	b->nrows++;
}

struct cfi_table_run {
	struct cfi_table_builder *b;
	const struct cfi_table_cie *cie;
	struct cfi_table_state init; /* after the CIE's instructions */
	uintptr_t loc, end;          /* current row's pc; the FDE's end */
	bool emit;                   /* false while running the CIE */
};

static void cfi_table_advance(struct cfi_table_run *r,
			      const struct cfi_table_state *s, uintptr_t to)
{
	if (!r->emit)
		return;
	if (to > r->end)
		to = r->end;
	if (to > r->loc) {
		cfi_table_emit(r->b, r->loc, cfi_table_rule(s, r->cie->signal));
		r->loc = to;
	}
}

/* Runs the instructions in c over state s. Every instruction consumes at
 * least one byte, so the loop ends within the record. */
static void cfi_table_exec(struct cfi_table_run *r, struct cfi_table_cur *c,
			   struct cfi_table_state *s)
{
	struct cfi_table_state stack[CFI_TABLE_STATE_DEPTH];
	const struct cfi_table_cie *cie = r->cie;
	int depth = 0;
	uint64_t reg, u;

	while (c->p < c->end && !c->bad) {
		uint8_t op = cfi_table_u8(c);

		switch (op & 0xc0) {
		case DW_CFA_advance_loc:
			cfi_table_advance(r, s, r->loc + (op & 0x3f) *
						cie->code_align);
			continue;
		case DW_CFA_offset:
			u = cfi_table_uleb(c);
			cfi_table_set_reg(s, cie->ra_reg, op & 0x3f,
					  REG_OFFSET,
					  (int64_t)u * cie->data_align);
			continue;
		case DW_CFA_restore:
			cfi_table_restore_reg(s, &r->init, cie->ra_reg,
					      op & 0x3f);
			continue;
		}
		switch (op) {
		case DW_CFA_nop:
			break;
		case DW_CFA_set_loc:
			cfi_table_advance(r, s, cfi_table_ptr(c, cie->fde_enc,
							      0));
			break;
		case DW_CFA_advance_loc1:
			cfi_table_advance(r, s, r->loc + cfi_table_fixed(c, 1) *
						cie->code_align);
			break;
		case DW_CFA_advance_loc2:
			cfi_table_advance(r, s, r->loc + cfi_table_fixed(c, 2) *
						cie->code_align);
			break;
		case DW_CFA_advance_loc4:
			cfi_table_advance(r, s, r->loc + cfi_table_fixed(c, 4) *
						cie->code_align);
			break;
		case DW_CFA_offset_extended:
			reg = cfi_table_uleb(c);
			u = cfi_table_uleb(c);
			cfi_table_set_reg(s, cie->ra_reg, reg, REG_OFFSET,
					  (int64_t)u * cie->data_align);
			break;
		case DW_CFA_offset_extended_sf:
			reg = cfi_table_uleb(c);
			cfi_table_set_reg(s, cie->ra_reg, reg, REG_OFFSET,
					  cfi_table_sleb(c) * cie->data_align);
			break;
		case DW_CFA_GNU_negative_offset_extended:
			reg = cfi_table_uleb(c);
			u = cfi_table_uleb(c);
			cfi_table_set_reg(s, cie->ra_reg, reg, REG_OFFSET,
					  -(int64_t)u * cie->data_align);
			break;
		case DW_CFA_restore_extended:
			cfi_table_restore_reg(s, &r->init, cie->ra_reg,
					      cfi_table_uleb(c));
			break;
		case DW_CFA_undefined:
			cfi_table_set_reg(s, cie->ra_reg, cfi_table_uleb(c),
					  REG_UNDEF, 0);
			break;
		case DW_CFA_same_value:
			cfi_table_set_reg(s, cie->ra_reg, cfi_table_uleb(c),
					  REG_SAME, 0);
			break;
		case DW_CFA_register:
			reg = cfi_table_uleb(c);
			(void)cfi_table_uleb(c);
			cfi_table_set_reg(s, cie->ra_reg, reg, REG_OTHER, 0);
			break;
		case DW_CFA_val_offset:
		case DW_CFA_val_offset_sf:
			reg = cfi_table_uleb(c);
			if (op == DW_CFA_val_offset)
				(void)cfi_table_uleb(c);
			else
				(void)cfi_table_sleb(c);
			cfi_table_set_reg(s, cie->ra_reg, reg, REG_OTHER, 0);
			break;
		case DW_CFA_remember_state:
			if (depth < CFI_TABLE_STATE_DEPTH)
				stack[depth] = *s;
			depth++;
			break;
		case DW_CFA_restore_state:
			if (depth == 0) {
				c->bad = true;
				break;
			}
			depth--;
			if (depth < CFI_TABLE_STATE_DEPTH) {
				/* the CFA rule is restored too (DWARF 5
				 * clarified this; GCC relies on it) */
				*s = stack[depth];
			} else {
				s->cfa = CFA_BAD;
			}
			break;
		case DW_CFA_def_cfa:
			s->cfa_reg = (uint8_t)cfi_table_uleb(c);
			s->cfa_off = (int64_t)cfi_table_uleb(c);
			s->cfa = s->cfa_reg <= 16 ? CFA_REG : CFA_BAD;
			break;
		case DW_CFA_def_cfa_sf:
			s->cfa_reg = (uint8_t)cfi_table_uleb(c);
			s->cfa_off = cfi_table_sleb(c) * cie->data_align;
			s->cfa = s->cfa_reg <= 16 ? CFA_REG : CFA_BAD;
			break;
		case DW_CFA_def_cfa_register:
			s->cfa_reg = (uint8_t)cfi_table_uleb(c);
			if (s->cfa != CFA_REG || s->cfa_reg > 16)
				s->cfa = CFA_BAD;
			break;
		case DW_CFA_def_cfa_offset:
			s->cfa_off = (int64_t)cfi_table_uleb(c);
			if (s->cfa != CFA_REG)
				s->cfa = CFA_BAD;
			break;
		case DW_CFA_def_cfa_offset_sf:
			s->cfa_off = cfi_table_sleb(c) * cie->data_align;
			if (s->cfa != CFA_REG)
				s->cfa = CFA_BAD;
			break;
		case DW_CFA_def_cfa_expression:
			cfi_table_cfa_expr(c, cfi_table_uleb(c), s);
			break;
		case DW_CFA_expression:
		case DW_CFA_val_expression:
			reg = cfi_table_uleb(c);
			u = cfi_table_uleb(c);
			if (u > c->end - c->p)
				c->bad = true;
			else
				c->p += u;
			/* signal frames describe every register this way;
			 * the walker reads the ucontext instead */
			if (!cie->signal)
				cfi_table_set_reg(s, cie->ra_reg, reg,
						  REG_OTHER, 0);
			break;
		case DW_CFA_GNU_args_size:
			(void)cfi_table_uleb(c);
			break;
		default:
			c->bad = true; /* unknown opcode: length unknown */
			break;
		}
	}
}

/* Runs the CIE's initial instructions once, into cie->init. */
static bool cfi_table_cie_init(struct cfi_table_builder *b,
			       struct cfi_table_cie *cie)
{
	struct cfi_table_run r = { .b = b, .cie = cie };
	struct cfi_table_cur c = cfi_table_cursor(b->img, cie->insns,
						  cie->insns_end);
	struct cfi_table_state s;

	memset(&s, 0, sizeof(s));
	s.cfa = CFA_BAD;
	s.rbp = REG_SAME;
	s.ra = REG_OTHER;
	r.init = s;
	cfi_table_exec(&r, &c, &s);
	cie->init = s;
	return !c.bad;
}

static const struct cfi_table_cie *
cfi_table_cie(struct cfi_table_builder *b, uintptr_t addr, uintptr_t limit)
{
	struct cfi_table_cie *slot =
		&b->cies[(addr >> 3) % CFI_TABLE_CIE_CACHE];

	if (slot->addr == addr)
		return slot;
	if (cfi_table_parse_cie(b->img, addr, limit, slot) != 0 ||
	    !cfi_table_cie_init(b, slot)) {
		slot->addr = 0;
		return NULL;
	}
	return slot;
}

/* Interprets the FDE at addr; returns false if it was malformed. */
static bool cfi_table_fde(struct cfi_table_builder *b, uintptr_t addr,
			  uintptr_t limit)
{
	struct cfi_table_cur c = cfi_table_cursor(b->img, addr, limit);
	struct cfi_table_run r = { .b = b };
	struct cfi_table_state s;
	uintptr_t body, next, cie_ptr, begin, range;

	if (!cfi_table_record(&c, &body, &next))
		return false;
	c.end = next;
	cie_ptr = c.p;
	cie_ptr -= (uint32_t)cfi_table_fixed(&c, 4);
	if (c.bad || cie_ptr == c.p - 4)
		return false; /* a CIE, not an FDE */
	r.cie = cfi_table_cie(b, cie_ptr, limit);
	if (r.cie == NULL)
		return false;
	begin = cfi_table_ptr(&c, r.cie->fde_enc, 0);
	range = cfi_table_ptr(&c, r.cie->fde_enc & 0x0f, 0);
	if (r.cie->has_aug_data) {
		uint64_t n = cfi_table_uleb(&c);

		if (n > c.end - c.p)
			return false;
		c.p += n;
	}
	if (c.bad || begin < b->img->text_lo || range > b->img->text_hi ||
	    begin > b->img->text_hi - range)
		return false;

	s = r.cie->init;
	r.init = s;
	r.loc = begin;
	r.end = begin + range;
	r.emit = true;
	cfi_table_exec(&r, &c, &s);
	if (c.bad)
		return false;
	cfi_table_advance(&r, &s, r.end);
	cfi_table_emit(b, r.end, CPROF_CFI_NONE);
	return true;
}

/* ---- the whole object ---------------------------------------------------- */

static int cfi_table_finish(struct cfi_table_builder *b,
			    struct cprof__cfi_table **out)
{
	size_t head = (sizeof(struct cprof__cfi_table) + 7) & ~(size_t)7;
	size_t pcs = (size_t)b->nrows * sizeof(uint32_t);
	size_t idx = ((size_t)b->nrows * sizeof(uint16_t) + 7) & ~(size_t)7;
	size_t rules = (size_t)b->nrules * sizeof(uint64_t);
	size_t size = head + rules + pcs + idx;
	struct cprof__cfi_table *t;
	char *p;

	t = cprof__map(size);
	if (t == NULL)
		return CPROF_ENOMEM;
	p = (char *)t + head;
	/* rules first: 8-byte aligned, and the most reused */
	if (rules > 0)
		memcpy(p, b->rules, rules);
	t->rules = (const uint64_t *)p;
	p += rules;
	if (pcs > 0)
		memcpy(p, b->pc, pcs);
	t->pc = (const uint32_t *)p;
	p += pcs;
	if (pcs > 0)
		memcpy(p, b->idx, (size_t)b->nrows * sizeof(uint16_t));
	t->rule = (const uint16_t *)p;
	t->nrows = b->nrows;
	t->nrules = b->nrules;
	t->map_size = size;
	t->stats = b->stats;
	*out = t;
	return 0;
}

static void cfi_table_builder_free(struct cfi_table_builder *b)
{
	if (b == NULL)
		return;
	cprof__unmap(b->pc, b->cap * sizeof(*b->pc));
	cprof__unmap(b->idx, b->cap * sizeof(*b->idx));
	cprof__unmap(b->rules, CFI_TABLE_MAX_RULES * sizeof(uint64_t));
	cprof__unmap(b, sizeof(*b));
}

int cprof__cfi_table_build(const struct cprof__cfi_image *img,
			   struct cprof__cfi_table **out)
{
	struct cfi_table_cur c = cfi_table_cursor(img, img->eh_frame_hdr,
						  UINTPTR_MAX);
	struct cfi_table_builder *b;
	uintptr_t hdr = img->eh_frame_hdr, eh_frame, limit;
	uint8_t version, ptr_enc, count_enc, table_enc;
	uint64_t count;
	int64_t t0 = cprof__now_ns();
	int64_t c0 = cprof__clock_ns(CLOCK_THREAD_CPUTIME_ID);
	int err;

	*out = NULL;
	version = cfi_table_u8(&c);
	ptr_enc = cfi_table_u8(&c);
	count_enc = cfi_table_u8(&c);
	table_enc = cfi_table_u8(&c);
	if (c.bad || version != 1)
		return CPROF_EINVAL;
	eh_frame = cfi_table_ptr(&c, ptr_enc, hdr);
	/* The binary search table gives the FDEs in pc order; without it (a
	 * linker that left it out) the object unwinds by frame pointers. */
	if (count_enc == DW_EH_PE_omit || table_enc != (DW_EH_PE_datarel |
							DW_EH_PE_sdata4))
		return CPROF_EINVAL;
	count = cfi_table_ptr(&c, count_enc, hdr);
	if (c.bad || count > CFI_TABLE_MAX_FDES || count * 8 > c.end - c.p)
		return CPROF_EINVAL;
	/* the FDEs lie in .eh_frame's segment; find its end */
	limit = 0;
	for (int i = 0; i < img->nseg && i < CPROF_CFI_MAX_SEGMENTS; i++)
		if (eh_frame >= img->seg[i].lo && eh_frame < img->seg[i].hi)
			limit = img->seg[i].hi;
	if (limit == 0)
		return CPROF_EINVAL;

	b = cprof__map(sizeof(*b));
	if (b == NULL)
		return CPROF_ENOMEM;
	b->img = img;
	/* untouched pages of a mapping cost nothing */
	b->rules = cprof__map(CFI_TABLE_MAX_RULES * sizeof(uint64_t));
	err = CPROF_ENOMEM;
	if (b->rules == NULL)
		goto out_free;
	/* rule 0 is NONE, so a zeroed index means "no rule" */
	(void)cfi_table_rule_index(b, CPROF_CFI_NONE);
	for (uint64_t i = 0; i < count && !b->oom; i++) {
		uintptr_t fde;

		(void)cfi_table_ptr(&c, table_enc, hdr);  /* initial loc */
		fde = cfi_table_ptr(&c, table_enc, hdr);
		if (c.bad)
			break;
		b->stats.fdes++;
		if (!cfi_table_fde(b, fde, limit))
			b->stats.bad_fdes++;
	}
	if (b->oom)
		goto out_free;
	b->stats.build_ns = (uint64_t)(cprof__now_ns() - t0);
	b->stats.build_cpu_ns =
		(uint64_t)(cprof__clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0);
	err = cfi_table_finish(b, out);
out_free:
	cfi_table_builder_free(b);
	return err;
}

int cprof__cfi_table_empty(struct cprof__cfi_table **out)
{
	struct cfi_table_builder b;

	memset(&b, 0, sizeof(b));
	return cfi_table_finish(&b, out);
}

void cprof__cfi_table_free(struct cprof__cfi_table *t)
{
	if (t != NULL)
		cprof__unmap(t, t->map_size);
}
