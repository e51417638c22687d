/*
 * thread_dump_linux.c - taking a threads dump (see thread_dump.h).
 *
 * Owns the order of the three methods and the Linux glue they need: the
 * /proc/self/task/TID files (comm, syscall, schedstat) and copies of other
 * threads' stacks with process_vm_readv on ourselves, so that a thread
 * that exits and unmaps its stack mid-copy costs an EFAULT, never a
 * SIGSEGV. The breadcrumb protocol is capture/crumb.h's; the one-shot
 * samples are capture/thread_sample.h's; the walker is the CFI walker over
 * the copy (capture/cfi_walk.h).
 *
 * Consistency: a stack is only used if the thread provably stayed where it
 * was while its stack was copied: the same crumb sequence (1), or the same
 * syscall line and the same run count in schedstat (2). Otherwise the
 * thread is tried again, up to TD_RETRIES times, then taken as running.
 */
#include "profiles/thread_dump.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "capture/cfi_walk.h"
#include "capture/crumb.h"
#include "capture/stackmap.h"
#include "capture/thread_sample.h"
#include "cprof.h"
#include "symbolize/symbolize.h"

#define TD_RETRIES 3
/* Words above a frame searched for its frame record (td_scan_on). */
#define TD_SCAN_WORDS 4096
/* How often the sampling wait looks for finished samples. */
#define TD_POLL_NS 500000

struct td_ref {
	struct cprof__thread *t;
	pid_t tid;
};

struct td_collect {
	struct td_ref *refs;
	size_t n;
};

/* Function starts looked up during one dump, by pc (direct-mapped): each
 * lookup goes through the symbolizer's lock and module sync (a debug=2
 * dump of 1000 threads took 7 s before goroutine.c cached its offsets),
 * and many threads wait in the same place. */
#define TD_STARTS 256

struct td_start {
	uintptr_t pc;
	uintptr_t start; /* 0: no function known */
};

/* Scratch for one dump. */
struct td_ctx {
	unsigned char *copy; /* CPROF_THREAD_DUMP_STACK_BYTES */
	struct td_start starts[TD_STARTS];
};

static void td_collect_each(struct cprof__thread *t, void *arg)
{
	struct td_collect *c = arg;

	if (c->n < CPROF_MAX_THREADS) {
		c->refs[c->n].t = t;
		c->refs[c->n].tid = atomic_load(&t->tid);
		c->n++;
	}
}

/* Reads /proc/self/task/TID/<what> into buf (NUL-terminated); its length,
 * or -1. */
static ssize_t td_read_proc(pid_t tid, const char *what, char *buf,
			    size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The thread's name; false when the thread is gone (its slot not reaped
 * yet). */
static bool td_name(struct cprof__thread_dump_entry *e)
{
	char buf[32];
	ssize_t n = td_read_proc(e->tid, "comm", buf, sizeof(buf));

	if (n < 0)
		return false;
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	buf[sizeof(e->name) - 1] = '\0'; /* comm is at most 15 bytes */
	memcpy(e->name, buf, sizeof(e->name));
	return true;
}

/* The top of the stack that holds sp: the thread's exact range when it was
 * born through our hook, else the writable mapping around sp. 0: none. */
static uintptr_t td_stack_top(const struct cprof__thread *t, uintptr_t sp)
{
	uintptr_t lo, hi;

	if (t->stack_hi != 0 && sp >= t->stack_lo && sp < t->stack_hi)
		return t->stack_hi;
	if (cprof__stackmap_find_as(sp, &lo, &hi))
		return hi;
	return 0;
}

/* Copies [sp, top) (at most the buffer) of our own memory; bytes copied,
 * 0 when sp is unreadable (the thread exited, or the call is refused). */
static size_t td_copy(struct td_ctx *c, uintptr_t sp, uintptr_t top)
{
	size_t len = top > sp ? top - sp : 0;
	struct iovec local, remote;
	ssize_t n;

	if (len > CPROF_THREAD_DUMP_STACK_BYTES)
		len = CPROF_THREAD_DUMP_STACK_BYTES;
	if (len == 0)
		return 0;
	local.iov_base = c->copy;
	local.iov_len = len;
	remote.iov_base = (void *)sp;
	remote.iov_len = len;
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return n > 0 ? (size_t)n : 0;
}

/* Walks the copy of the stack from regs into e. */
static void td_walk(struct td_ctx *c, struct cprof__thread_dump_entry *e,
		    const struct cprof__regs *regs, size_t copied)
{
	uintptr_t sp = regs->r[CPROF_REG_RSP];
	struct cprof__stack_bounds b = {sp, sp + copied};
	enum cprof__unwind_end end = CPROF_UNWIND_TRUNCATED;
	int n;

	if (copied == 0) {
		e->pcs[0] = regs->r[CPROF_REG_RIP];
		e->depth = 1;
		e->truncated = true;
		return;
	}
	n = cprof__cfi_unwind_copy_as(regs, b, (uintptr_t)c->copy - sp,
				      e->pcs, CPROF_MAX_FRAMES, &end);
	e->truncated = end != CPROF_UNWIND_COMPLETE;
	e->depth = cprof__unwind_mark_as(e->pcs, n, CPROF_MAX_FRAMES, end);
}

/* 1: the thread is inside a wrapped call. */
static bool td_from_crumb(struct td_ctx *c, const struct td_ref *r,
			  struct cprof__thread_dump_entry *e)
{
	struct cprof__crumb_view v;
	struct cprof__regs regs;

	for (int i = 0; i < TD_RETRIES; i++) {
		size_t copied;

		if (!cprof__crumb_read(r->t, &v) ||
		    atomic_load(&r->t->tid) != r->tid)
			return false;
		copied = td_copy(c, v.sp, td_stack_top(r->t, v.sp));
		if (!cprof__crumb_still(r->t, &v))
			continue;
		regs.r[CPROF_REG_RIP] = v.pc;
		regs.r[CPROF_REG_RSP] = v.sp;
		regs.r[CPROF_REG_RBP] = v.fp;
		regs.valid = 1u << CPROF_REG_RIP | 1u << CPROF_REG_RSP |
			     1u << CPROF_REG_RBP;
		td_walk(c, e, &regs, copied);
		e->leaf_is_return = true;
		e->state = CPROF_TD_WRAPPED;
		e->call = v.call;
		e->wait_ns = cprof__crumb_age_ns(&v);
		return true;
	}
	return false;
}

/* The run count (third field of schedstat), or -1. */
static long long td_runs(pid_t tid)
{
	char buf[128];
	unsigned long long a, b, runs;

	if (td_read_proc(tid, "schedstat", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%llu %llu %llu", &a, &b, &runs) != 3)
		return -1;
	return (long long)runs;
}

/* "nr a1 ... a6 sp pc" (or "-1 sp pc" outside a syscall): true when the
 * thread is blocked, with nr, sp and pc. */
static bool td_parse_syscall(const char *line, long *nr, uintptr_t *sp,
			     uintptr_t *pc)
{
	unsigned long long v[8];
	int k;

	if (strncmp(line, "running", 7) == 0)
		return false;
	k = sscanf(line, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", nr,
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (k == 9) {
		*sp = (uintptr_t)v[6];
		*pc = (uintptr_t)v[7];
		return true;
	}
	if (k == 3 && *nr == -1) {
		*sp = (uintptr_t)v[0];
		*pc = (uintptr_t)v[1];
		return true;
	}
	return false;
}

/* The start of the function that contains pc, or 0. */
static uintptr_t td_function_start(struct td_ctx *c, uintptr_t pc)
{
	struct td_start *s = &c->starts[(pc ^ pc >> 12) % TD_STARTS];
	uint64_t off;

	if (s->pc != pc) {
		s->pc = pc;
		s->start = cprof__symbolize_offset(pc, &off) == 0 ? pc - off
								 : 0;
	}
	return s->start;
}

/* True when the instruction before ra is a direct call (e8 rel32) to
 * target. The code is read with process_vm_readv: ra may be garbage. */
static bool td_calls(uintptr_t ra, uintptr_t target)
{
	unsigned char code[5];
	struct iovec local = {code, sizeof(code)};
	struct iovec remote = {(void *)(ra - sizeof(code)), sizeof(code)};
	int32_t rel;

	if (ra < 4096 ||
	    process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 5 ||
	    code[0] != 0xe8)
		return false;
	memcpy(&rel, code + 1, sizeof(rel));
	return ra + (uintptr_t)(intptr_t)rel == target;
}

/*
 * A walk from /proc's (pc, sp) ends where a function F's rule needs rbp,
 * and no libc frame below it saved rbp (a thin wrapper such as write): rbp
 * is still in the register, which /proc does not show. If F keeps a frame
 * pointer, its frame record {caller's rbp, return address} lies above the
 * slot that holds the return address into F. Take the first 8-aligned pair
 * there whose return address follows a direct call to F's start and whose
 * saved rbp points further up the copy (reference/blocked-threads.md §5's
 * validated scan; a stale pair left in F's locals fails the call check),
 * and walk on from it.
 */
static void td_scan_on(struct td_ctx *c, struct cprof__thread_dump_entry *e,
		       uintptr_t sp0, size_t copied)
{
	const uintptr_t *w = (const uintptr_t *)c->copy;
	size_t nw = copied / sizeof(uintptr_t), from = 0;
	int last = e->depth - 2; /* the last real pc; then the mark */
	uintptr_t start;

	if (last < 0 || e->depth >= CPROF_MAX_FRAMES ||
	    e->pcs[e->depth - 1] != CPROF_PC_TRUNCATED)
		return;
	start = td_function_start(
		c, last == 0 ? e->pcs[0] : e->pcs[last] - 1);
	if (start == 0)
		return;
	if (last > 0) { /* F's frame begins above its return address */
		while (from < nw && w[from] != e->pcs[last])
			from++;
		from++;
	}
	for (size_t i = from; i + 1 < nw && i < from + TD_SCAN_WORDS; i++) {
		uintptr_t at = sp0 + i * sizeof(uintptr_t), next = w[i];
		struct cprof__stack_bounds b = {at + 16, sp0 + copied};
		struct cprof__regs regs;
		enum cprof__unwind_end end;
		int n;

		if ((next != 0 && (next <= at || next >= b.hi)) ||
		    !td_calls(w[i + 1], start))
			continue;
		regs.r[CPROF_REG_RIP] = w[i + 1];
		regs.r[CPROF_REG_RSP] = at + 16;
		regs.r[CPROF_REG_RBP] = next;
		regs.valid = 1u << CPROF_REG_RIP | 1u << CPROF_REG_RSP |
			     1u << CPROF_REG_RBP;
		n = cprof__cfi_unwind_copy_as(&regs, b, (uintptr_t)c->copy - sp0,
					      e->pcs + last + 1,
					      CPROF_MAX_FRAMES - last - 1, &end);
		e->truncated = end != CPROF_UNWIND_COMPLETE;
		e->depth = cprof__unwind_mark_as(e->pcs, last + 1 + n,
						 CPROF_MAX_FRAMES, end);
		return;
	}
}

/* 2: the thread is blocked outside any wrapper. */
static bool td_from_proc(struct td_ctx *c, const struct td_ref *r,
			 struct cprof__thread_dump_entry *e)
{
	char before[256], after[256];
	struct cprof__regs regs;
	uintptr_t sp, pc;
	long nr;

	for (int i = 0; i < TD_RETRIES; i++) {
		long long runs = td_runs(r->tid);
		size_t copied;

		if (td_read_proc(r->tid, "syscall", before, sizeof(before)) <=
			    0 ||
		    !td_parse_syscall(before, &nr, &sp, &pc))
			return false;
		copied = td_copy(c, sp, td_stack_top(r->t, sp));
		if (td_read_proc(r->tid, "syscall", after, sizeof(after)) <=
			    0 ||
		    strcmp(before, after) != 0 || td_runs(r->tid) != runs)
			continue;
		regs.r[CPROF_REG_RIP] = pc;
		regs.r[CPROF_REG_RSP] = sp;
		regs.valid = 1u << CPROF_REG_RIP | 1u << CPROF_REG_RSP;
		td_walk(c, e, &regs, copied);
		if (e->truncated)
			td_scan_on(c, e, sp, copied);
		e->leaf_is_return = false;
		e->state = CPROF_TD_SYSCALL;
		e->syscall_nr = nr;
		return true;
	}
	return false;
}

static bool td_blocked(struct td_ctx *c, const struct td_ref *r,
		       struct cprof__thread_dump_entry *e)
{
	return td_from_crumb(c, r, e) || td_from_proc(c, r, e);
}

static void td_sleep_ns(long ns)
{
	struct timespec ts = {0, ns};

	nanosleep(&ts, NULL);
}

struct td_pending {
	size_t i;  /* entry index */
	bool armed;
	timer_t timer;
};

/* 3: samples the running threads listed in pend on their own CPU clock,
 * waits at most CPROF_THREAD_DUMP_SAMPLE_WAIT_MS, then looks again at
 * those that were not sampled. False when a handler got stuck with its
 * request (then reqs must be leaked). */
static bool td_sample_running(struct td_ctx *c, const struct td_ref *refs,
			      struct cprof__thread_dump *d,
			      struct td_pending *pend, size_t np,
			      struct cprof__thread_sample *reqs)
{
	int64_t deadline;
	bool ok = true;
	size_t armed = 0;

	for (size_t k = 0; k < np; k++) {
		pend[k].armed = cprof__thread_sample_arm(
			refs[pend[k].i].t, refs[pend[k].i].tid, &reqs[k],
			&pend[k].timer) == 0;
		armed += pend[k].armed;
	}
	deadline = cprof__now_ns() +
		   CPROF_THREAD_DUMP_SAMPLE_WAIT_MS * 1000000LL;
	while (armed > 0 && cprof__now_ns() < deadline) {
		size_t done = 0;

		for (size_t k = 0; k < np; k++)
			done += pend[k].armed &&
				atomic_load(&reqs[k].done) != 0;
		if (done == armed)
			break;
		td_sleep_ns(TD_POLL_NS);
	}
	for (size_t k = 0; k < np; k++) {
		struct cprof__thread_dump_entry *e = &d->e[pend[k].i];
		const struct td_ref *r = &refs[pend[k].i];
		int got = pend[k].armed ? cprof__thread_sample_finish(
						  r->t, &reqs[k], pend[k].timer)
					: 0;

		if (got < 0)
			ok = false;
		if (got > 0) {
			memcpy(e->pcs, reqs[k].pcs,
			       (size_t)reqs[k].depth * sizeof(uintptr_t));
			e->truncated = !reqs[k].complete;
			e->depth = cprof__unwind_mark_as(
				e->pcs, reqs[k].depth, CPROF_MAX_FRAMES,
				e->truncated);
			e->state = CPROF_TD_RUNNING;
		} else if (!td_blocked(c, r, e)) {
			e->state = CPROF_TD_RUNNABLE;
		}
	}
	return ok;
}

/* False when the thread is gone. */
static bool td_entry_init(const struct td_ref *r,
			  struct cprof__thread_dump_entry *e)
{
	int n = (int)atomic_load_explicit(&r->t->created_depth,
					  memory_order_acquire);

	memset(e, 0, sizeof(*e));
	e->tid = r->tid;
	e->wait_ns = -1;
	e->labels = atomic_load_explicit(&r->t->labels, memory_order_acquire);
	if (!td_name(e))
		return false;
	if (n > CPROF_THREAD_CREATOR_FRAMES)
		n = CPROF_THREAD_CREATOR_FRAMES;
	memcpy(e->created_by, r->t->created_by, (size_t)n * sizeof(uintptr_t));
	e->created_depth = n;
	e->created_tid = r->t->created_tid;
	return true;
}

/* Every thread by method 1 or 2, else onto the list of running ones. */
static int td_take_all(struct td_ctx *c, struct td_collect *col,
		       struct cprof__thread_dump *d)
{
	struct td_pending *pend = cprof__calloc(col->n + 1, sizeof(*pend));
	struct cprof__thread_sample *reqs;
	size_t np = 0;

	if (pend == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < col->n; i++) {
		struct cprof__thread_dump_entry *e = &d->e[d->n];

		if (!td_entry_init(&col->refs[i], e))
			continue;
		/* refs[k] stays the thread of entry k */
		col->refs[d->n] = col->refs[i];
		if (!td_blocked(c, &col->refs[d->n], e))
			pend[np++].i = d->n;
		d->n++;
	}
	reqs = cprof__calloc(np + 1, sizeof(*reqs));
	if (reqs == NULL) {
		cprof__free(pend);
		return CPROF_ENOMEM;
	}
	if (td_sample_running(c, col->refs, d, pend, np, reqs))
		cprof__free(reqs);
	cprof__free(pend);
	return 0;
}

int cprof__thread_dump_take(struct cprof__thread_dump *d)
{
	struct td_collect col = {NULL, 0};
	struct td_ctx c;
	int rc = CPROF_ENOMEM;

	d->n = 0;
	d->e = NULL;
	memset(c.starts, 0, sizeof(c.starts));
	c.copy = cprof__alloc(CPROF_THREAD_DUMP_STACK_BYTES);
	col.refs = cprof__calloc(CPROF_MAX_THREADS, sizeof(*col.refs));
	if (c.copy == NULL || col.refs == NULL)
		goto out;
	cprof__threads_each(td_collect_each, &col);
	d->e = cprof__calloc(col.n + 1, sizeof(*d->e));
	if (d->e == NULL)
		goto out;
	rc = td_take_all(&c, &col, d);
out:
	cprof__free(col.refs);
	cprof__free(c.copy);
	if (rc != 0)
		cprof__thread_dump_fini(d);
	return rc;
}

void cprof__thread_dump_fini(struct cprof__thread_dump *d)
{
	cprof__free(d->e);
	d->e = NULL;
	d->n = 0;
}

static void td_count_each(struct cprof__thread *t, void *arg)
{
	(*(long *)arg)++;
}

long cprof__thread_dump_count(void)
{
	long n = 0;

	cprof__threads_each(td_count_each, &n);
	return n;
}

bool cprof__thread_dump_blocked(struct cprof__thread *t, pid_t tid,
				unsigned char *scratch,
				struct cprof__thread_dump_entry *e)
{
	struct td_ctx c = {.copy = scratch};
	struct td_ref r = {t, tid};

	e->tid = tid;
	e->wait_ns = -1;
	e->depth = 0;
	return td_blocked(&c, &r, e);
}
