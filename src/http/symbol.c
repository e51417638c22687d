/*
 * symbol.c - /debug/pprof/symbol: names of addresses, for pprof's remote
 * symbolization.
 *
 * pprof POSTs "0xA+0xB+..." (GET puts the same in the raw query) and keeps
 * every "0x... name" line of the answer. As in Go: words split on '+',
 * each parsed by strconv.ParseUint(word, 0, 64), unparsable or zero words
 * skipped, addresses outside any symbol omitted, and the first line
 * "num_symbols: 1" (pprof only checks it is > 0). Always 200.
 */
#include <inttypes.h>
#include <string.h>

#include "http/http_internal.h"
#include "symbolize/symbolize.h"

/* Longest name we print for one address (demangled C++ can be huge). */
#define SYMBOL_NAME_MAX (64u << 10)

static void symbol_word(const char *w, size_t n, struct cprof__buf *name,
			struct cprof__buf *out)
{
	uint64_t pc;

	if (cprof__http_parse_uint0(w, n, &pc) != 0 || pc == 0)
		return;
	cprof__buf_reset(name);
	if (cprof__symbolize_name(pc, name) != 0 || cprof__buf_failed(name))
		return;
	cprof__buf_printf(out, "0x%" PRIx64 " ", pc);
	cprof__buf_append(out, name->data, name->len);
	cprof__buf_putc(out, '\n');
}

void cprof__http_serve_symbol(const struct cprof__http_request *req,
			      struct cprof__http_reply *reply)
{
	struct cprof__buf name;
	const char *in = req->body ? req->body : req->query;
	size_t len = req->body ? req->body_len : req->query_len;
	size_t pos = 0;

	cprof__http_reply_text(reply);
	cprof__buf_puts(&reply->body, "num_symbols: 1\n");
	cprof__buf_init(&name, SYMBOL_NAME_MAX);
	while (pos <= len && !cprof__buf_failed(&reply->body)) {
		const char *w = in + pos;
		const char *plus = memchr(w, '+', len - pos);
		size_t n = plus ? (size_t)(plus - w) : len - pos;

		symbol_word(w, n, &name, &reply->body);
		pos += n + 1;
	}
	cprof__buf_fini(&name);
}
