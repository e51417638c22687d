/*
 * strerror.c - cprof_strerror: a message for each CPROF_E* code.
 */
#include "cprof.h"

CPROF_API const char *cprof_strerror(int error)
{
	switch (error) {
	case 0:
		return "success";
	case CPROF_EINVAL:
		return "invalid argument";
	case CPROF_ENOMEM:
		return "out of memory";
	case CPROF_EBUSY:
		return "cpu profiling already in use";
	case CPROF_EALREADY:
		return "cprof is already started";
	case CPROF_ENOTSUP:
		return "not supported in this process";
	case CPROF_EIO:
		return "input/output error";
	case CPROF_ESTATE:
		return "cprof is not started";
	default:
		return "unknown error";
	}
}
