/*
 * flame_html.h - the flame graph page (src/cli/flame/flame.html), embedded
 * in the binary at build time by src/cli/flame/embed.cmake.
 */
#ifndef CPROF_SRC_CLI_FLAME_HTML_H
#define CPROF_SRC_CLI_FLAME_HTML_H

#include <stddef.h>

extern const unsigned char cprof__flame_html[]; /* NUL-terminated */
extern const size_t cprof__flame_html_len;      /* without the NUL */

#endif
