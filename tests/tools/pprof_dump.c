/*
 * pprof_dump - decode a pprof file with cprof's decoder and print a
 * normalized text dump, for tests to compare against expectations.
 *
 *   pprof_dump FILE             header, then one line per sample
 *   pprof_dump --mappings FILE  one line per mapping
 *
 * Default output, one item per line, in this order:
 *   sample_type: TYPE/UNIT [TYPE/UNIT...]
 *   period_type: TYPE/UNIT
 *   period: N
 *   time_nanos: N
 *   duration_nanos: N
 *   default_sample_type: NAME        (empty when unset)
 *   drop_frames: RE / keep_frames: RE / doc_url: URL  (empty when unset)
 *   comment: TEXT                    (zero or more lines)
 *   samples: N
 *   V1 V2 ... | LEAF;CALLER;...;ROOT[ | KEY=VALUE KEY=NUM[:UNIT] ...]
 * Samples come in file order. The stack lists function names leaf first,
 * a location's inlined lines innermost first; a location without lines
 * prints as 0xADDRESS, a line without a named function as "?". The label
 * part is present only when the sample has labels; a numeric label prints
 * its unit after a colon when it has one. Control characters in strings
 * print as '?', so every item stays on one line.
 *
 * --mappings prints, per mapping in file order:
 *   mapping: id=N start=0xS limit=0xL offset=0xO has_functions=0|1
 *     has_filenames=0|1 has_line_numbers=0|1 has_inline_frames=0|1
 *     build_id=ID file=PATH          (on one line; PATH runs to the end)
 *
 * Exit status: 0 success, 1 usage or I/O error, 2 malformed profile (one
 * line on stderr: "pprof_dump: FILE: REASON").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "pprof/pprof.h"

static void dump_str(FILE *f, const struct cprof__profile *p, int64_t i)
{
	for (const char *s = cprof__profile_str(p, i); *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void dump_vt(FILE *f, const struct cprof__profile *p,
		    const struct cprof__value_type *vt)
{
	dump_str(f, p, vt->type);
	fputc('/', f);
	dump_str(f, p, vt->unit);
}

static void dump_header(FILE *f, const struct cprof__profile *p)
{
	fputs("sample_type:", f);
	for (size_t i = 0; i < p->sample_types.len; i++) {
		fputc(' ', f);
		dump_vt(f, p, &p->sample_types.items[i]);
	}
	fputs("\nperiod_type: ", f);
	dump_vt(f, p, &p->period_type);
	fprintf(f, "\nperiod: %" PRId64 "\ntime_nanos: %" PRId64
		"\nduration_nanos: %" PRId64 "\ndefault_sample_type: ",
		p->period, p->time_nanos, p->duration_nanos);
	dump_str(f, p, p->default_sample_type);
	fputs("\ndrop_frames: ", f);
	dump_str(f, p, p->drop_frames);
	fputs("\nkeep_frames: ", f);
	dump_str(f, p, p->keep_frames);
	fputs("\ndoc_url: ", f);
	dump_str(f, p, p->doc_url);
	fputc('\n', f);
	for (size_t i = 0; i < p->comments.len; i++) {
		fputs("comment: ", f);
		dump_str(f, p, p->comments.items[i]);
		fputc('\n', f);
	}
	fprintf(f, "samples: %zu\n", p->samples.len);
}

static void dump_stack(FILE *f, const struct cprof__profile *p,
		       const struct cprof__sample *s)
{
	bool first = true;

	for (size_t i = 0; i < s->n_locations; i++) {
		const struct cprof__location *l =
			cprof__profile_location(p, s->location_ids[i]);

		if (l != NULL && l->n_lines == 0) {
			fprintf(f, "%s0x%" PRIx64, first ? "" : ";", l->address);
			first = false;
		}
		for (size_t j = 0; l != NULL && j < l->n_lines; j++) {
			const struct cprof__function *fn =
				cprof__profile_function(p, l->lines[j].function_id);

			fputs(first ? "" : ";", f);
			if (fn != NULL && fn->name != 0)
				dump_str(f, p, fn->name);
			else
				fputc('?', f);
			first = false;
		}
	}
}

static void dump_labels(FILE *f, const struct cprof__profile *p,
			const struct cprof__sample *s)
{
	for (size_t i = 0; i < s->n_labels; i++) {
		const struct cprof__label *l = &s->labels[i];

		fputs(i == 0 ? " | " : " ", f);
		dump_str(f, p, l->key);
		fputc('=', f);
		if (l->str != 0) {
			dump_str(f, p, l->str);
			continue;
		}
		fprintf(f, "%" PRId64, l->num);
		if (l->num_unit != 0) {
			fputc(':', f);
			dump_str(f, p, l->num_unit);
		}
	}
}

static void dump_samples(FILE *f, const struct cprof__profile *p)
{
	for (size_t i = 0; i < p->samples.len; i++) {
		const struct cprof__sample *s = &p->samples.items[i];

		for (size_t j = 0; j < s->n_values; j++)
			fprintf(f, "%s%" PRId64, j ? " " : "", s->values[j]);
		fputs(" | ", f);
		dump_stack(f, p, s);
		dump_labels(f, p, s);
		fputc('\n', f);
	}
}

static void dump_mappings(FILE *f, const struct cprof__profile *p)
{
	for (size_t i = 0; i < p->mappings.len; i++) {
		const struct cprof__mapping *m = &p->mappings.items[i];

		fprintf(f, "mapping: id=%" PRIu64 " start=0x%" PRIx64
			" limit=0x%" PRIx64 " offset=0x%" PRIx64
			" has_functions=%d has_filenames=%d"
			" has_line_numbers=%d has_inline_frames=%d build_id=",
			m->id, m->memory_start, m->memory_limit,
			m->file_offset, m->has_functions, m->has_filenames,
			m->has_line_numbers, m->has_inline_frames);
		dump_str(f, p, m->build_id);
		fputs(" file=", f);
		dump_str(f, p, m->filename);
		fputc('\n', f);
	}
}

static int dump_read(const char *path, struct cprof__buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[1 << 16];
	size_t n;
	int rc = 0;

	if (f == NULL)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) != 0)
		cprof__buf_append(b, chunk, n);
	if (ferror(f))
		rc = -EIO;
	else if (cprof__buf_failed(b))
		rc = -EFBIG;
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	struct cprof__buf in;
	struct cprof__profile *p;
	bool mappings = argc == 3 && strcmp(argv[1], "--mappings") == 0;
	const char *path = argv[argc - 1];
	char err[256];
	int rc;

	if (argc != 2 + mappings || (argv[1][0] == '-' && !mappings)) {
		fputs("usage: pprof_dump [--mappings] FILE\n", stderr);
		return 1;
	}
	cprof__buf_init(&in, CPROF_PPROF_MAX_DECODED + 1);
	rc = dump_read(path, &in);
	if (rc != 0) {
		fprintf(stderr, "pprof_dump: %s: %s\n", path, strerror(-rc));
		cprof__buf_fini(&in);
		return 1;
	}
	rc = cprof__pprof_decode(in.data, in.len, &p, err, sizeof(err));
	cprof__buf_fini(&in);
	if (rc != 0) {
		fprintf(stderr, "pprof_dump: %s: %s\n", path, err);
		return 2;
	}
	if (mappings) {
		dump_mappings(stdout, p);
	} else {
		dump_header(stdout, p);
		dump_samples(stdout, p);
	}
	cprof__profile_free(p);
	return fflush(stdout) == 0 ? 0 : 1;
}
