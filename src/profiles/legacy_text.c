/*
 * legacy_text.c - Go's legacy text record format (see legacy_text.h).
 *
 * Frame lines follow Go's printStackRecord: "#\t<pc>\t<func>+<off>\t<file>:
 * <line>", or "#\t<pc>" alone for a pc in no known function. The offset is
 * from the start of the symbol containing the pc, as Go's frame.Entry.
 */
#include "profiles/legacy_text.h"

#include <inttypes.h>

#include "symbolize/symbolize.h"

void cprof__legacy_write_pcs(struct cprof__buf *out,
			     const struct cprof__profile *p,
			     const uint64_t *locs, size_t n,
			     bool leaf_is_return)
{
	cprof__buf_puts(out, " @");
	for (size_t i = 0; i < n; i++) {
		const struct cprof__location *l =
			cprof__profile_location(p, locs[i]);
		uint64_t pc = l ? l->address : 0;

		if (i > 0 || leaf_is_return)
			pc++;
		cprof__buf_printf(out, " %#" PRIx64, pc);
	}
	cprof__buf_putc(out, '\n');
}

static void legacy_write_line(struct cprof__buf *out,
			      const struct cprof__profile *p, uint64_t pc,
			      const struct cprof__line *line, uint64_t offset)
{
	const struct cprof__function *f =
		cprof__profile_function(p, line->function_id);
	const char *name = f ? cprof__profile_str(p, f->name) : "";

	if (name[0] == '\0') {
		cprof__buf_printf(out, "#\t%#" PRIx64 "\n", pc);
		return;
	}
	cprof__buf_printf(out, "#\t%#" PRIx64 "\t%s+%#" PRIx64 "\t%s:%" PRId64
			  "\n",
			  pc, name, offset, cprof__profile_str(p, f->filename),
			  line->line);
}

void cprof__legacy_write_frames(struct cprof__buf *out,
				const struct cprof__profile *p,
				const uint64_t *locs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cprof__location *l =
			cprof__profile_location(p, locs[i]);
		uint64_t offset = 0;

		if (l == NULL)
			continue;
		if (l->n_lines == 0 ||
		    cprof__symbolize_offset(l->address, &offset) != 0) {
			cprof__buf_printf(out, "#\t%#" PRIx64 "\n", l->address);
			continue;
		}
		for (size_t k = 0; k < l->n_lines; k++)
			legacy_write_line(out, p, l->address, &l->lines[k],
					  offset);
	}
	cprof__buf_putc(out, '\n');
}
