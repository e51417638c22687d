/*
 * report.c - preparing a profile for a report, as go tool pprof does
 * between reading a profile and building its graph: the shared options,
 * the sample index, the total, name simplification, the -focus/-ignore/
 * -hide/-show and -tagfocus/-tagignore filters, the granularity, and the
 * nodes each location maps to.
 *
 * Filters never change the profile's samples: the report keeps the
 * indices of the samples that pass and, per location, the lines left
 * after -hide. The graph itself is report_graph.c's.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/i64.h"
#include "base/hindex.h"
#include "cli/input.h"
#include "cli/report.h"
#include "pprof/merge.h"

void cprof__cli_ropts_init(struct cprof__cli_ropts *o)
{
	memset(o, 0, sizeof(*o));
	o->nodecount = -1;
	o->nodefraction = 0.005;
	o->edgefraction = 0.001;
	o->trim = true;
	o->unit = "minimum";
	o->granularity = "functions";
	o->divide_by = 1;
}

size_t cprof__cli_ropts_table(struct cprof__cli_ropts *o,
			      struct cprof__cli_opt *t)
{
	const struct cprof__cli_opt table[] = {
		{"sample_index", CPROF_CLI_OPT_STRING, &o->sample_index, NULL,
		 "sample value to report (a name such as alloc_space, or an index)"},
		{"nodecount", CPROF_CLI_OPT_INT, &o->nodecount, NULL,
		 "max number of nodes to show"},
		{"nodefraction", CPROF_CLI_OPT_DOUBLE, &o->nodefraction, NULL,
		 "hide nodes below <f>*total (default 0.005)"},
		{"edgefraction", CPROF_CLI_OPT_DOUBLE, &o->edgefraction, NULL,
		 "hide edges below <f>*total (default 0.001)"},
		{"trim", CPROF_CLI_OPT_BOOL, &o->trim, NULL,
		 "honor nodefraction/edgefraction/nodecount defaults (default true)"},
		{"cum", CPROF_CLI_OPT_BOOL, &o->cum, NULL,
		 "sort entries based on cumulative weight"},
		{"flat", CPROF_CLI_OPT_BOOL, &o->flat, NULL,
		 "sort entries based on own weight (the default)"},
		{"unit", CPROF_CLI_OPT_STRING, &o->unit, NULL,
		 "measurement units to display (default minimum)"},
		{"divide_by", CPROF_CLI_OPT_DOUBLE, &o->divide_by, NULL,
		 "ratio to divide all samples before visualization"},
		{"focus", CPROF_CLI_OPT_STRING, &o->focus, NULL,
		 "restricts to samples going through a node matching regexp"},
		{"ignore", CPROF_CLI_OPT_STRING, &o->ignore, NULL,
		 "skips paths going through any nodes matching regexp"},
		{"hide", CPROF_CLI_OPT_STRING, &o->hide, NULL,
		 "skips nodes matching regexp"},
		{"show", CPROF_CLI_OPT_STRING, &o->show, NULL,
		 "only show nodes matching regexp"},
		{"show_from", CPROF_CLI_OPT_STRING, &o->show_from, NULL,
		 "drops functions above the highest matched frame"},
		{"tagfocus", CPROF_CLI_OPT_STRING, &o->tagfocus, NULL,
		 "restricts to samples with tags in range or matched by regexp"},
		{"tagshow", CPROF_CLI_OPT_STRING, &o->tagshow, NULL,
		 "only consider tags matching this regexp"},
		{"taghide", CPROF_CLI_OPT_STRING, &o->taghide, NULL,
		 "skip tags matching this regexp"},
		{"tagignore", CPROF_CLI_OPT_STRING, &o->tagignore, NULL,
		 "discard samples with tags in range or matched by regexp"},
		{"functions", CPROF_CLI_OPT_SET, &o->granularity, "functions",
		 "aggregate at the function level (default)"},
		{"filefunctions", CPROF_CLI_OPT_SET, &o->granularity,
		 "filefunctions", "aggregate at the function level, per file"},
		{"files", CPROF_CLI_OPT_SET, &o->granularity, "files",
		 "aggregate at the file level"},
		{"lines", CPROF_CLI_OPT_SET, &o->granularity, "lines",
		 "aggregate at the source code line level"},
		{"addresses", CPROF_CLI_OPT_SET, &o->granularity, "addresses",
		 "aggregate at the address level"},
		{"noinlines", CPROF_CLI_OPT_BOOL, &o->noinlines, NULL,
		 "ignore inlines: attribute inlined calls to their callers"},
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		t[n++] = table[i];
	t[n].name = NULL;
	return n;
}

uint32_t cprof__cli_loc_index(const struct cprof__cli_report *r, uint64_t id)
{
	const struct cprof__location *l;

	/* Go and cprof number locations 1..n: no lookup needed. */
	if (id - 1 < r->p->locations.len && r->p->locations.items[id - 1].id == id)
		return (uint32_t)(id - 1);
	l = cprof__profile_location(r->p, id);

	return (uint32_t)(l - r->p->locations.items);
}

static void *rep_alloc(struct cprof__cli_report *r, size_t size)
{
	void *p = cprof__arena_zalloc(&r->arena, size == 0 ? 1 : size);

	if (p == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	return p;
}

/* --- sample index and total ------------------------------------------ */

static int rep_sample_index(struct cprof__cli_report *r)
{
	const struct cprof__profile *p = r->p;
	const char *want = r->o->sample_index;
	size_t i, n = p->sample_types.len;
	char *end;

	if (want == NULL || want[0] == '\0') {
		const char *dflt = cprof__profile_str(p, p->default_sample_type);

		r->si = n - 1;
		if (dflt[0] != '\0')
			for (i = 0; i < n; i++)
				if (strcmp(cprof__profile_str(
						   p, p->sample_types.items[i].type),
					   dflt) == 0) {
					r->si = i;
					break;
				}
		return 0;
	}
	i = (size_t)strtoul(want, &end, 10);
	if (*end == '\0' && end != want) {
		if (want[0] == '-' || i >= n) {
			cprof__cli_error("sample_index %s is outside the range [0..%zu]",
					 want, n - 1);
			return 2;
		}
		r->si = i;
		return 0;
	}
	for (i = 0; i < n; i++) {
		const char *t = cprof__profile_str(p, p->sample_types.items[i].type);

		if (strcmp(t, want) == 0 ||
		    (strncmp(want, "inuse_", 6) == 0 && strcmp(t, want + 6) == 0)) {
			r->si = i;
			return 0;
		}
	}
	{
		char list[512] = "";
		size_t len = 0;

		for (i = 0; i < n && len < sizeof(list) - 1; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s", i ? " " : "",
						cprof__profile_str(
							p, p->sample_types.items[i].type));
		cprof__cli_error("sample_index \"%s\" must be one of: [%s]", want,
				 list);
	}
	return 2;
}

static bool rep_is_diff_base(const struct cprof__cli_report *r,
			     const struct cprof__sample *s)
{
	size_t i;

	for (i = 0; i < s->n_labels; i++)
		if (s->labels[i].str != 0 &&
		    strcmp(cprof__profile_str(r->p, s->labels[i].key),
			   "pprof::base") == 0 &&
		    strcmp(cprof__profile_str(r->p, s->labels[i].str), "true") == 0)
			return true;
	return false;
}

static void rep_total(struct cprof__cli_report *r)
{
	int64_t total = 0, diff = 0;
	size_t i;

	for (i = 0; i < r->p->samples.len; i++) {
		const struct cprof__sample *s = &r->p->samples.items[i];
		int64_t v = cprof__cli_value(r, s);

		if (v < 0)
			v = cprof__i64_neg(v);
		total = cprof__i64_add(total, v);
		if (s->n_labels > 0 && rep_is_diff_base(r, s))
			diff = cprof__i64_add(diff, v);
	}
	r->total = diff > 0 ? diff : total;
}

/* --- names ------------------------------------------------------------ */

/* pprof's looksLikeDemangledCPlusPlus. */
static bool rep_looks_cxx(const char *s)
{
	if (strstr(s, ".<") != NULL || strstr(s, "]).") != NULL)
		return false;
	return strpbrk(s, "<>[]") != NULL || strstr(s, "::") != NULL;
}

/* pprof's removeMatching: drops nested open..close groups. */
static char *rep_remove_matching(struct cprof__cli_report *r, const char *s,
				 char open, char close)
{
	size_t n = strlen(s), i, o = 0, first = 0;
	char *out = rep_alloc(r, n + 1);
	int nesting = 0;

	for (i = 0; i < n; i++) {
		out[o++] = s[i];
		if (s[i] == open) {
			if (++nesting == 1)
				first = o - 1;
		} else if (s[i] == close) {
			if (--nesting < 0) {
				strcpy(out, s);
				return out;
			}
			if (nesting == 0)
				o = first;
		}
	}
	out[o] = '\0';
	return out;
}

static uint32_t rep_hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Go's filepath.Clean. */
static const char *rep_clean_path(struct cprof__cli_report *r, const char *s)
{
	size_t n = strlen(s), i = 0, o = 0, dotdot = 0;
	bool rooted = n > 0 && s[0] == '/';
	char *out;

	if (n == 0)
		return "";
	out = rep_alloc(r, n + 2);
	if (rooted) {
		out[o++] = '/';
		i = 1;
		dotdot = 1;
	}
	while (i < n) {
		if (s[i] == '/') {
			i++;
		} else if (s[i] == '.' && (i + 1 == n || s[i + 1] == '/')) {
			i++;
		} else if (s[i] == '.' && s[i + 1] == '.' &&
			   (i + 2 == n || s[i + 2] == '/')) {
			i += 2;
			if (o > dotdot) {
				o--;
				while (o > dotdot && out[o] != '/')
					o--;
			} else if (!rooted) {
				if (o > 0)
					out[o++] = '/';
				out[o++] = '.';
				out[o++] = '.';
				dotdot = o;
			}
		} else {
			if ((rooted && o != 1) || (!rooted && o != 0))
				out[o++] = '/';
			for (; i < n && s[i] != '/'; i++)
				out[o++] = s[i];
		}
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return strcmp(out, s) == 0 ? s : out;
}

/* libstdc++'s demangler (the CLI links libstdc++ for it alone). */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
		     int *status);

/*
 * A mangled C++ name as pprof shows it by default (demangled without
 * parameters, template arguments or return type): __cxa_demangle, then
 * pprof's own simplification of demangled names, then the last top-level
 * word (the return type of a template function goes; so does a clone
 * suffix such as " [clone .cold]", as in pprof). NULL if s is not
 * a mangled name. XXX: operator<, operator<< and friends lose their
 * angle brackets here, where Go's demangler keeps them.
 */
static const char *rep_demangle(struct cprof__cli_report *r, const char *s)
{
	static const char anon[] = "(anonymous namespace)";
	char *full, *clone, *t, *out, *w;
	const char *last;
	int status = -1;
	size_t n;

	if (s[0] != '_' || s[1] != 'Z')
		return NULL;
	full = __cxa_demangle(s, NULL, NULL, &status);
	if (full == NULL || status != 0) {
		free(full);
		return NULL;
	}
	n = strlen(full);
	t = rep_alloc(r, n + 1);
	/* (anonymous namespace) survives as \1 */
	for (w = t, out = full; *out != '\0';) {
		if (strncmp(out, anon, sizeof(anon) - 1) == 0) {
			*w++ = '\1';
			out += sizeof(anon) - 1;
		} else {
			*w++ = *out++;
		}
	}
	*w = '\0';
	free(full);
	clone = strstr(t, " [clone");
	if (clone != NULL)
		*clone = '\0';
	t = rep_remove_matching(r, t, '(', ')');
	t = rep_remove_matching(r, t, '<', '>');
	n = strlen(t);
	for (;;) {
		static const char *const quals[] = {" const", " volatile", " &&", " &"};
		size_t q, ql;

		for (q = 0; q < 4; q++) {
			ql = strlen(quals[q]);
			if (n >= ql && strcmp(t + n - ql, quals[q]) == 0)
				break;
		}
		if (q == 4)
			break;
		n -= ql;
		t[n] = '\0';
	}
	last = strrchr(t, ' ');
	last = last != NULL && strncmp(t, "operator", 8) != 0 &&
			       strstr(t, "operator") == NULL ? last + 1 : t;
	out = rep_alloc(r, strlen(last) * sizeof(anon) + 1);
	for (w = out; *last != '\0'; last++) {
		if (*last == '\1') {
			memcpy(w, anon, sizeof(anon) - 1);
			w += sizeof(anon) - 1;
		} else {
			*w++ = *last;
		}
	}
	*w = '\0';
	return out;
}

/* pprof's symbolizer: a name already demangled (name != system_name) is
 * kept; otherwise names that look like demangled C++ lose their
 * parameters and template arguments. */
static void rep_names(struct cprof__cli_report *r)
{
	const struct cprof__profile *p = r->p;
	size_t i, n = p->functions.len;

	r->fn_name = rep_alloc(r, n * sizeof(*r->fn_name));
	r->fn_file = rep_alloc(r, n * sizeof(*r->fn_file));
	r->fn_name_hash = rep_alloc(r, n * sizeof(*r->fn_name_hash));
	r->fn_file_hash = rep_alloc(r, n * sizeof(*r->fn_file_hash));
	for (i = 0; i < n; i++) {
		const struct cprof__function *f = &p->functions.items[i];
		const char *name = cprof__profile_str(p, f->name);
		const char *sys = cprof__profile_str(p, f->system_name);
		const char *file;

		if (name[0] == '\0' || strcmp(name, sys) == 0) {
			const char *d = rep_demangle(r, sys);

			name = sys;
			if (d != NULL)
				name = d;
			else if (rep_looks_cxx(name) &&
			    (strchr(name, '(') != NULL || strchr(name, '<') != NULL)) {
				name = rep_remove_matching(r, name, '(', ')');
				name = rep_remove_matching(r, name, '<', '>');
			}
		}
		r->fn_name[i] = name;
		file = cprof__profile_str(p, f->filename);
		/* pprof's trimPath: Bazel-style /proc/self/cwd/ prefixes go */
		if (strncmp(file, "/proc/self/cwd/./", 17) == 0)
			file += 17;
		else if (strncmp(file, "/proc/self/cwd/", 15) == 0)
			file += 15;
		r->fn_file[i] = rep_clean_path(r, file);
		r->fn_name_hash[i] = rep_hash_str(r->fn_name[i]);
		r->fn_file_hash[i] = rep_hash_str(r->fn_file[i]);
	}
}

static const char *rep_fn_name(const struct cprof__cli_report *r,
			       uint64_t function_id, size_t *index)
{
	const struct cprof__function *f;

	if (function_id == 0)
		return NULL;
	f = cprof__profile_function(r->p, function_id);
	if (f == NULL)
		return NULL;
	*index = (size_t)(f - r->p->functions.items);
	return r->fn_name[*index];
}

/* --- name filters ----------------------------------------------------- */

enum { LOC_NONE = 0, LOC_FOCUS = 1, LOC_IGNORE = 2 };

static const char *rep_objfile(const struct cprof__cli_report *r,
			       const struct cprof__location *l)
{
	const struct cprof__mapping *m;

	if (l->mapping_id == 0)
		return "";
	m = cprof__profile_mapping(r->p, l->mapping_id);
	return m != NULL ? cprof__profile_str(r->p, m->filename) : "";
}

static bool rep_line_matches(const struct cprof__cli_report *r,
			     const struct cprof__line *ln, const regex_t *re,
			     bool *has_fn)
{
	size_t fi;
	const char *name = rep_fn_name(r, ln->function_id, &fi);

	*has_fn = name != NULL;
	if (name == NULL)
		return false;
	return cprof__cli_match(re, name) ||
	       cprof__cli_match(re, cprof__profile_str(
					    r->p, r->p->functions.items[fi].filename));
}

/* Location.matchesName */
static bool rep_loc_matches(const struct cprof__cli_report *r,
			    const struct cprof__location *l, const regex_t *re)
{
	size_t i;
	bool has_fn;
	const char *obj;

	for (i = 0; i < l->n_lines; i++)
		if (rep_line_matches(r, &l->lines[i], re, &has_fn))
			return true;
	obj = rep_objfile(r, l);
	return l->mapping_id != 0 && cprof__cli_match(re, obj);
}

/* -hide drops the matching lines, -show keeps only those; a mapping
 * whose file matches hides (or shows) all of them. */
static void rep_filter_lines(struct cprof__cli_report *r, size_t li,
			     const regex_t *re, bool keep_matching)
{
	const struct cprof__location *l = &r->p->locations.items[li];
	struct cprof__cli_lines *ll = &r->loc_lines[li];
	struct cprof__line *out;
	size_t i, n = 0;

	if (l->mapping_id != 0 && cprof__cli_match(re, rep_objfile(r, l))) {
		if (!keep_matching)
			ll->n = 0;
		ll->hidden = ll->n == 0;
		return;
	}
	out = rep_alloc(r, (ll->n + 1) * sizeof(*out));
	for (i = 0; i < ll->n; i++) {
		bool has_fn, m = rep_line_matches(r, &ll->lines[i], re, &has_fn);

		if (has_fn && m != keep_matching)
			continue;
		out[n++] = ll->lines[i];
	}
	ll->lines = out;
	ll->n = (uint32_t)n;
	ll->hidden = n == 0;
}

/* -show_from, Location's part (filterShowFromLocation): a location
 * matches through its mapping's file, or through a line, and then keeps
 * only its lines up to the last (outermost) matching one. */
static bool rep_show_from_loc(struct cprof__cli_report *r, size_t li,
			      const regex_t *re)
{
	const struct cprof__location *l = &r->p->locations.items[li];
	struct cprof__cli_lines *ll = &r->loc_lines[li];

	if (l->mapping_id != 0 && cprof__cli_match(re, rep_objfile(r, l)))
		return true;
	for (size_t i = ll->n; i-- > 0;) {
		bool has_fn;

		if (rep_line_matches(r, &ll->lines[i], re, &has_fn)) {
			ll->n = (uint32_t)i + 1;
			return true;
		}
	}
	return false;
}

/* -show_from, the sample's part: its stack ends (rootwards) at its
 * outermost matching location; without one, the sample goes. */
static bool rep_show_from_sample(struct cprof__cli_report *r,
				 struct cprof__sample *s, const uint8_t *from)
{
	for (size_t j = s->n_locations; j-- > 0;) {
		if (from[cprof__cli_loc_index(r, s->location_ids[j])]) {
			s->n_locations = j + 1;
			return true;
		}
	}
	return false;
}

/* --- tag filters ------------------------------------------------------ */

struct rep_tagfilter {
	const char *key; /* NULL: any key */
	bool numeric;
	/* numeric: [lo, hi] in unit (has_lo/has_hi) */
	double lo, hi;
	bool has_lo, has_hi;
	const char *unit;
	regex_t res[16];
	size_t n_res;
};

/* The unit of numeric label key: the first non-empty num_unit any sample
 * gives it, else pprof's guess (bytes for alignment and request). */
static const char *rep_num_unit(const struct cprof__cli_report *r,
				int64_t key)
{
	const char *k = cprof__profile_str(r->p, key);
	size_t i, j;

	for (i = 0; i < r->p->samples.len; i++) {
		const struct cprof__sample *s = &r->p->samples.items[i];

		for (j = 0; j < s->n_labels; j++)
			if (s->labels[j].str == 0 && s->labels[j].num_unit != 0 &&
			    strcmp(cprof__profile_str(r->p, s->labels[j].key), k) == 0)
				return cprof__profile_str(r->p, s->labels[j].num_unit);
	}
	if (strcmp(k, "alignment") == 0 || strcmp(k, "request") == 0)
		return "bytes";
	return k;
}

/* "[+-]digits[alpha]" at *s; advances past it. */
static bool rep_range_num(const char **s, int64_t *v, char *unit, size_t usize)
{
	const char *p = *s, *d;
	size_t n = 0;

	if (*p == '+' || *p == '-')
		p++;
	d = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == d)
		return false;
	*v = strtoll(*s, NULL, 10);
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
		if (n + 1 < usize)
			unit[n++] = *p;
		p++;
	}
	unit[n] = '\0';
	*s = p;
	return true;
}

/* pprof's parseTagFilterRange: "32kb", ":64kb", "4mb:", "12kb:64mb". */
static bool rep_parse_range(struct cprof__cli_report *r, const char *f,
			    struct rep_tagfilter *t)
{
	char u1[32], u2[32];
	const char *s = f, *unit;
	int64_t v1, v2;

	if (*s == ':') {
		s++;
		if (!rep_range_num(&s, &v1, u1, sizeof(u1)) || *s != '\0')
			return false;
		t->hi = cprof__cli_scale(v1, u1, u1, &unit);
		t->has_hi = true;
	} else {
		if (!rep_range_num(&s, &v1, u1, sizeof(u1)))
			return false;
		t->lo = cprof__cli_scale(v1, u1, u1, &unit);
		if (*s == '\0') {
			t->hi = t->lo;
			t->has_lo = t->has_hi = true;
		} else if (*s == ':' && s[1] == '\0') {
			t->has_lo = true;
		} else if (*s == ':') {
			const char *unit2;

			s++;
			if (!rep_range_num(&s, &v2, u2, sizeof(u2)) || *s != '\0')
				return false;
			t->hi = cprof__cli_scale(v2, u2, u1, &unit2);
			if (strcmp(unit2, unit) != 0)
				return false;
			t->has_lo = t->has_hi = true;
		} else {
			return false;
		}
	}
	t->unit = unit;
	t->numeric = true;
	(void)r;
	return true;
}

static int rep_tagfilter_init(struct cprof__cli_report *r, const char *name,
			      const char *value, struct rep_tagfilter *t)
{
	const char *eq = strchr(value, '=');
	char *copy, *tok, *save;

	memset(t, 0, sizeof(*t));
	if (eq != NULL) {
		char *k = rep_alloc(r, (size_t)(eq - value) + 1);

		memcpy(k, value, (size_t)(eq - value));
		t->key = k;
		value = eq + 1;
	}
	if (rep_parse_range(r, value, t)) {
		fprintf(stderr, "%s:Interpreted '%s' as range, not regexp\n",
			name, value);
		return 0;
	}
	copy = rep_alloc(r, strlen(value) + 1);
	strcpy(copy, value);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (t->n_res == sizeof(t->res) / sizeof(t->res[0])) {
			cprof__cli_error("%s: too many regexps", name);
			return 2;
		}
		if (cprof__cli_regcomp(&t->res[t->n_res], tok, name) != 0)
			return 2;
		t->n_res++;
	}
	if (t->n_res == 0 && cprof__cli_regcomp(&t->res[t->n_res++], "", name))
		return 2;
	return 0;
}

static void rep_tagfilter_fini(struct rep_tagfilter *t)
{
	size_t i;

	for (i = 0; i < t->n_res; i++)
		regfree(&t->res[i]);
}

static bool rep_num_in(const struct cprof__cli_report *r,
		       const struct rep_tagfilter *t, int64_t v, int64_t key)
{
	const char *u;
	double sv = cprof__cli_scale(v, rep_num_unit(r, key), t->unit, &u);

	if (strcmp(u, t->unit) != 0)
		return false;
	return (!t->has_lo || sv >= t->lo) && (!t->has_hi || sv <= t->hi);
}

static bool rep_tagfilter_match(const struct cprof__cli_report *r,
				const struct rep_tagfilter *t,
				const struct cprof__sample *s)
{
	char kv[2048];
	size_t i, j;

	if (t->numeric) {
		for (i = 0; i < s->n_labels; i++) {
			const struct cprof__label *l = &s->labels[i];

			if (l->str != 0 || (l->num == 0 && l->num_unit == 0))
				continue;
			if (t->key != NULL &&
			    strcmp(cprof__profile_str(r->p, l->key), t->key) != 0)
				continue;
			if (rep_num_in(r, t, l->num, l->key))
				return true;
		}
		return false;
	}
	if (t->key != NULL) {
		for (j = 0; j < t->n_res; j++)
			for (i = 0; i < s->n_labels; i++) {
				const struct cprof__label *l = &s->labels[i];

				if (l->str != 0 &&
				    strcmp(cprof__profile_str(r->p, l->key), t->key) == 0 &&
				    cprof__cli_match(&t->res[j],
						     cprof__profile_str(r->p, l->str)))
					return true;
			}
		return false;
	}
	for (j = 0; j < t->n_res; j++) {
		bool found = false;

		for (i = 0; i < s->n_labels && !found; i++) {
			const struct cprof__label *l = &s->labels[i];

			if (l->str == 0)
				continue;
			snprintf(kv, sizeof(kv), "%s:%s",
				 cprof__profile_str(r->p, l->key),
				 cprof__profile_str(r->p, l->str));
			found = cprof__cli_match(&t->res[j], kv);
		}
		if (!found)
			return false;
	}
	return true;
}

/* --- filters ---------------------------------------------------------- */

static void rep_add_filter(struct cprof__cli_report *r, const char *k,
			   const char *v)
{
	if (v == NULL || v[0] == '\0' || r->n_filters == sizeof(r->filters) / sizeof(r->filters[0]))
		return;
	snprintf(r->filters[r->n_filters++], sizeof(r->filters[0]), "%s=%s", k,
		 v);
}

static int rep_filter(struct cprof__cli_report *r)
{
	const struct cprof__cli_ropts *o = r->o;
	const struct cprof__profile *p = r->p;
	regex_t focus, ignore, hide, show, show_from;
	bool has_focus = o->focus && o->focus[0], has_ignore = o->ignore && o->ignore[0];
	bool has_hide = o->hide && o->hide[0], has_show = o->show && o->show[0];
	bool has_from = o->show_from && o->show_from[0];
	bool fm = false, im = false, hm = false, sm = false, tfm = false, tim = false;
	bool sfm = false;
	uint8_t *from = NULL;
	struct rep_tagfilter tf, ti;
	bool has_tf = o->tagfocus && o->tagfocus[0];
	bool has_ti = o->tagignore && o->tagignore[0];
	uint8_t *status = NULL;
	size_t i, j, nl = p->locations.len;
	int rc = 2;

	if (has_focus && cprof__cli_regcomp(&focus, o->focus, "focus") != 0)
		return 2;
	if (has_ignore && cprof__cli_regcomp(&ignore, o->ignore, "ignore") != 0)
		goto out_focus;
	if (has_hide && cprof__cli_regcomp(&hide, o->hide, "hide") != 0)
		goto out_ignore;
	if (has_show && cprof__cli_regcomp(&show, o->show, "show") != 0)
		goto out_hide;
	if (has_from &&
	    cprof__cli_regcomp(&show_from, o->show_from, "show_from") != 0)
		goto out_show;
	if (has_tf && rep_tagfilter_init(r, "tagfocus", o->tagfocus, &tf) != 0)
		goto out_from;
	if (has_ti && rep_tagfilter_init(r, "tagignore", o->tagignore, &ti) != 0)
		goto out_tf;

	if (has_focus || has_ignore)
		status = rep_alloc(r, nl);
	if (has_from)
		from = rep_alloc(r, nl);
	for (i = 0; i < nl; i++) {
		const struct cprof__location *l = &p->locations.items[i];

		if (status != NULL) {
			if (has_ignore && rep_loc_matches(r, l, &ignore)) {
				im = true;
				status[i] = LOC_IGNORE;
			} else if (!has_focus || rep_loc_matches(r, l, &focus)) {
				fm = true;
				status[i] = LOC_FOCUS;
			}
		}
		if (has_hide && rep_loc_matches(r, l, &hide)) {
			hm = true;
			rep_filter_lines(r, i, &hide, false);
		}
		if (has_show) {
			rep_filter_lines(r, i, &show, true);
			if (!r->loc_lines[i].hidden)
				sm = true;
		}
		/* after -hide/-show, as pprof applies ShowFrom after them */
		if (from != NULL && rep_show_from_loc(r, i, &show_from)) {
			from[i] = 1;
			sfm = true;
		}
	}

	r->samples = cprof__alloc((p->samples.len + 1) * sizeof(*r->samples));
	if (r->samples == NULL) {
		cprof__cli_error("out of memory");
		goto out_ti;
	}
	for (i = 0; i < p->samples.len; i++) {
		const struct cprof__sample *s = &p->samples.items[i];
		bool f = status == NULL && s->n_locations > 0, visible = false;

		for (j = 0; status != NULL && j < s->n_locations; j++) {
			uint8_t st = status[cprof__cli_loc_index(r, s->location_ids[j])];

			if (st == LOC_IGNORE) {
				f = false;
				break;
			}
			if (st == LOC_FOCUS)
				f = true;
		}
		if (!f)
			continue;
		if (has_hide || has_show) {
			for (j = 0; j < s->n_locations && !visible; j++)
				visible = !r->loc_lines[cprof__cli_loc_index(
							r, s->location_ids[j])]
						   .hidden;
			if (!visible)
				continue;
		}
		if (from != NULL &&
		    !rep_show_from_sample(r, &r->p->samples.items[i], from))
			continue;
		if (has_tf || has_ti) {
			bool focused = !has_tf || rep_tagfilter_match(r, &tf, s);
			bool ignored = has_ti && rep_tagfilter_match(r, &ti, s);

			tfm = tfm || focused;
			tim = tim || ignored;
			if (!focused || ignored)
				continue;
		}
		r->samples[r->n_samples++] = (uint32_t)i;
	}
	if (has_focus && !fm)
		fprintf(stderr, "Focus expression matched no samples\n");
	if (has_ignore && !im)
		fprintf(stderr, "Ignore expression matched no samples\n");
	if (has_hide && !hm)
		fprintf(stderr, "Hide expression matched no samples\n");
	if (has_show && !sm)
		fprintf(stderr, "Show expression matched no samples\n");
	if (has_from && !sfm)
		fprintf(stderr, "ShowFrom expression matched no samples\n");
	if (has_tf && !tfm)
		fprintf(stderr, "TagFocus expression matched no samples\n");
	if (has_ti && !tim)
		fprintf(stderr, "TagIgnore expression matched no samples\n");
	rep_add_filter(r, "focus", o->focus);
	rep_add_filter(r, "ignore", o->ignore);
	rep_add_filter(r, "hide", o->hide);
	rep_add_filter(r, "show", o->show);
	rep_add_filter(r, "show_from", o->show_from);
	rep_add_filter(r, "tagfocus", o->tagfocus);
	rep_add_filter(r, "tagignore", o->tagignore);
	rc = 0;
out_ti:
	if (has_ti)
		rep_tagfilter_fini(&ti);
out_tf:
	if (has_tf)
		rep_tagfilter_fini(&tf);
out_from:
	if (has_from)
		regfree(&show_from);
out_show:
	if (has_show)
		regfree(&show);
out_hide:
	if (has_hide)
		regfree(&hide);
out_ignore:
	if (has_ignore)
		regfree(&ignore);
out_focus:
	if (has_focus)
		regfree(&focus);
	return rc;
}

/* -tagshow/-taghide (FilterTagsByName): the kept samples lose the labels
 * whose key -tagshow does not match or -taghide matches. The labels are
 * each sample's own (decoded or merged), so they are compacted in place. */
static int rep_filter_tag_names(struct cprof__cli_report *r)
{
	const struct cprof__cli_ropts *o = r->o;
	bool has_show = o->tagshow && o->tagshow[0];
	bool has_hide = o->taghide && o->taghide[0];
	bool sm = false, hm = false;
	regex_t show, hide;

	if (!has_show && !has_hide)
		return 0;
	if (has_show && cprof__cli_regcomp(&show, o->tagshow, "tagshow") != 0)
		return 2;
	if (has_hide && cprof__cli_regcomp(&hide, o->taghide, "taghide") != 0) {
		if (has_show)
			regfree(&show);
		return 2;
	}
	for (size_t i = 0; i < r->n_samples; i++) {
		struct cprof__sample *s = &r->p->samples.items[r->samples[i]];
		size_t n = 0;

		for (size_t k = 0; k < s->n_labels; k++) {
			const char *key = cprof__profile_str(r->p, s->labels[k].key);
			bool shown = !has_show || cprof__cli_match(&show, key);
			bool hidden = has_hide && cprof__cli_match(&hide, key);

			sm = sm || shown;
			hm = hm || hidden;
			if (shown && !hidden)
				s->labels[n++] = s->labels[k];
		}
		s->n_labels = n;
	}
	if (has_show && !sm)
		fprintf(stderr, "TagShow expression matched no samples\n");
	if (has_hide && !hm)
		fprintf(stderr, "TagHide expression matched no samples\n");
	rep_add_filter(r, "tagshow", o->tagshow);
	rep_add_filter(r, "taghide", o->taghide);
	if (has_show)
		regfree(&show);
	if (has_hide)
		regfree(&hide);
	return 0;
}

/* --- nodes ------------------------------------------------------------ */

static bool rep_node_eq(const struct cprof__cli_node *a,
			const struct cprof__cli_node *b)
{
	return a->hash == b->hash && a->address == b->address &&
	       a->lineno == b->lineno && a->start_line == b->start_line &&
	       (a->name == b->name || strcmp(a->name, b->name) == 0) &&
	       (a->file == b->file || strcmp(a->file, b->file) == 0) &&
	       (a->objfile == b->objfile || strcmp(a->objfile, b->objfile) == 0);
}

static void rep_node_grow(struct cprof__cli_report *r)
{
	size_t i, size = r->node_slots_size ? r->node_slots_size * 2 : 1024;
	uint32_t *slots = cprof__calloc(size, sizeof(*slots));

	if (slots == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	for (i = 0; i < r->n_nodes; i++) {
		size_t k = r->nodes[i].hash & (size - 1);

		while (slots[k] != 0)
			k = (k + 1) & (size - 1);
		slots[k] = (uint32_t)i + 1;
	}
	cprof__free(r->node_slots);
	r->node_slots = slots;
	r->node_slots_size = size;
}

static char *rep_printable(struct cprof__cli_report *r,
			   const struct cprof__cli_node *n)
{
	char head[64] = "", tail[64] = "";
	const char *sep = "", *file = "", *obj = "", *close = "";
	size_t len;
	char *out;

	if (n->address != 0)
		snprintf(head, sizeof(head), "%016llx",
			 (unsigned long long)n->address);
	if (n->lineno != 0) {
		file = n->file;
		snprintf(tail, sizeof(tail), ":%lld", (long long)n->lineno);
	} else if (n->file[0] != '\0') {
		file = n->file;
	} else if (n->name[0] != '\0') {
		/* the name says it all */
	} else if (n->objfile[0] != '\0') {
		const char *slash = strrchr(n->objfile, '/');

		obj = slash != NULL && slash[1] != '\0' ? slash + 1 : n->objfile;
		file = "[";
		close = "]";
	} else {
		file = "<unknown>";
	}
	len = strlen(head) + strlen(n->name) + strlen(file) + strlen(obj) +
	      strlen(tail) + 4;
	out = rep_alloc(r, len);
	out[0] = '\0';
	if (head[0] != '\0') {
		strcat(out, head);
		sep = " ";
	}
	if (n->name[0] != '\0') {
		strcat(out, sep);
		strcat(out, n->name);
		sep = " ";
	}
	if (file[0] != '\0') {
		strcat(out, sep);
		strcat(out, file);
		strcat(out, obj);
		strcat(out, close);
		strcat(out, tail);
	}
	return out;
}

static uint32_t rep_node_intern(struct cprof__cli_report *r,
				struct cprof__cli_node *key)
{
	size_t k;

	key->hash = cprof__hash_mix(key->hash, key->address);
	key->hash = cprof__hash_mix(key->hash, (uint64_t)key->lineno);
	key->hash = cprof__hash_mix(key->hash, (uint64_t)key->start_line);
	if (r->n_nodes * 2 >= r->node_slots_size)
		rep_node_grow(r);
	for (k = key->hash & (r->node_slots_size - 1); r->node_slots[k] != 0;
	     k = (k + 1) & (r->node_slots_size - 1))
		if (rep_node_eq(&r->nodes[r->node_slots[k] - 1], key))
			return r->node_slots[k] - 1;
	if (r->n_nodes == r->cap_nodes) {
		size_t cap = r->cap_nodes ? r->cap_nodes * 2 : 1024;
		void *nn = cprof__realloc(r->nodes, cap * sizeof(*r->nodes));

		if (nn == NULL) {
			cprof__cli_error("out of memory");
			exit(2);
		}
		r->nodes = nn;
		r->cap_nodes = cap;
	}
	key->printable = rep_printable(r, key);
	r->nodes[r->n_nodes] = *key;
	r->node_slots[k] = (uint32_t)r->n_nodes + 1;
	return (uint32_t)r->n_nodes++;
}

/* CreateNodes, after Aggregate with the granularity: the node of every
 * line of every location. */
static int rep_nodes(struct cprof__cli_report *r)
{
	const struct cprof__profile *p = r->p;
	const char *g = r->o->granularity;
	bool keep_fn, keep_file, keep_line, keep_addr;
	bool obj_names = strcmp(r->command, "list") == 0;
	size_t i, total = 0;

	keep_fn = strcmp(g, "functions") == 0 || strcmp(g, "filefunctions") == 0 ||
		  strcmp(g, "lines") == 0 || strcmp(g, "addresses") == 0;
	keep_file = strcmp(g, "files") == 0 || strcmp(g, "filefunctions") == 0 ||
		    strcmp(g, "lines") == 0 || strcmp(g, "addresses") == 0;
	keep_line = strcmp(g, "lines") == 0 || strcmp(g, "addresses") == 0;
	keep_addr = strcmp(g, "addresses") == 0;
	if (!keep_fn && !keep_file) {
		cprof__cli_error("unexpected granularity %s", g);
		return 2;
	}
	r->loc_off = rep_alloc(r, (p->locations.len + 1) * sizeof(*r->loc_off));
	for (i = 0; i < p->locations.len; i++) {
		struct cprof__cli_lines *ll = &r->loc_lines[i];

		if (r->o->noinlines && ll->n > 1) {
			ll->lines += ll->n - 1;
			ll->n = 1;
		}
		r->loc_off[i] = (uint32_t)total;
		total += ll->n > 0 ? ll->n : 1;
	}
	r->loc_off[i] = (uint32_t)total;
	r->loc_nodes = rep_alloc(r, (total + 1) * sizeof(*r->loc_nodes));
	for (i = 0; i < p->locations.len; i++) {
		const struct cprof__location *l = &p->locations.items[i];
		const struct cprof__cli_lines *ll = &r->loc_lines[i];
		const char *obj = rep_objfile(r, l);
		uint32_t obj_hash = rep_hash_str(obj);
		size_t j, n = ll->n > 0 ? ll->n : 1;

		for (j = 0; j < n; j++) {
			struct cprof__cli_node key;
			size_t fi = 0;
			const char *name = ll->n > 0 ?
				rep_fn_name(r, ll->lines[j].function_id, &fi) : NULL;

			memset(&key, 0, sizeof(key));
			key.name = key.file = key.objfile = "";
			key.address = keep_addr ? l->address : 0;
			if (name == NULL) {
				key.objfile = obj;
				key.hash = obj_hash;
			} else {
				key.lineno = keep_line ? ll->lines[j].line : 0;
				key.name = keep_fn ? name : "";
				key.file = keep_file ? r->fn_file[fi] : "";
				key.hash = cprof__hash_mix(
					keep_fn ? r->fn_name_hash[fi] : 0,
					keep_file ? r->fn_file_hash[fi] : 0);
				if (obj_names || key.name[0] == '\0') {
					key.objfile = obj;
					key.start_line =
						p->functions.items[fi].start_line;
					key.hash = cprof__hash_mix(key.hash, obj_hash);
				}
			}
			r->loc_nodes[r->loc_off[i] + j] = rep_node_intern(r, &key);
		}
	}
	return 0;
}

/* --- the whole ------------------------------------------------------- */

int cprof__cli_report_init(struct cprof__cli_report *r,
			   struct cprof__profile *p,
			   struct cprof__cli_ropts *o, const char *command)
{
	size_t i;
	char *u;

	memset(r, 0, sizeof(*r));
	cprof__arena_init(&r->arena, 0);
	r->p = p;
	r->o = o;
	r->command = command;
	if (rep_sample_index(r) != 0)
		return 2;
	if (o->divide_by == 0) {
		cprof__cli_error("zero divisor specified");
		return 2;
	}
	r->ratio = 1 / o->divide_by;
	r->sample_type = cprof__profile_str(p, p->sample_types.items[r->si].type);
	snprintf(r->sample_unit, sizeof(r->sample_unit), "%s",
		 cprof__profile_str(p, p->sample_types.items[r->si].unit));
	for (u = r->sample_unit; *u != '\0'; u++)
		if (*u >= 'A' && *u <= 'Z')
			*u = (char)(*u - 'A' + 'a');
	snprintf(r->output_unit, sizeof(r->output_unit), "%s", o->unit);

	/* applyCommandOverrides */
	r->trim_nodecount = o->nodecount;
	r->trim_nodefraction = o->nodefraction;
	r->trim_edgefraction = o->edgefraction;
	if (strcmp(command, "list") == 0)
		o->granularity = "lines";
	if (strcmp(command, "top") == 0) {
		if (r->trim_nodecount == -1)
			r->trim_nodecount = 0;
	} else if (r->trim_nodecount == -1) {
		r->trim_nodecount = 80;
	}
	if (!o->trim || strcmp(command, "peek") == 0 ||
	    strcmp(command, "list") == 0) {
		r->trim_nodecount = 0;
		r->trim_nodefraction = 0;
		r->trim_edgefraction = 0;
	}

	rep_total(r);
	rep_names(r);
	r->loc_lines = rep_alloc(r, (p->locations.len + 1) * sizeof(*r->loc_lines));
	for (i = 0; i < p->locations.len; i++) {
		r->loc_lines[i].lines = p->locations.items[i].lines;
		r->loc_lines[i].n = (uint32_t)p->locations.items[i].n_lines;
	}
	r->dense_locs = true;
	for (i = 0; i < p->locations.len && r->dense_locs; i++)
		r->dense_locs = p->locations.items[i].id == i + 1;
	if (rep_filter(r) != 0 || rep_filter_tag_names(r) != 0)
		return 2;
	for (i = 0; i < p->locations.len && !r->any_hidden; i++)
		r->any_hidden = r->loc_lines[i].hidden;
	return rep_nodes(r);
}

void cprof__cli_report_fini(struct cprof__cli_report *r)
{
	cprof__free(r->samples);
	cprof__free(r->nodes);
	cprof__free(r->node_slots);
	cprof__free(r->edges);
	cprof__free(r->edge_keys);
	cprof__free(r->edge_vals);
	cprof__free(r->edge_in);
	cprof__free(r->edge_out);
	cprof__free(r->kept);
	cprof__free(r->order);
	cprof__arena_fini(&r->arena);
	if (r->p != NULL)
		cprof__profile_free(r->p);
	memset(r, 0, sizeof(*r));
}

int cprof__cli_report_start(struct cprof__cli_report *r,
			    struct cprof__cli_ropts *o, int argc, char **argv,
			    const struct cprof__cli_opt *extra,
			    const char *usage, const char *about,
			    const char **regex)
{
	struct cprof__cli_opt table[CPROF_CLI_ROPTS_MAX + 16];
	struct cprof__profile *p;
	char *pos[3], err[1024];
	int n_pos, rc, want = regex != NULL ? 2 : 1;
	size_t n;

	memset(r, 0, sizeof(*r));
	cprof__cli_ropts_init(o);
	n = cprof__cli_ropts_table(o, table);
	for (; extra != NULL && extra->name != NULL; extra++)
		table[n++] = *extra;
	table[n].name = NULL;
	rc = cprof__cli_parse(argc, argv, table, usage, about, pos, 3, &n_pos);
	if (rc == CPROF_CLI_HELP)
		return -1;
	if (rc != 0)
		return 2;
	if (n_pos != want) {
		cprof__cli_error("usage: %s (see cprof %s --help)", usage, argv[0]);
		return 2;
	}
	if (regex != NULL)
		*regex = pos[0];
	if (cprof__cli_load(pos[want - 1], &p, err, sizeof(err)) != 0) {
		cprof__cli_error("%s", err);
		return 2;
	}
	/* go tool pprof merges what it reads, even one profile: samples with
	 * the same stack and labels become one, all-zero samples go. Only
	 * traces shows samples one by one; the graphs are the same either way. */
	if (strcmp(argv[0], "traces") == 0) {
		struct cprof__profile *merged;
		const struct cprof__profile *in[1] = {p};

		if (cprof__profile_merge(in, NULL, 1, &merged) != 0) {
			cprof__profile_free(p);
			cprof__cli_error("out of memory");
			return 2;
		}
		cprof__profile_free(p);
		p = merged;
	}
	if (cprof__cli_report_init(r, p, o, argv[0]) != 0) {
		cprof__cli_report_fini(r);
		return 2;
	}
	return 0;
}
