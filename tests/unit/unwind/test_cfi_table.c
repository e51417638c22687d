/*
 * test_cfi_table.c - the .eh_frame parser and the registry, without
 * sampling.
 *
 * A hand-assembled .eh_frame_hdr/.eh_frame image checks the rows the CFA
 * machine produces for each construct the walker supports (rsp/rbp CFA,
 * the perlasm dereferenced CFA, the .plt expression, a signal CIE, an
 * undefined return address, remember/restore_state, a gap between FDEs).
 * Random bytes behind a valid header must never crash the builder. The
 * real objects of this process must parse with no bad FDE, rows strictly
 * ascending, glibc's __restore_rt a signal frame and _start a stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/cfi_registry.h"
#include "capture/cfi_table.h"
#include "cprof.h"

/* ---- a tiny assembler for .eh_frame bytes --------------------------------- */

struct img {
	uint8_t b[4096];
	size_t n;
};

static void put(struct img *m, const void *p, size_t len)
{
	memcpy(m->b + m->n, p, len);
	m->n += len;
}
static void u8(struct img *m, uint8_t v) { put(m, &v, 1); }
static void u32(struct img *m, uint32_t v) { put(m, &v, 4); }
static void u64(struct img *m, uint64_t v) { put(m, &v, 8); }
static void bytes(struct img *m, const char *s, size_t len) { put(m, s, len); }
static void set32(struct img *m, size_t at, uint32_t v)
{
	memcpy(m->b + at, &v, 4);
}

#define TEXT 0x100000u

/* A CIE with augmentation aug ("zR" or "zRS"), absptr FDE pointers,
 * code align 1, data align -8, RA column 16, CFA = rsp + 8, RA at CFA - 8.
 * Returns its offset. */
static size_t cie(struct img *m, const char *aug)
{
	size_t at = m->n;

	u32(m, 0);
	u32(m, 0);  /* CIE id */
	u8(m, 1);   /* version */
	bytes(m, aug, strlen(aug) + 1);
	u8(m, 1);    /* code align */
	u8(m, 0x78); /* data align -8 */
	u8(m, 16);   /* RA column */
	u8(m, 1);    /* augmentation data length */
	u8(m, 0x00); /* FDE pointer encoding: absptr */
	if (strchr(aug, 'S') == NULL)
		bytes(m, "\x0c\x07\x08\x90\x01", 5); /* def_cfa rsp+8; RA@-8 */
	while ((m->n - at) % 8 != 4)
		u8(m, 0);
	set32(m, at, (uint32_t)(m->n - at - 4));
	return at;
}

static size_t fde(struct img *m, size_t cie_at, uint64_t begin, uint64_t len,
		  const char *insns, size_t ninsns)
{
	size_t at = m->n;

	u32(m, 0);
	u32(m, (uint32_t)(m->n - cie_at));
	u64(m, begin);
	u64(m, len);
	u8(m, 0); /* augmentation data length */
	bytes(m, insns, ninsns);
	while ((m->n - at) % 8 != 4)
		u8(m, 0);
	set32(m, at, (uint32_t)(m->n - at - 4));
	return at;
}

/* .eh_frame_hdr with a sorted table over fdes[] (starts ascending). */
static size_t hdr(struct img *m, size_t eh_frame, const uint64_t *starts,
		  const size_t *fdes, int n)
{
	size_t at = m->n;

	u8(m, 1);
	u8(m, 0x1b); /* pcrel sdata4 */
	u8(m, 0x03); /* udata4 */
	u8(m, 0x3b); /* datarel sdata4 */
	u32(m, (uint32_t)(int32_t)(eh_frame - m->n));
	u32(m, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		/* initial locations are datarel too: relative to the header */
		u32(m, (uint32_t)(int32_t)(starts[i] - (uint64_t)(uintptr_t)(m->b + at)));
		u32(m, (uint32_t)(int32_t)(fdes[i] - at));
	}
	return at;
}

static struct cprof__cfi_image image_of(struct img *m, size_t hdr_at)
{
	struct cprof__cfi_image img;

	memset(&img, 0, sizeof(img));
	img.bias = TEXT;
	img.eh_frame_hdr = (uintptr_t)(m->b + hdr_at);
	img.text_lo = TEXT;
	img.text_hi = TEXT + 0x10000;
	img.nseg = 1;
	img.seg[0].lo = (uintptr_t)m->b;
	img.seg[0].hi = (uintptr_t)(m->b + m->n);
	return img;
}

static uint64_t rule_at(const struct cprof__cfi_table *t, uint32_t off)
{
	return cprof__cfi_table_lookup_as(t, off);
}

#define REG(reg, cfa, rbp) cprof__cfi_rule_pack(CPROF_CFI_REG, reg, rbp, cfa, 0)

static void test_synthetic(void **state)
{
	static struct img m; /* static: the image must not move */
	struct cprof__cfi_image img;
	struct cprof__cfi_table *t;
	uint64_t starts[5];
	size_t fdes[5], c1, c2, h;

	memset(&m, 0, sizeof(m));
	c1 = cie(&m, "zR");
	/* push rbp; mov rsp,rbp; ...; remember; leave; ret path; restore */
	fdes[0] = fde(&m, c1, TEXT + 0x10, 0x40,
		      "\x41\x0e\x10\x86\x02"  /* +1: cfa rsp+16, rbp@-16 */
		      "\x43\x0d\x06"          /* +4: cfa rbp+16 */
		      "\x50\x0a"              /* +16: remember */
		      "\x0c\x07\x08"          /*      cfa rsp+8 (epilogue) */
		      "\x41\x0b", 15);        /* +17: restore */
	starts[0] = TEXT + 0x10;
	/* perlasm: CFA = *(rsp + 40) + 8, rbp@-16 */
	fdes[1] = fde(&m, c1, TEXT + 0x100, 0x20,
		      "\x44\x0f\x05\x77\x28\x06\x23\x08\x86\x02", 10);
	starts[1] = TEXT + 0x100;
	/* .plt: the linker's expression */
	fdes[2] = fde(&m, c1, TEXT + 0x200, 0x40,
		      "\x0e\x10\x46\x0f\x0b\x77\x08\x80\x00\x3f\x1a\x3b\x2a"
		      "\x33\x24\x22", 16);
	starts[2] = TEXT + 0x200;
	/* _start: RA undefined */
	fdes[3] = fde(&m, c1, TEXT + 0x300, 0x10, "\x07\x10", 2);
	starts[3] = TEXT + 0x300;
	c2 = cie(&m, "zRS");
	fdes[4] = fde(&m, c2, TEXT + 0x400, 0x10,
		      "\x0f\x04\x77\xa0\x01\x06", 6); /* breg7 160; deref */
	starts[4] = TEXT + 0x400;
	u32(&m, 0);
	h = hdr(&m, 0, starts, fdes, 5);
	img = image_of(&m, h);

	assert_int_equal(cprof__cfi_table_build(&img, &t), 0);
	assert_int_equal(t->stats.fdes, 5);
	assert_int_equal(t->stats.bad_fdes, 0);
	assert_int_equal(t->stats.bad_rows, 0);
	assert_int_equal(rule_at(t, 0x0), CPROF_CFI_NONE);
	assert_int_equal(rule_at(t, 0x10), REG(7, 8, 0));
	assert_int_equal(rule_at(t, 0x11), REG(7, 16, -16));
	assert_int_equal(rule_at(t, 0x14), REG(6, 16, -16));
	assert_int_equal(rule_at(t, 0x20), REG(6, 16, -16));
	assert_int_equal(rule_at(t, 0x24), REG(7, 8, -16));
	assert_int_equal(rule_at(t, 0x25), REG(6, 16, -16));
	assert_int_equal(rule_at(t, 0x4f), REG(6, 16, -16));
	assert_int_equal(rule_at(t, 0x50), CPROF_CFI_NONE);
	assert_int_equal(rule_at(t, 0x103), REG(7, 8, 0));
	assert_int_equal(rule_at(t, 0x104),
			 cprof__cfi_rule_pack(CPROF_CFI_DEREF, 7, -16, 40, 1));
	assert_int_equal(rule_at(t, 0x120), CPROF_CFI_NONE);
	assert_int_equal(rule_at(t, 0x200), REG(7, 16, 0));
	assert_int_equal(rule_at(t, 0x206),
			 cprof__cfi_rule_pack(CPROF_CFI_PLT, 7, 0, 8, 11));
	assert_int_equal(cprof__cfi_rule_kind(rule_at(t, 0x305)),
			 CPROF_CFI_STOP);
	assert_int_equal(cprof__cfi_rule_kind(rule_at(t, 0x40f)),
			 CPROF_CFI_SIGNAL);
	assert_int_equal(rule_at(t, 0x410), CPROF_CFI_NONE);
	assert_int_equal(rule_at(t, 0xffff), CPROF_CFI_NONE);
	cprof__cfi_table_free(t);

	/* a header pointing outside the image is refused */
	img.seg[0].hi = img.seg[0].lo + 2;
	assert_int_equal(cprof__cfi_table_build(&img, &t), CPROF_EINVAL);
}

/* Random bytes behind a valid header: the builder returns, never faults,
 * and any table it returns is ordered. */
static void test_garbage_image(void **state)
{
	static struct img m;
	unsigned seed = 12345;

	for (int round = 0; round < 3000; round++) {
		struct cprof__cfi_image img;
		struct cprof__cfi_table *t = NULL;
		uint64_t starts[8];
		size_t fdes[8], c, h;
		char junk[48];
		int err;

		memset(&m, 0, sizeof(m));
		c = cie(&m, round % 3 ? "zR" : "zRS");
		for (int i = 0; i < 8; i++) {
			for (size_t k = 0; k < sizeof(junk); k++)
				junk[k] = (char)(rand_r(&seed) >> 7);
			starts[i] = TEXT + 0x100 * (uint64_t)i;
			fdes[i] = fde(&m, c, starts[i], 0x100, junk,
				      (size_t)(rand_r(&seed) % sizeof(junk)));
		}
		/* corrupt a few bytes anywhere, lengths included */
		for (int k = 0; k < round % 5; k++)
			m.b[rand_r(&seed) % m.n] = (uint8_t)rand_r(&seed);
		h = hdr(&m, 0, starts, fdes, 8);
		img = image_of(&m, h);
		err = cprof__cfi_table_build(&img, &t);
		assert_true(err == 0 || err == CPROF_EINVAL);
		if (t != NULL)
			for (uint32_t i = 1; i < t->nrows; i++)
				assert_true(t->pc[i - 1] < t->pc[i]);
		cprof__cfi_table_free(t);
	}
}

struct survey {
	int objects, bad_fdes;
	uint64_t kinds[8];
	uintptr_t restorer, entry;
	uint64_t restorer_rule, entry_rule;
};

static void survey_one(const char *name, const struct cprof__cfi_object *o,
		       void *arg)
{
	struct survey *s = arg;
	const struct cprof__cfi_table *t = o->table;

	s->objects++;
	s->bad_fdes += (int)t->stats.bad_fdes;
	for (uint32_t i = 0; i < t->nrows; i++) {
		if (i > 0)
			assert_true(t->pc[i - 1] < t->pc[i]);
		assert_true(t->rule[i] < t->nrules);
		s->kinds[cprof__cfi_rule_kind(t->rules[t->rule[i]])]++;
	}
	/* __restore_rt is entered as a return address: looked up at pc-1 */
	if (s->restorer >= o->lo && s->restorer < o->hi)
		s->restorer_rule = cprof__cfi_table_lookup_as(
			t, (uint32_t)(s->restorer - 1 - o->bias));
	if (s->entry >= o->lo && s->entry < o->hi)
		s->entry_rule = cprof__cfi_table_lookup_as(
			t, (uint32_t)(s->entry + 1 - o->bias));
	fprintf(stderr, "  %-50s %7u rows %4u rules %7zu bytes %3u bad %u badfde "
		"%.2f ms\n", name[0] ? name : "(main)", t->nrows, t->nrules,
		t->map_size, t->stats.bad_rows, t->stats.bad_fdes, t->stats.build_ns / 1e6);
}

static void sig_nop(int sig) { (void)sig; }

static void test_process(void **state)
{
	struct survey s;
	struct sigaction sa, old;

	memset(&s, 0, sizeof(s));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_nop;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	s.restorer = (uintptr_t)old.sa_restorer;
	s.entry = getauxval(AT_ENTRY);
	assert_int_equal(cprof__cfi_init(), 0);
	cprof__cfi_registry_each(survey_one, &s);
	assert_true(s.objects >= 4); /* main, libc, ld.so, vDSO, cmocka */
	assert_int_equal(s.bad_fdes, 0);
	assert_true(s.kinds[CPROF_CFI_REG] > 1000);
	assert_true(s.kinds[CPROF_CFI_PLT] >= 1);
	assert_true(s.kinds[CPROF_CFI_STOP] >= 1);
	assert_int_equal(cprof__cfi_rule_kind(s.restorer_rule),
			 CPROF_CFI_SIGNAL);
	assert_int_equal(cprof__cfi_rule_kind(s.entry_rule), CPROF_CFI_STOP);

	/* nothing changed: a refresh publishes nothing */
	{
		struct cprof__cfi_registry_stats a, b;

		cprof__cfi_registry_stats(&a);
		cprof__cfi_refresh();
		cprof__cfi_registry_stats(&b);
		assert_int_equal(a.refreshes, b.refreshes);
	}
	/* a fork child starts with no walker in flight; tables still work */
	{
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			struct cprof__cfi_registry_stats a;

			cprof__cfi_atfork_child();
			cprof__cfi_refresh();
			cprof__cfi_registry_stats(&a);
			_exit(a.objects >= 4 &&
			      atomic_load(&cprof__cfi_shared.readers[0]) == 0 ?
				      0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	cprof__cfi_fini();
	assert_int_equal(atomic_load(&cprof__cfi_shared.current), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_garbage_image),
		cmocka_unit_test(test_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
