/*
 * timeline.h - the HTML timeline of a trace (`cprof trace -html`): one
 * self-contained page (src/cli/timeline/timeline.html, embedded at build
 * time) that draws every thread's waits, CPU samples, regions, logs and
 * drops over time, and the tasks, from the model trace_model.c loads.
 */
#ifndef CPROF_SRC_CLI_TIMELINE_H
#define CPROF_SRC_CLI_TIMELINE_H

#include <stdio.h>

#include "cli/trace_model.h"

/* Writes the page to f. Returns 0, or -1 when out of memory (nothing
 * written then). */
int cprof__timeline_write(const struct cprof__tm *tm, const char *title,
			  FILE *f);

#endif
