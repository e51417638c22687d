/*
 * timeline_html.h - the timeline page (src/cli/timeline/timeline.html),
 * embedded in the binary at build time by src/cli/flame/embed.cmake.
 */
#ifndef CPROF_SRC_CLI_TIMELINE_HTML_H
#define CPROF_SRC_CLI_TIMELINE_HTML_H

#include <stddef.h>

extern const unsigned char cprof__timeline_html[]; /* NUL-terminated */
extern const size_t cprof__timeline_html_len;      /* without the NUL */

#endif
