/*
 * cfi_walk_as.c - the CFI-table stack walker and its pc -> rule cache.
 *
 * Async-signal-safe: runs in the CPU signal handler and in hooks. It reads
 * only the current snapshot of unwind tables (cfi_registry.h), entered and
 * left through the reader counters so the registry never frees a table
 * under it, and the interrupted thread's stack, every read bounded by the
 * stack range and written overflow-safe (an address is checked as
 * "addr <= hi - size", never "addr + size <= hi").
 *
 * Per frame: look the pc up (exact at the first frame and after a signal
 * frame, pc - 1 for return addresses, so a call at the very end of a
 * function finds its own rule), compute the CFA, read the return address at
 * CFA - 8 and rbp where the rule saved it. Where no rule applies, take one
 * frame-pointer step. Registers other than rsp and rbp are only known at the
 * first frame and after a signal frame (from the ucontext); rules based on
 * them elsewhere take the frame-pointer step too.
 */
#include "capture/cfi_walk.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <ucontext.h>

#include "capture/cfi_registry.h"
#include "capture/cfi_table.h"

/* Hard cap on frames, whatever max the caller passes. */
#define CFI_WALK_MAX_FRAMES 1024
/* A return address below this is garbage, not code. */
#define CFI_WALK_MIN_PC 4096
/* NONE with this register marks "pc outside every object". */
#define CFI_WALK_REG_NO_OBJECT 31

/*
 * The pc cache: CPROF_CFI_CACHE_SLOTS direct-mapped 8-byte entries in the
 * shared page (cfi_registry.h), one relaxed atomic word each, so a reader
 * never sees half an entry:
 *
 *   bits  0..31  the rule, compact (below)
 *   bits 32..63  tag: a hash of the pc and the snapshot's generation, odd
 *                (0 is an empty entry)
 *
 * Two pcs share a tag and a slot with odds of about 2^-40 a pair; the
 * rule then read is wrong for one of them, and its reads still bounded.
 *
 * A compact rule holds what a table rule holds when it fits:
 *
 *   bits  0..2   kind; CFI_WALK_FULL: does not fit, search the tables
 *   bits  3..7   register
 *   bits  8..15  rbp / 8, signed; CFI_WALK_RBP8_UNDEF: unknown
 *   bits 16..19  aux
 *   bits 20..31  CFA offset / 8, signed (+-16 KiB)
 *
 * so the hot loop decodes it with a shift or two.
 */
#define CFI_WALK_FULL 7u
#define CFI_WALK_RBP8_UNDEF INT8_MIN
#define CFI_WALK_KR(kind, reg) ((kind) | (reg) << 3)

/* Indices of cprof__cfi_shared.rare. */
enum cfi_walk_rare {
	CFI_RARE_TRUNC_DEPTH,
	CFI_RARE_TRUNC_STACK,
	CFI_RARE_TRUNC_FP,
	CFI_RARE_FP_STEPS,
	CFI_RARE_SIGNAL_FRAMES,
	CFI_RARE_UNKNOWN_PCS,
	CFI_RARE_CACHE_MISSES,
};
_Static_assert(CFI_RARE_CACHE_MISSES + 1 == CPROF_CFI_RARE_COUNTS,
	       "one rare counter each");

/* The walk's registers. Only rip, rsp and rbp move from frame to frame;
 * the others are known only while full points at a complete set (the
 * first frame of a signal context, or the ucontext of a signal frame). */
struct cfi_walk {
	uintptr_t pc, sp, fp;
	bool fp_ok;
	bool exact; /* pc is not a return address: look it up as is */
	uint32_t valid;      /* of full[] */
	const uintptr_t *full;
	const struct cprof__cfi_snapshot *snap;
	uint64_t snap_gen_key; /* gen << 48, mixed into cache tags */
	bool cache_on;
	struct cprof__stack_bounds cur, other; /* stack in use; the other one */
	/* Where the stack is read: address + shift (0, or the offset of a
	 * copy of another thread's stack). */
	uintptr_t shift;
	uint64_t rare[CPROF_CFI_RARE_COUNTS];
	uintptr_t sigregs[CPROF_REG_COUNT];
	struct cprof__cfi_read_log *log; /* NULL: reads are not logged */
};

/* ---- bounded reads -------------------------------------------------------- */

static inline bool cfi_walk_in(const struct cprof__stack_bounds *b,
			       uintptr_t addr, uintptr_t size)
{
	return addr >= b->lo && addr < b->hi && size <= b->hi - addr;
}

static inline void cfi_walk_log(struct cprof__cfi_read_log *log,
				uintptr_t addr, uintptr_t val)
{
	if (log->n == CPROF_CFI_READ_LOG_MAX) {
		log->full = true;
		return;
	}
	log->addr[log->n] = addr;
	log->val[log->n++] = val;
}

static inline bool cfi_walk_read(const struct cfi_walk *w, uintptr_t addr,
				 uintptr_t *out)
{
	if (!cfi_walk_in(&w->cur, addr, sizeof(uintptr_t)) || (addr & 7))
		return false;
	*out = *(const volatile uintptr_t *)(addr + w->shift);
	if (w->log != NULL)
		cfi_walk_log(w->log, addr, *out);
	return true;
}

/* ---- compact rules -------------------------------------------------------- */

static uint32_t cfi_walk_compact(uint64_t r)
{
	unsigned kind = cprof__cfi_rule_kind(r), aux = cprof__cfi_rule_aux(r);
	int rbp = cprof__cfi_rule_rbp(r), cfa = cprof__cfi_rule_cfa(r);
	int rbp8 = rbp == CPROF_CFI_RBP_UNDEF ? CFI_WALK_RBP8_UNDEF : rbp / 8;

	if ((cfa & 7) || cfa / 8 < -2048 || cfa / 8 > 2047 || aux > 15 ||
	    (rbp != CPROF_CFI_RBP_UNDEF &&
	     ((rbp & 7) || rbp8 <= CFI_WALK_RBP8_UNDEF || rbp8 > INT8_MAX)))
		return CFI_WALK_FULL;
	return kind | cprof__cfi_rule_reg(r) << 3 | (uint32_t)(uint8_t)rbp8 << 8 |
	       aux << 16 | (uint32_t)(cfa / 8) << 20;
}

static inline int cfi_walk_c_rbp(uint32_t c)
{
	int rbp8 = (int8_t)(c >> 8);

	return rbp8 == CFI_WALK_RBP8_UNDEF ? CPROF_CFI_RBP_UNDEF : rbp8 * 8;
}

static inline intptr_t cfi_walk_c_cfa(uint32_t c)
{
	return (intptr_t)((int32_t)c >> 20) * 8;
}

/* ---- rule lookup ---------------------------------------------------------- */

/* The table search behind the cache (out of line: the hot loop stays
 * small, which matters most when the walker's code is cold). */
static __attribute__((noinline)) uint64_t
cfi_walk_search(const struct cprof__cfi_snapshot *s, uintptr_t pc)
{
	uint32_t lo = 0, hi;
	const struct cprof__cfi_object *o;

	if (s == NULL || s->nobjects == 0)
		goto none;
	hi = s->nobjects;
	/* find the last object with lo <= pc; at most 32 halvings */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->objects[mid].lo <= pc)
			lo = mid;
		else
			hi = mid;
	}
	o = &s->objects[lo];
	if (pc < o->lo || pc >= o->hi || pc < o->bias ||
	    pc - o->bias > UINT32_MAX)
		goto none;
	return cprof__cfi_table_lookup_as(o->table, (uint32_t)(pc - o->bias));
none:
	return cprof__cfi_rule_pack(CPROF_CFI_NONE, CFI_WALK_REG_NO_OBJECT, 0,
				    0, 0);
}

static inline uint64_t cfi_walk_tag(uintptr_t pc, uint64_t gen_key)
{
	return (((pc ^ gen_key) * 0x9e3779b97f4a7c15ull) >> 32 | 1) << 32;
}

/* The slot of pc: a cheap mix of its bits (the slot is on the walk's
 * critical path, the tag is not). */
static inline _Atomic uint64_t *cfi_walk_slot(uintptr_t pc)
{
	unsigned i = (unsigned)(pc ^ pc >> 9) & 511;

	if (i >= CPROF_CFI_CACHE_SLOTS)
		i -= 256;
	return &cprof__cfi_shared.cache[i];
}

static __attribute__((noinline)) uint32_t
cfi_walk_miss(struct cfi_walk *w, uintptr_t pc)
{
	uint32_t c = cfi_walk_compact(cfi_walk_search(w->snap, pc));

	w->rare[CFI_RARE_CACHE_MISSES]++;
	if (w->snap != NULL && w->cache_on)
		atomic_store_explicit(cfi_walk_slot(pc),
				      cfi_walk_tag(pc, w->snap_gen_key) | c,
				      memory_order_relaxed);
	return c;
}

/* The compact rule for pc: the cache, else the tables. The tag carries
 * the snapshot's generation, so entries of a superseded snapshot do not
 * match. */
static inline uint32_t cfi_walk_lookup(struct cfi_walk *w, uintptr_t pc)
{
	uint64_t e = atomic_load_explicit(cfi_walk_slot(pc),
					  memory_order_relaxed);

	if ((e & ~(uint64_t)UINT32_MAX) == cfi_walk_tag(pc, w->snap_gen_key) &&
	    w->cache_on)
		return (uint32_t)e;
	return cfi_walk_miss(w, pc);
}

/* ---- steps ---------------------------------------------------------------- */

/* The value of DWARF register reg where the walk stands, if known. */
static inline bool cfi_walk_reg(const struct cfi_walk *w, unsigned reg,
				uintptr_t *out)
{
	if (reg == CPROF_REG_RSP) {
		*out = w->sp;
		return true;
	}
	if (reg == CPROF_REG_RBP) {
		*out = w->fp;
		return w->fp_ok;
	}
	if (w->full == NULL || reg >= CPROF_REG_COUNT ||
	    !(w->valid & 1u << reg))
		return false;
	*out = w->full[reg];
	return true;
}

/* One frame-pointer step: rbp points at {saved rbp, return address}. */
static __attribute__((noinline)) bool cfi_walk_fp_step(struct cfi_walk *w)
{
	uintptr_t fp = w->fp, next, ra;

	w->rare[CFI_RARE_FP_STEPS]++;
	if (!w->fp_ok || fp < w->sp || !cfi_walk_read(w, fp, &next) ||
	    !cfi_walk_read(w, fp + 8, &ra))
		return false;
	w->fp = next;
	w->sp = fp + 16;
	w->pc = ra;
	w->exact = false;
	w->full = NULL;
	return true;
}

/* The CFA for rule r, or false when it cannot be computed here. */
static inline bool cfi_walk_cfa(struct cfi_walk *w, uint64_t r,
				uintptr_t *cfa)
{
	unsigned kind = cprof__cfi_rule_kind(r);
	uintptr_t base, v;
	intptr_t off = cprof__cfi_rule_cfa(r);

	if (kind == CPROF_CFI_PLT) {
		*cfa = w->sp + (uintptr_t)off +
		       ((w->pc & 15) >= cprof__cfi_rule_aux(r) ? 8 : 0);
		return true;
	}
	if (!cfi_walk_reg(w, cprof__cfi_rule_reg(r), &base))
		return false;
	if (kind == CPROF_CFI_REG) {
		*cfa = base + (uintptr_t)off;
		return true;
	}
	/* DEREF */
	if (!cfi_walk_read(w, base + (uintptr_t)off, &v))
		return false;
	*cfa = v + 8u * cprof__cfi_rule_aux(r);
	return true;
}

/* A step by a REG, DEREF or PLT rule: 1 moved, 0 the rule cannot be
 * followed here (take the frame-pointer step), -1 the stack is out of
 * bounds (the walk ends). */
static inline int cfi_walk_cfa_step(struct cfi_walk *w, uint64_t r)
{
	uintptr_t cfa, ra, slot;
	int rbp = cprof__cfi_rule_rbp(r);

	if (!cfi_walk_cfa(w, r, &cfa))
		return 0;
	/* the CFA lies above the frame: the walk always moves up */
	if (cfa < w->sp + 8 || cfa < w->sp || !cfi_walk_read(w, cfa - 8, &ra))
		return -1;
	if (rbp == CPROF_CFI_RBP_UNDEF) {
		w->fp_ok = false;
	} else if (rbp != 0) {
		slot = cfa + (uintptr_t)(intptr_t)rbp;
		/* A slot below rsp was popped already (an epilogue: GCC
		 * does not emit .cfi_restore after pop %rbp): rbp holds the
		 * caller's value again, keep it. */
		if (slot >= w->sp)
			w->fp_ok = cfi_walk_read(w, slot, &w->fp);
	}
	w->sp = cfa;
	w->pc = ra;
	w->exact = false;
	w->full = NULL;
	return 1;
}

/* Which gregs[] entry holds DWARF register i (the kernel's order). */
static const unsigned char cfi_walk_greg[CPROF_REG_COUNT] = {
	REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP,
	REG_RSP, REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13,
	REG_R14, REG_R15, REG_RIP,
};

/* Switches to the other stack range when sp left the current one (out of
 * an alternate signal stack, back to the thread's stack). */
static bool cfi_walk_find_stack(struct cfi_walk *w, uintptr_t sp)
{
	struct cprof__stack_bounds t;

	if (cfi_walk_in(&w->cur, sp, 0))
		return true;
	if (!cfi_walk_in(&w->other, sp, 0))
		return false;
	t = w->cur;
	w->cur = w->other;
	w->other = t;
	return true;
}

/* A signal trampoline: the kernel's ucontext sits at rsp, holding every
 * register of the interrupted code. */
static bool cfi_walk_signal_step(struct cfi_walk *w)
{
	const uintptr_t gregs = w->sp + offsetof(ucontext_t, uc_mcontext.gregs);
	uintptr_t *v = w->sigregs;

	for (unsigned i = 0; i < CPROF_REG_COUNT; i++)
		if (!cfi_walk_read(w, gregs + 8u * cfi_walk_greg[i], &v[i]))
			return false;
	if (!cfi_walk_find_stack(w, v[CPROF_REG_RSP]))
		return false;
	w->full = v;
	w->valid = (1u << CPROF_REG_COUNT) - 1;
	w->sp = v[CPROF_REG_RSP];
	w->fp = v[CPROF_REG_RBP];
	w->fp_ok = true;
	w->pc = v[CPROF_REG_RIP];
	w->exact = true;
	w->rare[CFI_RARE_SIGNAL_FRAMES]++;
	return true;
}

/* The table rule a compact one stands for (searched again when it did
 * not fit). */
static uint64_t cfi_walk_expand(const struct cfi_walk *w, uint32_t c)
{
	if ((c & 7) == CFI_WALK_FULL)
		return cfi_walk_search(w->snap, w->exact ? w->pc : w->pc - 1);
	return cprof__cfi_rule_pack(c & 7, (c >> 3) & 31, cfi_walk_c_rbp(c),
				    (int)cfi_walk_c_cfa(c), (c >> 16) & 15);
}

/* Everything but the common rules (CFA from rsp or rbp, the end of the
 * stack): 1 moved, 0 clean end, -1 cannot go on. Out of line to keep the
 * hot loop small. */
static __attribute__((noinline)) int cfi_walk_slow_step(struct cfi_walk *w,
							uint32_t c)
{
	uint64_t r = cfi_walk_expand(w, c);
	int moved;

	switch (cprof__cfi_rule_kind(r)) {
	case CPROF_CFI_STOP:
		return 0;
	case CPROF_CFI_SIGNAL:
		if (cfi_walk_signal_step(w))
			return 1;
		w->rare[CFI_RARE_TRUNC_STACK]++;
		return -1;
	case CPROF_CFI_NONE:
		if (cprof__cfi_rule_reg(r) == CFI_WALK_REG_NO_OBJECT)
			w->rare[CFI_RARE_UNKNOWN_PCS]++;
		break;
	case CPROF_CFI_BAD:
		break;
	default:
		moved = cfi_walk_cfa_step(w, r);
		if (moved > 0)
			return 1;
		if (moved < 0) {
			w->rare[CFI_RARE_TRUNC_STACK]++;
			return -1;
		}
		break;
	}
	if (cfi_walk_fp_step(w))
		return 1;
	w->rare[CFI_RARE_TRUNC_FP]++;
	return -1;
}

/* ---- the walk ------------------------------------------------------------- */

/* Interrupted on an alternate signal stack (a host's SIGSEGV handler): walk
 * there first, then back on the thread's stack once a signal frame brings
 * rsp back. sigaltstack(2) is a plain syscall. */
static __attribute__((noinline)) void cfi_walk_altstack(struct cfi_walk *w)
{
	stack_t ss;

	if (w->log != NULL)
		w->log->full = true; /* the walk depends on more than memory */
	if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE) &&
	    ss.ss_size > 0) {
		w->other = w->cur;
		w->cur.lo = (uintptr_t)ss.ss_sp;
		w->cur.hi = (uintptr_t)ss.ss_sp + ss.ss_size;
	}
}

/* Adds a relaxed count: load + store, not an atomic add (concurrent walks
 * may lose a count, which a statistic can afford; a locked add each
 * cannot be). */
static inline void cfi_walk_count(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

/* The rare counts of a walk that had any (line 1 of the shared page). */
static __attribute__((noinline)) void cfi_walk_account_rare(struct cfi_walk *w)
{
	for (int i = 0; i < CPROF_CFI_RARE_COUNTS; i++)
		if (w->rare[i] != 0)
			cfi_walk_count(&cprof__cfi_shared.rare[i], w->rare[i]);
	if (w->rare[CFI_RARE_UNKNOWN_PCS] != 0)
		cfi_walk_count(&cprof__cfi_shared.unknown_pcs, 1);
}

/*
 * The hot loop is written for a cold start: a sample finds the walker's
 * code and data out of the CPU caches and the TLB, so every cache line and
 * every page it touches costs more than the work. Besides the stack and
 * its code, a walk whose pcs are all cached touches one page
 * (cprof__cfi_shared): one line of it for the snapshot, the reader count
 * and the counters, one line per distinct pc for the cache. The common
 * frame (CFA from rsp or rbp) and the end of the stack are handled inline
 * on locals; everything else syncs the locals into w and goes through
 * cfi_walk_slow_step, out of line.
 */
/* Lines of stack asked for at the start of a walk: a 64-frame walk of
 * small frames reads about 3 KiB. */
#define CFI_WALK_PREFETCH_STACK 32

/* A walk's loads form one chain the CPU cannot overlap (each step needs the
 * previous step's return address), so with cold caches it would pay one
 * miss per stack line and one per distinct pc's cache line, in series. Ask
 * for all the shared page and the first lines of stack at once instead,
 * before the reader count's locked add, which later loads cannot pass:
 * the misses then overlap (about 4 KiB + 2 KiB read from L1 or L2 when
 * they are already warm, a few ns). */
static inline void cfi_walk_prefetch(uintptr_t stack)
{
	const char *page = (const char *)&cprof__cfi_shared;

	__builtin_prefetch(page, 1);
	for (int i = 1; i < 64; i++)
		__builtin_prefetch(page + 64 * i);
	for (int i = 0; i < CFI_WALK_PREFETCH_STACK; i++)
		__builtin_prefetch((const char *)((stack & ~(uintptr_t)63) + 64 * i));
}

static inline __attribute__((always_inline)) int
cfi_unwind(const struct cprof__regs *regs, struct cprof__stack_bounds bounds,
	   uintptr_t shift, uintptr_t *pcs, int max, enum cprof__unwind_end *end,
	   struct cprof__cfi_read_log *log)
{
	struct cfi_walk w;
	uintptr_t cur, pc, sp, fp, lo, hi;
	uint64_t lookups = 0;
	unsigned epoch;
	bool exact = true, fp_ok;
	int n = 0, step = 1;

	*end = CPROF_UNWIND_TRUNCATED;
	if (max <= 0)
		return 0;
	if (max > CFI_WALK_MAX_FRAMES)
		max = CFI_WALK_MAX_FRAMES;
	memset(w.rare, 0, sizeof(w.rare));
	w.full = regs->r;
	w.valid = regs->valid;
	fp_ok = (regs->valid & 1u << CPROF_REG_RBP) != 0;
	w.cur = bounds;
	w.other.lo = w.other.hi = 0;
	w.shift = shift;
	w.log = log;
	pc = regs->r[CPROF_REG_RIP];
	sp = regs->r[CPROF_REG_RSP];
	fp = regs->r[CPROF_REG_RBP];
	if (shift == 0 && !cfi_walk_in(&bounds, sp, 0))
		cfi_walk_altstack(&w);
	lo = w.cur.lo;
	hi = w.cur.hi;

	cfi_walk_prefetch(sp + shift);
	/* enter: count ourselves in the current epoch before loading the
	 * snapshot, so the registry either sees us or we see its new one */
	epoch = atomic_load_explicit(&cprof__cfi_shared.epoch,
				     memory_order_relaxed) & 1;
	atomic_fetch_add_explicit(&cprof__cfi_shared.readers[epoch], 1,
				  memory_order_seq_cst);
	cur = atomic_load_explicit(&cprof__cfi_shared.current,
				   memory_order_seq_cst);
	w.snap = cprof__cfi_snapshot_of(cur);
	if (log != NULL)
		log->tables = cur;
	w.snap_gen_key = (uint64_t)(cur & CPROF_CFI_GEN_MASK) << 48;
	w.cache_on = !atomic_load_explicit(&cprof__cfi_shared.cache_off,
					   memory_order_relaxed);

	pcs[n++] = pc;
	while (n < max) {
		uint32_t c = cfi_walk_lookup(&w, exact ? pc : pc - 1);
		int rbp8 = (int8_t)(c >> 8);
		uintptr_t cfa, ra;

		lookups++;
		if ((c & 0xff) == CFI_WALK_KR(CPROF_CFI_REG, CPROF_REG_RSP))
			cfa = sp;
		else if ((c & 0xff) == CFI_WALK_KR(CPROF_CFI_REG, CPROF_REG_RBP) &&
			 fp_ok)
			cfa = fp;
		else if ((c & 7) == CPROF_CFI_STOP) {
			step = 0;
			break;
		} else
			goto slow;
		cfa += (uintptr_t)cfi_walk_c_cfa(c);
		/* the CFA lies above the frame; RA at CFA - 8 is in bounds */
		if (cfa < sp + 8 || cfa < sp || cfa > hi || cfa - 8 < lo ||
		    (cfa & 7))
			goto slow;
		ra = *(const volatile uintptr_t *)(cfa - 8 + shift);
		if (log != NULL)
			cfi_walk_log(log, cfa - 8, ra);
		if (rbp8 != 0) {
			uintptr_t slot = cfa + (uintptr_t)(intptr_t)(rbp8 * 8);

			/* A slot below rsp was popped already (an epilogue:
			 * GCC emits no .cfi_restore after pop %rbp), so rbp
			 * holds the caller's value again: keep it. */
			if (rbp8 == CFI_WALK_RBP8_UNDEF)
				fp_ok = false;
			else if (slot >= sp && slot >= lo && slot < hi - 7 &&
				 !(slot & 7)) {
				fp = *(const volatile uintptr_t *)(slot + shift);
				fp_ok = true;
				if (log != NULL)
					cfi_walk_log(log, slot, fp);
			} else if (slot >= sp) {
				fp_ok = false;
			}
		}
		sp = cfa;
		pc = ra;
		exact = false;
		w.full = NULL;
		goto moved;
slow:
		w.pc = pc;
		w.sp = sp;
		w.fp = fp;
		w.fp_ok = fp_ok;
		w.exact = exact;
		step = cfi_walk_slow_step(&w, c);
		if (step <= 0)
			break;
		pc = w.pc;
		sp = w.sp;
		fp = w.fp;
		fp_ok = w.fp_ok;
		exact = w.exact;
		lo = w.cur.lo;
		hi = w.cur.hi;
moved:
		if (pc < CFI_WALK_MIN_PC) {
			/* zero: the outermost frame returns to nowhere */
			step = pc == 0 ? 0 : -1;
			w.rare[CFI_RARE_TRUNC_STACK] += pc != 0;
			break;
		}
		pcs[n++] = pc;
	}

	cfi_walk_count(&cprof__cfi_shared.walks, 1);
	cfi_walk_count(&cprof__cfi_shared.frames, (uint64_t)n);
	cfi_walk_count(&cprof__cfi_shared.lookups, lookups);
	atomic_fetch_sub_explicit(&cprof__cfi_shared.readers[epoch], 1,
				  memory_order_release);

	if (step == 0)
		*end = CPROF_UNWIND_COMPLETE;
	else if (step > 0)
		w.rare[CFI_RARE_TRUNC_DEPTH]++;
	for (int i = 0; i < CPROF_CFI_RARE_COUNTS; i++)
		if (w.rare[i] != 0) {
			cfi_walk_account_rare(&w);
			break;
		}
	return n;
}

int cprof__cfi_unwind_as(const struct cprof__regs *regs,
			 struct cprof__stack_bounds bounds, uintptr_t *pcs,
			 int max, enum cprof__unwind_end *end)
{
	return cfi_unwind(regs, bounds, 0, pcs, max, end, NULL);
}

int cprof__cfi_unwind_logged_as(const struct cprof__regs *regs,
				struct cprof__stack_bounds bounds,
				uintptr_t *pcs, int max,
				enum cprof__unwind_end *end,
				struct cprof__cfi_read_log *log)
{
	log->tables = 0;
	log->n = 0;
	log->full = false;
	return cfi_unwind(regs, bounds, 0, pcs, max, end, log);
}

int cprof__cfi_unwind_copy_as(const struct cprof__regs *regs,
			      struct cprof__stack_bounds bounds,
			      uintptr_t shift, uintptr_t *pcs, int max,
			      enum cprof__unwind_end *end)
{
	return cfi_unwind(regs, bounds, shift, pcs, max, end, NULL);
}

void cprof__cfi_walk_stats(struct cprof__cfi_walk_stats *out)
{
	const struct cprof__cfi_shared *s = &cprof__cfi_shared;
	uint64_t r[CPROF_CFI_RARE_COUNTS], lookups;

	for (int i = 0; i < CPROF_CFI_RARE_COUNTS; i++)
		r[i] = atomic_load_explicit(&s->rare[i], memory_order_relaxed);
	out->walks = atomic_load_explicit(&s->walks, memory_order_relaxed);
	out->frames = atomic_load_explicit(&s->frames, memory_order_relaxed);
	lookups = atomic_load_explicit(&s->lookups, memory_order_relaxed);
	out->trunc_depth = r[CFI_RARE_TRUNC_DEPTH];
	out->trunc_stack = r[CFI_RARE_TRUNC_STACK];
	out->trunc_fp = r[CFI_RARE_TRUNC_FP];
	out->fp_steps = r[CFI_RARE_FP_STEPS];
	out->signal_frames = r[CFI_RARE_SIGNAL_FRAMES];
	out->unknown_pcs = r[CFI_RARE_UNKNOWN_PCS];
	out->cache_misses = r[CFI_RARE_CACHE_MISSES];
	/* counts may be lost under concurrency: never wrap below zero */
	out->cache_hits = lookups > out->cache_misses ?
				  lookups - out->cache_misses : 0;
	lookups = out->trunc_depth + out->trunc_stack + out->trunc_fp;
	out->complete = out->walks > lookups ? out->walks - lookups : 0;
}

void cprof__cfi_cache_clear(void)
{
	for (int i = 0; i < CPROF_CFI_CACHE_SLOTS; i++)
		atomic_store_explicit(&cprof__cfi_shared.cache[i], 0,
				      memory_order_relaxed);
}

void cprof__cfi_cache_enable(bool on)
{
	atomic_store_explicit(&cprof__cfi_shared.cache_off, !on,
			      memory_order_relaxed);
}
