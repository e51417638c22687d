/*
 * cpu_signal.h - the CPU profiling signal: its handler and its installation.
 */
#ifndef CPROF_SRC_CAPTURE_CPU_SIGNAL_H
#define CPROF_SRC_CAPTURE_CPU_SIGNAL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

/* The handler (cpu_signal_as.c). Async-signal-safe. */
void cprof__cpu_signal_handler_as(int signo, siginfo_t *si, void *uc);
/* Samples are taken only while this is true (cprof__cpu_signal_enable). */
extern _Atomic bool cprof__cpu_signal_enabled;

/* Installs the handler for signo. CPROF_ENOTSUP (and one line on stderr)
 * when the host already handles that signal: cprof never steals it. */
int cprof__cpu_signal_install(int signo);
/* Samples are taken only between enable and disable. */
void cprof__cpu_signal_enable(bool on);
/* False when the host has since installed its own handler for the signal
 * (then cprof must stop sending it). */
bool cprof__cpu_signal_still_ours(void);

/* The signal our handler is installed on, or 0 (none, or the host has
 * since taken it). */
int cprof__cpu_signal_number(void);

/* The C library's sigaction, bypassing our interposed one. */
int cprof__real_sigaction(int signo, const struct sigaction *act,
			  struct sigaction *old);
/* For the interposed sigaction/signal: true when signo is the signal our
 * handler is installed on. */
bool cprof__cpu_signal_is_ours(int signo);
/* What the host would see for the signal without us: the disposition that
 * was in place before cprof installed its handler. */
void cprof__cpu_signal_host_view(struct sigaction *old);

#endif
