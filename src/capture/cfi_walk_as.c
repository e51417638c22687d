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
/* pc cache: direct-mapped, 16 bytes an entry (64 KiB). */
#define CFI_WALK_CACHE_SIZE 4096
/* Counter slots, spread by stack address so threads rarely share one. */
#define CFI_WALK_STAT_SLOTS 16
/* A return address below this is garbage, not code. */
#define CFI_WALK_MIN_PC 4096
/* NONE with this register marks "pc outside every object". */
#define CFI_WALK_REG_NO_OBJECT 31

struct cfi_walk_entry {
	_Atomic uint64_t key; /* pc ^ gen << 48 */
	_Atomic uint64_t val; /* rule, key check in bits 56..63 */
};

static struct cfi_walk_entry cfi_walk_cache[CFI_WALK_CACHE_SIZE]
	__attribute__((aligned(64)));

struct cfi_walk_slot {
	_Atomic uint64_t v[sizeof(struct cprof__cfi_walk_stats) /
			   sizeof(uint64_t)];
} __attribute__((aligned(128)));

static struct cfi_walk_slot cfi_walk_slots[CFI_WALK_STAT_SLOTS];

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
	uint64_t snap_gen_key; /* gen << 48, mixed into cache keys */
	bool cache_on;
	struct cprof__stack_bounds cur, other; /* stack in use; the other one */
	/* Where the stack is read: address + shift (0, or the offset of a
	 * copy of another thread's stack). */
	uintptr_t shift;
	struct cprof__cfi_walk_stats st;
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

/* ---- rule lookup ---------------------------------------------------------- */

static inline uint64_t cfi_walk_check(uint64_t key)
{
	return (key ^ key >> 20 ^ key >> 40) << 56;
}

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

static __attribute__((noinline)) uint64_t
cfi_walk_miss(struct cfi_walk *w, struct cfi_walk_entry *e, uint64_t key,
	      uintptr_t pc)
{
	uint64_t rule = cfi_walk_search(w->snap, pc);

	w->st.cache_misses++;
	if (w->snap != NULL && w->cache_on) {
		atomic_store_explicit(&e->val, rule | cfi_walk_check(key),
				      memory_order_relaxed);
		atomic_store_explicit(&e->key, key, memory_order_relaxed);
	}
	return rule;
}

/* The rule for pc: the cache, else the tables. Two relaxed words per
 * entry: a torn pair fails the check (but for a 1/256 chance, and then
 * yields a wrong rule whose reads are still bounded, never a wild
 * pointer). The key carries the snapshot's generation, so entries of a
 * superseded snapshot never match. */
static inline uint64_t cfi_walk_lookup(struct cfi_walk *w, uintptr_t pc)
{
	uint64_t key = pc ^ w->snap_gen_key;
	struct cfi_walk_entry *e =
		&cfi_walk_cache[(pc ^ pc >> 12) & (CFI_WALK_CACHE_SIZE - 1)];
	uint64_t v = atomic_load_explicit(&e->val, memory_order_relaxed);

	if (atomic_load_explicit(&e->key, memory_order_relaxed) == key &&
	    (v >> 56) == (cfi_walk_check(key) >> 56) && w->cache_on) {
		return v & 0x00ffffffffffffffull;
	}
	return cfi_walk_miss(w, e, key, pc);
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

	w->st.fp_steps++;
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
	w->st.signal_frames++;
	return true;
}

/* Everything but the common REG rule: 1 moved, 0 clean end, -1 cannot go
 * on. Out of line to keep the hot loop small. */
static __attribute__((noinline)) int cfi_walk_slow_step(struct cfi_walk *w,
							uint64_t r)
{
	int moved;

	switch (cprof__cfi_rule_kind(r)) {
	case CPROF_CFI_STOP:
		return 0;
	case CPROF_CFI_SIGNAL:
		if (cfi_walk_signal_step(w))
			return 1;
		w->st.trunc_stack++;
		return -1;
	case CPROF_CFI_NONE:
		if (cprof__cfi_rule_reg(r) == CFI_WALK_REG_NO_OBJECT)
			w->st.unknown_pcs++;
		break;
	case CPROF_CFI_BAD:
		break;
	default:
		moved = cfi_walk_cfa_step(w, r);
		if (moved > 0)
			return 1;
		if (moved < 0) {
			w->st.trunc_stack++;
			return -1;
		}
		break;
	}
	if (cfi_walk_fp_step(w))
		return 1;
	w->st.trunc_fp++;
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

/* Adds this walk's counts to a slot. Plain relaxed load + store, not an
 * atomic add: two threads sharing a slot at the same instant may lose a
 * count, which a statistic can afford; a locked add per counter cannot. */
static __attribute__((noinline)) void
cfi_walk_account(struct cfi_walk *w, struct cprof__stack_bounds b)
{
	struct cfi_walk_slot *slot =
		&cfi_walk_slots[(b.hi >> 16) % CFI_WALK_STAT_SLOTS];
	const uint64_t *v = (const uint64_t *)&w->st;

	w->st.cache_hits = w->st.frames - 1 - w->st.cache_misses;
	for (size_t i = 0; i < sizeof(w->st) / sizeof(uint64_t); i++)
		if (v[i] != 0)
			atomic_store_explicit(
				&slot->v[i],
				atomic_load_explicit(&slot->v[i],
						     memory_order_relaxed) + v[i],
				memory_order_relaxed);
	if (w->st.unknown_pcs != 0)
		atomic_fetch_add_explicit(&cprof__cfi_shared.unknown_pcs, 1,
					  memory_order_relaxed);
}

/*
 * The hot loop is written for a cold start: a sample finds the walker's
 * code and data out of the CPU caches, so every cache line it touches
 * costs about as much as the work. The common frame (a cached rule, CFA
 * from rsp or rbp) is handled inline on locals; everything else syncs
 * the locals into w and goes through cfi_walk_slow_step, out of line.
 */
static inline __attribute__((always_inline)) int
cfi_unwind(const struct cprof__regs *regs, struct cprof__stack_bounds bounds,
	   uintptr_t shift, uintptr_t *pcs, int max, enum cprof__unwind_end *end,
	   struct cprof__cfi_read_log *log)
{
	struct cfi_walk w;
	uintptr_t cur, pc, sp, fp, lo, hi;
	unsigned epoch;
	int n = 0, step = 1;

	*end = CPROF_UNWIND_TRUNCATED;
	if (max <= 0)
		return 0;
	if (max > CFI_WALK_MAX_FRAMES)
		max = CFI_WALK_MAX_FRAMES;
	memset(&w.st, 0, sizeof(w.st));
	w.full = regs->r;
	w.valid = regs->valid;
	w.fp_ok = (regs->valid & 1u << CPROF_REG_RBP) != 0;
	w.exact = true;
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
	w.cache_on = atomic_load_explicit(&cprof__cfi_shared.cache_on,
					  memory_order_relaxed);

	pcs[n++] = pc;
	while (n < max) {
		uint64_t r = cfi_walk_lookup(&w, w.exact ? pc : pc - 1);
		unsigned reg = cprof__cfi_rule_reg(r);
		int rbp = cprof__cfi_rule_rbp(r);
		uintptr_t cfa, ra;

		if (cprof__cfi_rule_kind(r) != CPROF_CFI_REG ||
		    (reg != CPROF_REG_RSP && (reg != CPROF_REG_RBP || !w.fp_ok)))
			goto slow;
		cfa = (reg == CPROF_REG_RSP ? sp : fp) +
		      (uintptr_t)(intptr_t)cprof__cfi_rule_cfa(r);
		/* the CFA lies above the frame; RA at CFA - 8 is in bounds */
		if (cfa < sp + 8 || cfa < sp || cfa > hi || cfa - 8 < lo ||
		    (cfa & 7))
			goto slow;
		ra = *(const volatile uintptr_t *)(cfa - 8 + shift);
		if (log != NULL)
			cfi_walk_log(log, cfa - 8, ra);
		if (rbp != 0) {
			uintptr_t slot = cfa + (uintptr_t)(intptr_t)rbp;

			/* A slot below rsp was popped already (an epilogue:
			 * GCC emits no .cfi_restore after pop %rbp), so rbp
			 * holds the caller's value again: keep it. */
			if (rbp == CPROF_CFI_RBP_UNDEF)
				w.fp_ok = false;
			else if (slot >= sp && slot >= lo && slot < hi - 7 &&
				 !(slot & 7)) {
				fp = *(const volatile uintptr_t *)(slot + shift);
				w.fp_ok = true;
				if (log != NULL)
					cfi_walk_log(log, slot, fp);
			} else if (slot >= sp) {
				w.fp_ok = false;
			}
		}
		sp = cfa;
		pc = ra;
		w.exact = false;
		w.full = NULL;
		goto moved;
slow:
		w.pc = pc;
		w.sp = sp;
		w.fp = fp;
		step = cfi_walk_slow_step(&w, r);
		if (step <= 0)
			break;
		pc = w.pc;
		sp = w.sp;
		fp = w.fp;
		lo = w.cur.lo;
		hi = w.cur.hi;
moved:
		if (pc < CFI_WALK_MIN_PC) {
			/* zero: the outermost frame returns to nowhere */
			step = pc == 0 ? 0 : -1;
			w.st.trunc_stack += pc != 0;
			break;
		}
		pcs[n++] = pc;
	}

	atomic_fetch_sub_explicit(&cprof__cfi_shared.readers[epoch], 1,
				  memory_order_release);

	if (step == 0) {
		*end = CPROF_UNWIND_COMPLETE;
		w.st.complete++;
	} else if (step > 0) {
		w.st.trunc_depth++;
	}
	w.st.walks = 1;
	w.st.frames = (uint64_t)n;
	cfi_walk_account(&w, bounds);
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
	uint64_t *v = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++) {
		v[i] = 0;
		for (int k = 0; k < CFI_WALK_STAT_SLOTS; k++)
			v[i] += atomic_load_explicit(&cfi_walk_slots[k].v[i],
						     memory_order_relaxed);
	}
}

void cprof__cfi_cache_clear(void)
{
	for (int i = 0; i < CFI_WALK_CACHE_SIZE; i++)
		atomic_store_explicit(&cfi_walk_cache[i].key, 0,
				      memory_order_relaxed);
}

void cprof__cfi_cache_enable(bool on)
{
	atomic_store_explicit(&cprof__cfi_shared.cache_on, on,
			      memory_order_relaxed);
}
