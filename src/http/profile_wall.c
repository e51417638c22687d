/*
 * profile_wall.c - /debug/pprof/wall: a wall-clock profile of the next N
 * seconds (profiles/wall.h). Go has no such endpoint; it takes the CPU
 * profile's parameters and manners (profile_cpu.c): seconds as ParseInt,
 * missing, unparsable or <= 0 meaning 30; one session at a time, a second
 * request getting a 500; the handler waits the duration or until the
 * client goes away, always ends the session, and sends the gzip'd
 * profile.proto as an attachment named "profile".
 */
#include <microhttpd.h>

#include "cprof.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "profiles/wall.h"

void cprof__http_serve_wall(const struct cprof__http_request *req,
			    struct cprof__http_reply *reply)
{
	int64_t seconds = cprof__http_profile_seconds(req);
	struct cprof__profile *p;
	enum cprof__http_wait_end end;
	int error;

	error = cprof__wall_begin();
	if (error != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
			"Could not enable wall profiling: %s",
			error == CPROF_EBUSY ? CPROF_WALL_BUSY_MESSAGE
					     : cprof_strerror(error));
		return;
	}
	end = cprof__http_wait(req->fd, seconds);
	p = cprof__wall_end(&error);
	if (end == CPROF_HTTP_WAIT_ELAPSED)
		cprof__http_reply_profile(p, error, reply);
	else
		reply->drop = true; /* nobody to send it to */
	cprof__profile_free(p);
}
