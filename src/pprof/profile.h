/*
 * profile.h - the profile model shared by the library and the CLI.
 *
 * The model mirrors perftools.profiles.Profile (google/pprof
 * proto/profile.proto) field for field, with string-table indices kept as
 * indices, so that encoding and decoding are mechanical and a round trip is
 * exact. Everything a profile owns lives in its arena and is freed with it.
 *
 * Building: cprof__profile_new, then intern strings and add sample types,
 * mappings, functions, locations and samples; the add functions return the
 * 1-based id they assigned (0 on failure, after which the profile is marked
 * failed and cprof__profile_error says why). Functions are deduplicated by
 * (name, system_name, filename, start_line); strings by content.
 *
 * This module knows nothing of where a profile comes from; it never touches
 * the process it runs in. Not async-signal-safe.
 */
#ifndef CPROF_SRC_PPROF_PROFILE_H
#define CPROF_SRC_PPROF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

struct cprof__value_type {
	int64_t type; /* string index */
	int64_t unit; /* string index */
};

struct cprof__label {
	int64_t key;      /* string index */
	int64_t str;      /* string index, 0 if numeric */
	int64_t num;
	int64_t num_unit; /* string index, 0 if none */
};

struct cprof__sample {
	uint64_t *location_ids; /* leaf first */
	size_t n_locations;
	int64_t *values;        /* one per sample type */
	size_t n_values;
	struct cprof__label *labels;
	size_t n_labels;
};

struct cprof__mapping {
	uint64_t id;
	uint64_t memory_start;
	uint64_t memory_limit;
	uint64_t file_offset;
	int64_t filename; /* string index */
	int64_t build_id; /* string index */
	bool has_functions;
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

struct cprof__line {
	uint64_t function_id;
	int64_t line;
	int64_t column;
};

struct cprof__location {
	uint64_t id;
	uint64_t mapping_id; /* 0: none */
	uint64_t address;
	struct cprof__line *lines; /* innermost (inlined callee) first */
	size_t n_lines;
	bool is_folded;
};

struct cprof__function {
	uint64_t id;
	int64_t name;        /* string index */
	int64_t system_name; /* string index */
	int64_t filename;    /* string index */
	int64_t start_line;
};

/* A growable array of T in the profile's arena. */
#define CPROF__VEC(T)                                                         \
	struct {                                                              \
		T *items;                                                     \
		size_t len;                                                   \
		size_t cap;                                                   \
	}

struct cprof__strtab; /* interning and id indexes, private to profile.c */

struct cprof__profile {
	struct cprof__arena arena;
	CPROF__VEC(struct cprof__value_type) sample_types;
	CPROF__VEC(struct cprof__sample) samples;
	CPROF__VEC(struct cprof__mapping) mappings;
	CPROF__VEC(struct cprof__location) locations;
	CPROF__VEC(struct cprof__function) functions;
	CPROF__VEC(const char *) strings; /* strings.items[0] is "" */
	CPROF__VEC(size_t) string_lengths; /* strings may hold NUL bytes */
	CPROF__VEC(int64_t) comments;     /* string indices */
	int64_t drop_frames;             /* string index */
	int64_t keep_frames;             /* string index */
	int64_t time_nanos;
	int64_t duration_nanos;
	struct cprof__value_type period_type;
	int64_t period;
	int64_t default_sample_type;     /* string index */
	int64_t doc_url;                 /* string index */
	struct cprof__strtab *strtab;    /* NULL until first needed */
	int error;                       /* sticky CPROF_E*, 0 if fine */
};

struct cprof__profile *cprof__profile_new(void);
void cprof__profile_free(struct cprof__profile *p);
int cprof__profile_error(const struct cprof__profile *p);

/* Interns s (NUL-terminated, or n bytes) and returns its index; "" is 0. */
int64_t cprof__profile_string(struct cprof__profile *p, const char *s);
int64_t cprof__profile_string_n(struct cprof__profile *p, const char *s,
				size_t n);
/* The string at index i, or "" when out of range. */
const char *cprof__profile_str(const struct cprof__profile *p, int64_t i);

int cprof__profile_add_sample_type(struct cprof__profile *p,
				   const char *type, const char *unit);
void cprof__profile_set_period(struct cprof__profile *p, const char *type,
			       const char *unit, int64_t period);
void cprof__profile_add_comment(struct cprof__profile *p, const char *text);

/* m->id is ignored and assigned. */
uint64_t cprof__profile_add_mapping(struct cprof__profile *p,
				    const struct cprof__mapping *m);
uint64_t cprof__profile_add_function(struct cprof__profile *p,
				     const char *name, const char *system_name,
				     const char *filename, int64_t start_line);
/* lines are copied; n_lines may be 0 (an unsymbolized address). */
uint64_t cprof__profile_add_location(struct cprof__profile *p,
				     uint64_t mapping_id, uint64_t address,
				     const struct cprof__line *lines,
				     size_t n_lines);
/* Arrays are copied. n_values must equal the number of sample types. */
int cprof__profile_add_sample(struct cprof__profile *p,
			      const uint64_t *location_ids, size_t n_locations,
			      const int64_t *values, size_t n_values,
			      const struct cprof__label *labels,
			      size_t n_labels);

/* Lookups by id (ids are 1-based; NULL when absent). O(1) when ids are
 * dense (as built here), a search otherwise (decoded profiles). */
const struct cprof__location *
cprof__profile_location(const struct cprof__profile *p, uint64_t id);
const struct cprof__function *
cprof__profile_function(const struct cprof__profile *p, uint64_t id);
const struct cprof__mapping *
cprof__profile_mapping(const struct cprof__profile *p, uint64_t id);

/* Indexes sparse ids so the lookups above stay O(1) (the decoder calls it;
 * call it again after editing the item arrays directly). Rejects zero and
 * duplicate ids: CPROF_EINVAL with a reason in err, or CPROF_ENOMEM. */
int cprof__profile_index(struct cprof__profile *p, char *err, size_t err_size);

/* Checks what google/pprof's CheckValid checks (ids non-zero and unique,
 * references resolve, value counts match, string indices in range).
 * Returns 0, or CPROF_EINVAL with a reason in err. */
int cprof__profile_validate(const struct cprof__profile *p, char *err,
			    size_t err_size);

#endif
