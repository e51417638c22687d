/*
 * wire.h - the protobuf wire format as profile.proto uses it.
 *
 * One constant per field per message, named after the schema
 * (google/pprof proto/profile.proto) with the proto type in a trailing
 * comment, as Go's runtime/pprof/protobuf.go keeps its tag table. encode.c
 * writes these numbers and decode.c dispatches on them; nothing else in the
 * tree should need them. Both sides share the varint size helper here; the
 * byte-level readers and writers stay private to their files because only
 * the decoder deals with untrusted bytes.
 */
#ifndef CPROF_SRC_PPROF_WIRE_H
#define CPROF_SRC_PPROF_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Wire types (protobuf encoding spec). 3 and 4 are the deprecated groups,
 * which profile.proto never uses; the decoder rejects them. */
enum {
	PB_WT_VARINT = 0,
	PB_WT_I64 = 1,
	PB_WT_LEN = 2,
	PB_WT_SGROUP = 3,
	PB_WT_EGROUP = 4,
	PB_WT_I32 = 5,
};

#define PB_MAX_VARINT 10        /* bytes in the longest (uint64) varint */
#define PB_MAX_FIELD ((1u << 29) - 1)

enum { /* message Profile */
	PB_PROFILE_SAMPLE_TYPE = 1,         /* repeated ValueType */
	PB_PROFILE_SAMPLE = 2,              /* repeated Sample */
	PB_PROFILE_MAPPING = 3,             /* repeated Mapping */
	PB_PROFILE_LOCATION = 4,            /* repeated Location */
	PB_PROFILE_FUNCTION = 5,            /* repeated Function */
	PB_PROFILE_STRING_TABLE = 6,        /* repeated string */
	PB_PROFILE_DROP_FRAMES = 7,         /* int64 (string index) */
	PB_PROFILE_KEEP_FRAMES = 8,         /* int64 (string index) */
	PB_PROFILE_TIME_NANOS = 9,          /* int64 */
	PB_PROFILE_DURATION_NANOS = 10,     /* int64 */
	PB_PROFILE_PERIOD_TYPE = 11,        /* ValueType */
	PB_PROFILE_PERIOD = 12,             /* int64 */
	PB_PROFILE_COMMENT = 13,            /* repeated int64 (string index) */
	PB_PROFILE_DEFAULT_SAMPLE_TYPE = 14, /* int64 (string index) */
	PB_PROFILE_DOC_URL = 15,            /* int64 (string index) */
};

enum { /* message ValueType */
	PB_VALUETYPE_TYPE = 1, /* int64 (string index) */
	PB_VALUETYPE_UNIT = 2, /* int64 (string index) */
};

enum { /* message Sample */
	PB_SAMPLE_LOCATION_ID = 1, /* repeated uint64 */
	PB_SAMPLE_VALUE = 2,       /* repeated int64 */
	PB_SAMPLE_LABEL = 3,       /* repeated Label */
};

enum { /* message Label */
	PB_LABEL_KEY = 1,      /* int64 (string index) */
	PB_LABEL_STR = 2,      /* int64 (string index) */
	PB_LABEL_NUM = 3,      /* int64 */
	PB_LABEL_NUM_UNIT = 4, /* int64 (string index) */
};

enum { /* message Mapping */
	PB_MAPPING_ID = 1,                /* uint64 */
	PB_MAPPING_MEMORY_START = 2,      /* uint64 */
	PB_MAPPING_MEMORY_LIMIT = 3,      /* uint64 */
	PB_MAPPING_FILE_OFFSET = 4,       /* uint64 */
	PB_MAPPING_FILENAME = 5,          /* int64 (string index) */
	PB_MAPPING_BUILD_ID = 6,          /* int64 (string index) */
	PB_MAPPING_HAS_FUNCTIONS = 7,     /* bool */
	PB_MAPPING_HAS_FILENAMES = 8,     /* bool */
	PB_MAPPING_HAS_LINE_NUMBERS = 9,  /* bool */
	PB_MAPPING_HAS_INLINE_FRAMES = 10, /* bool */
};

enum { /* message Location */
	PB_LOCATION_ID = 1,         /* uint64 */
	PB_LOCATION_MAPPING_ID = 2, /* uint64 */
	PB_LOCATION_ADDRESS = 3,    /* uint64 */
	PB_LOCATION_LINE = 4,       /* repeated Line */
	PB_LOCATION_IS_FOLDED = 5,  /* bool */
};

enum { /* message Line */
	PB_LINE_FUNCTION_ID = 1, /* uint64 */
	PB_LINE_LINE = 2,        /* int64 */
	PB_LINE_COLUMN = 3,      /* int64 */
};

enum { /* message Function */
	PB_FUNCTION_ID = 1,          /* uint64 */
	PB_FUNCTION_NAME = 2,        /* int64 (string index) */
	PB_FUNCTION_SYSTEM_NAME = 3, /* int64 (string index) */
	PB_FUNCTION_FILENAME = 4,    /* int64 (string index) */
	PB_FUNCTION_START_LINE = 5,  /* int64 */
};

/* Bytes in the varint encoding of v (1..10). Negative int64 values are
 * their two's complement uint64, hence always 10 bytes, as in protobuf. */
static inline size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

#endif
