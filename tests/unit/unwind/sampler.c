/*
 * sampler.c - the test-only CPU sampler (see sampler.h): per-thread CPU
 * timers, a SIGPROF handler running the CFI walker and libunwind on the same
 * ucontext, samples kept in one preallocated mapping.
 */
#define UNW_LOCAL_ONLY
#include "sampler.h"

#include <dlfcn.h>
#include <errno.h>
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "capture/cfi_walk.h"

static struct sampler_sample *sampler_buf;
static _Atomic int sampler_n;
static _Atomic int sampler_tag;
static int sampler_frames;
static bool sampler_lu;
static __thread struct cprof__stack_bounds sampler_bounds;
static __thread timer_t sampler_timer;
static __thread bool sampler_armed;

void sampler_regs_from_uc(struct cprof__regs *regs, const void *uc)
{
	static const int map[CPROF_REG_COUNT] = {
		REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP,
		REG_RSP, REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13,
		REG_R14, REG_R15, REG_RIP,
	};
	const greg_t *g = ((const ucontext_t *)uc)->uc_mcontext.gregs;

	for (int i = 0; i < CPROF_REG_COUNT; i++)
		regs->r[i] = (uintptr_t)g[map[i]];
	regs->valid = (1u << CPROF_REG_COUNT) - 1;
}

static void sampler_handler(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	int i = atomic_fetch_add(&sampler_n, 1);
	struct sampler_sample *s;
	struct cprof__regs regs;

	if (i >= SAMPLER_MAX_SAMPLES || sampler_bounds.hi == 0) {
		atomic_fetch_sub(&sampler_n, 1);
		errno = saved;
		return;
	}
	s = &sampler_buf[i];
	s->tag = atomic_load(&sampler_tag);
	sampler_regs_from_uc(&regs, uc);
	s->n = cprof__cfi_unwind_as(&regs, sampler_bounds, s->pcs,
				    sampler_frames, &s->end);
	s->nlu = 0;
	if (sampler_lu) {
		unw_cursor_t c;
		unw_word_t ip;

		if (unw_init_local2(&c, uc, UNW_INIT_SIGNAL_FRAME) == 0) {
			do {
				if (unw_get_reg(&c, UNW_REG_IP, &ip) != 0)
					break;
				s->lu[s->nlu++] = ip;
			} while (s->nlu < SAMPLER_MAX_FRAMES &&
				 unw_step(&c) > 0);
		}
	}
	errno = saved;
}

void sampler_init(int frames, bool with_libunwind)
{
	struct sigaction sa;

	if (sampler_buf == NULL)
		sampler_buf = mmap(NULL, SAMPLER_MAX_SAMPLES *
					 sizeof(*sampler_buf),
				   PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sampler_frames = frames;
	sampler_lu = with_libunwind;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sampler_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPROF, &sa, NULL);
}

void sampler_thread_bounds(struct cprof__stack_bounds *out)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	out->lo = out->hi = 0;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
		out->lo = (uintptr_t)addr;
		out->hi = (uintptr_t)addr + size;
	}
	pthread_attr_destroy(&attr);
}

void sampler_thread_on(int hz)
{
	struct sigevent sev;
	struct itimerspec its;
	long ns = 1000000000L / hz;

	sampler_thread_bounds(&sampler_bounds);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &sampler_timer) != 0)
		return;
	its.it_interval.tv_sec = 0;
	its.it_interval.tv_nsec = ns;
	its.it_value = its.it_interval;
	timer_settime(sampler_timer, 0, &its, NULL);
	sampler_armed = true;
}

void sampler_thread_off(void)
{
	if (sampler_armed)
		timer_delete(sampler_timer);
	sampler_armed = false;
}

void sampler_set_tag(int tag) { atomic_store(&sampler_tag, tag); }
int sampler_count(void)
{
	int n = atomic_load(&sampler_n);

	return n < SAMPLER_MAX_SAMPLES ? n : SAMPLER_MAX_SAMPLES;
}
struct sampler_sample *sampler_get(int i) { return &sampler_buf[i]; }
void sampler_reset(void) { atomic_store(&sampler_n, 0); }

const char *sampler_sym(uintptr_t pc)
{
	Dl_info info;

	if (dladdr((void *)(pc - 1), &info) != 0 && info.dli_sname != NULL)
		return info.dli_sname;
	return "?";
}

bool sampler_has(const uintptr_t *pcs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(sampler_sym(i == 0 ? pcs[i] + 1 : pcs[i]), name) == 0)
			return true;
	return false;
}

void sampler_print(const char *what, const uintptr_t *pcs, int n)
{
	fprintf(stderr, "  %s (%d):", what, n);
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %s+%#lx", sampler_sym(i == 0 ? pcs[i] + 1 :
						       pcs[i]),
			(unsigned long)pcs[i]);
	fprintf(stderr, "\n");
}
