/*
 * report_format.c - numbers and header lines as go tool pprof prints them
 * (google/pprof's internal/measurement and the labels of
 * internal/report): unit scaling with the same unit tables and aliases,
 * "%.2f" values with ".00" trimmed, "%5.2f%%" / "%5.2g%%" percentages,
 * Go's time layout "Jan 2, 2006 at 3:04pm (MST)" in local time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/i64.h"
#include "cli/report.h"

struct fmt_unit {
	const char *name;
	const char *aliases[4];
	double factor;
};

struct fmt_unit_type {
	const struct fmt_unit *units;
	size_t n;
	struct fmt_unit dflt;
};

static const struct fmt_unit fmt_bytes[] = {
	{"B", {"b", "byte"}, 1},
	{"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
	{"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
	{"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
	{"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
	{"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0},
};

static const struct fmt_unit fmt_time[] = {
	{"ns", {"ns", "nanosecond"}, 1},
	{"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
	{"ms", {"ms", "millisecond"}, 1e6},
	{"s", {"s", "sec", "second"}, 1e9},
	{"hrs", {"hour", "hr"}, 3600e9},
};

static const struct fmt_unit fmt_gcu[] = {
	{"n*GCU", {"nanogcu"}, 1e-9}, {"u*GCU", {"microgcu"}, 1e-6},
	{"m*GCU", {"milligcu"}, 1e-3}, {"GCU", {"gcu"}, 1},
	{"k*GCU", {"kilogcu"}, 1e3},  {"M*GCU", {"megagcu"}, 1e6},
	{"G*GCU", {"gigagcu"}, 1e9},  {"T*GCU", {"teragcu"}, 1e12},
	{"P*GCU", {"petagcu"}, 1e15},
};

static const struct fmt_unit_type fmt_types[] = {
	{fmt_bytes, 6, {"B", {"b", "byte"}, 1}},
	{fmt_time, 5, {"s", {NULL}, 1e9}},
	{fmt_gcu, 9, {"GCU", {NULL}, 1}},
};

static const struct fmt_unit *fmt_sniff(const struct fmt_unit_type *t,
					const char *unit)
{
	char u[64];
	size_t i, j, n = strlen(unit);

	if (n >= sizeof(u))
		return NULL;
	for (i = 0; i <= n; i++)
		u[i] = (char)(unit[i] >= 'A' && unit[i] <= 'Z' ? unit[i] - 'A' + 'a'
							       : unit[i]);
	if (n > 2 && u[n - 1] == 's')
		u[n - 1] = '\0';
	for (i = 0; i < t->n; i++)
		for (j = 0; j < 4 && t->units[i].aliases[j] != NULL; j++)
			if (strcmp(u, t->units[i].aliases[j]) == 0)
				return &t->units[i];
	return NULL;
}

static bool fmt_convert(const struct fmt_unit_type *t, int64_t value,
			const char *from, const char *to, double *out,
			const char **unit)
{
	const struct fmt_unit *fu = fmt_sniff(t, from), *tu;
	double v;

	if (fu == NULL)
		return false;
	v = (double)value * fu->factor;
	if (strcmp(to, "minimum") == 0 || strcmp(to, "auto") == 0) {
		double f = 0;
		const char *name = NULL;
		size_t i;

		for (i = 0; i < t->n; i++)
			if (t->units[i].factor >= f && v / t->units[i].factor >= 1.0) {
				f = t->units[i].factor;
				name = t->units[i].name;
			}
		if (f != 0) {
			*out = v / f;
			*unit = name;
			return true;
		}
		*out = v / t->dflt.factor;
		*unit = t->dflt.name;
		return true;
	}
	tu = fmt_sniff(t, to);
	if (tu == NULL) {
		*out = v / t->dflt.factor;
		*unit = t->dflt.name;
	} else {
		*out = v / tu->factor;
		*unit = tu->name;
	}
	return true;
}

double cprof__cli_scale(int64_t v, const char *from, const char *to,
			const char **unit)
{
	double out;
	size_t i;

	if (v < 0 && v != INT64_MIN)
		return -cprof__cli_scale(-v, from, to, unit);
	for (i = 0; i < sizeof(fmt_types) / sizeof(fmt_types[0]); i++)
		if (fmt_convert(&fmt_types[i], v, from, to, &out, unit))
			return out;
	if (strcmp(to, "count") == 0 || strcmp(to, "sample") == 0 ||
	    strcmp(to, "unit") == 0 || strcmp(to, "minimum") == 0 ||
	    strcmp(to, "auto") == 0)
		*unit = "";
	else
		*unit = to;
	return (double)v;
}

const char *cprof__cli_scaled_label(int64_t v, const char *from,
				    const char *to, char *buf, size_t size)
{
	const char *unit;
	double sv = cprof__cli_scale(v, from, to, &unit);
	char num[64];
	size_t n;

	snprintf(num, sizeof(num), "%.2f", sv);
	n = strlen(num);
	if (n > 3 && strcmp(num + n - 3, ".00") == 0)
		num[n - 3] = '\0';
	if (strcmp(num, "0") == 0 || strcmp(num, "-0") == 0) {
		snprintf(buf, size, "0");
		return buf;
	}
	snprintf(buf, size, "%s%s", num, unit);
	return buf;
}

const char *cprof__cli_fmt_value(const struct cprof__cli_report *r, int64_t v,
				 char *buf, size_t size)
{
	if (r->ratio > 0 && r->ratio != 1)
		v = cprof__i64_from_double((double)v * r->ratio);
	return cprof__cli_scaled_label(v, r->sample_unit, r->output_unit, buf,
				       size);
}

const char *cprof__cli_percentage(int64_t v, int64_t total, char *buf,
				  size_t size)
{
	double ratio = 0;

	if (total != 0)
		ratio = fabs((double)v / (double)total) * 100;
	if (ratio >= 99.95 && ratio <= 100.05)
		snprintf(buf, size, "  100%%");
	else if (ratio >= 1.0)
		snprintf(buf, size, "%5.2f%%", ratio);
	else
		snprintf(buf, size, "%5.2g%%", ratio);
	return buf;
}

void cprof__cli_select_unit(struct cprof__cli_report *r)
{
	int64_t min = 0, max = r->total;
	const char *min_unit, *max_unit, *unit;
	size_t i;

	if (strcmp(r->o->unit, "minimum") != 0 || r->n_order == 0)
		return;
	for (i = 0; i < r->n_order; i++) {
		const struct cprof__cli_node *n = &r->nodes[r->order[i]];
		int64_t v = n->flat < 0 ? -n->flat : n->flat;

		if (v == 0)
			v = n->cum < 0 ? -n->cum : n->cum;
		if (v > 0 && (min == 0 || v < min))
			min = v;
	}
	if (min == 0)
		min = max;
	if (r->ratio > 0 && r->ratio != 1) {
		min = cprof__i64_from_double((double)min * r->ratio);
		max = cprof__i64_from_double((double)max * r->ratio);
	}
	cprof__cli_scale(min, r->sample_unit, "minimum", &min_unit);
	cprof__cli_scale(max, r->sample_unit, "minimum", &max_unit);
	unit = min_unit;
	if (strcmp(min_unit, max_unit) != 0 && min * 100 < max)
		cprof__cli_scale(100 * min, r->sample_unit, "minimum", &unit);
	snprintf(r->output_unit, sizeof(r->output_unit), "%s",
		 unit[0] != '\0' ? unit : r->sample_unit);
}

/* Go's filepath.Base. */
static void fmt_base(const char *path, char *out, size_t size)
{
	size_t n = strlen(path);
	const char *b;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0) {
		snprintf(out, size, ".");
		return;
	}
	b = path + n;
	while (b > path && b[-1] != '/')
		b--;
	if (b == path + n) /* "/" */
		b = path + n - 1;
	snprintf(out, size, "%.*s", (int)(path + n - b), b);
}

void cprof__cli_profile_labels(const struct cprof__cli_report *r, FILE *out)
{
	const struct cprof__profile *p = r->p;
	char a[128], b[64], c[64];
	size_t i;

	if (p->mappings.len > 0) {
		const char *file = cprof__profile_str(p, p->mappings.items[0].filename);
		const char *bid = cprof__profile_str(p, p->mappings.items[0].build_id);
		char base[4096];

		if (file[0] != '\0') {
			fmt_base(file, base, sizeof(base));
			fprintf(out, "File: %s\n", base);
		}
		if (bid[0] != '\0')
			fprintf(out, "Build ID: %s\n", bid);
	}
	for (i = 0; i < p->comments.len; i++) {
		const char *c0 = cprof__profile_str(p, p->comments.items[i]);

		if (c0[0] != '#')
			fprintf(out, "%s\n", c0);
	}
	if (r->sample_type[0] != '\0')
		fprintf(out, "Type: %s\n", r->sample_type);
	if (p->time_nanos != 0) {
		static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr",
						  "May", "Jun", "Jul", "Aug",
						  "Sep", "Oct", "Nov", "Dec"};
		time_t t = (time_t)(p->time_nanos / 1000000000);
		struct tm tm;
		int h;

		if (p->time_nanos < 0 && p->time_nanos % 1000000000 != 0)
			t--;
		localtime_r(&t, &tm);
		h = tm.tm_hour % 12;
		fprintf(out, "Time: %s %d, %d at %d:%02d%s (%s)\n",
			mon[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900,
			h == 0 ? 12 : h, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm",
			tm.tm_zone != NULL ? tm.tm_zone : "UTC");
	}
	if (p->duration_nanos != 0) {
		const char *unit;
		double total_ns = cprof__cli_scale(r->total, r->sample_unit,
						   "nanoseconds", &unit);
		char ratio[64] = "";

		if (strcmp(unit, "ns") == 0 && (int64_t)total_ns != 0)
			snprintf(ratio, sizeof(ratio), "(%s)",
				 cprof__cli_percentage((int64_t)total_ns,
						       p->duration_nanos, c,
						       sizeof(c)));
		fprintf(out, "Duration: %s, Total samples = %s %s\n",
			cprof__cli_scaled_label(p->duration_nanos, "nanoseconds",
						"auto", a, sizeof(a)),
			cprof__cli_fmt_value(r, r->total, b, sizeof(b)), ratio);
	}
}

static const char *fmt_trim(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

void cprof__cli_report_labels(const struct cprof__cli_report *r, FILE *out)
{
	char a[64], b[64], c[64];
	int64_t flat = 0;
	size_t i;

	cprof__cli_profile_labels(r, out);
	for (i = 0; i < r->n_order; i++)
		flat = cprof__i64_add(flat, r->nodes[r->order[i]].flat);
	if (r->n_filters > 0) {
		fprintf(out, "Active filters:\n");
		for (i = 0; i < r->n_filters; i++) {
			const char *f = r->filters[i];

			if (strlen(f) > 80)
				fprintf(out, "   %.80s\xe2\x80\xa6\n", f);
			else
				fprintf(out, "   %s\n", f);
		}
	}
	fprintf(out, "Showing nodes accounting for %s, %s of %s total\n",
		cprof__cli_fmt_value(r, flat, a, sizeof(a)),
		fmt_trim(cprof__cli_percentage(flat, r->total, b, sizeof(b))),
		cprof__cli_fmt_value(r, r->total, c, sizeof(c)));
	if (r->total != 0) {
		if (r->dropped_nodes > 0)
			fprintf(out, "Dropped %zu node%s (cum <= %s)\n",
				r->dropped_nodes, r->dropped_nodes > 1 ? "s" : "",
				cprof__cli_fmt_value(
					r,
					cprof__i64_abs(cprof__i64_from_double(
							(double)r->total * r->trim_nodefraction)),
					a, sizeof(a)));
		if (r->n_order > 0 && r->n_order < r->orig_count)
			fprintf(out, "Showing top %zu nodes out of %zu\n",
				r->n_order, r->orig_count);
	}
}
