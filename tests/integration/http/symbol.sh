# symbol.sh - /debug/pprof/symbol, GET and POST, with the real address of
# a known function of http_target (from nm and the load base in
# /proc/PID/maps), Go's number forms, junk words, and the body cap.
. "$(dirname "$0")/lib.sh"

BIN=$HTTP_BIN/http_target
start_preloaded "$BIN"

# The function's address in the running process.
value=$(nm "$BIN" | awk '$3 == "http_target_burn" { print $1 }')
[ -n "$value" ] || fail "nm finds no http_target_burn in $BIN"
real=$(readlink -f "$BIN")
base=$(awk -v f="$real" '$6 == f && $3 == "00000000" { split($1, r, "-"); print r[1]; exit }' "/proc/$PID/maps")
[ -n "$base" ] || fail "no mapping of $real in /proc/$PID/maps"
if readelf -h "$BIN" | grep -q "DYN"; then
	addr=$(( 0x$base + 0x$value ))
else
	addr=$(( 0x$value ))
fi
hex=$(printf '0x%x' "$addr")
inside=$(printf '0x%x' $((addr + 4)))
echo "http_target_burn at $hex"

# --- GET: the raw query is the input
fetch "/debug/pprof/symbol?$hex"
expect_status 200
expect_header Content-Type "text/plain; charset=utf-8"
expect_header X-Content-Type-Options nosniff
expect_no_header X-Go-Pprof
expect_body "num_symbols: 1\n$hex http_target_burn\n"
ok "GET one address"

# Go's ParseUint base 0: decimal, octal, upper-case hex, underscores.
fetch "/debug/pprof/symbol?$addr+$(printf '0%o' "$addr")+$(printf '0X%X' $((addr + 4)))"
expect_body "num_symbols: 1\n$hex http_target_burn\n$hex http_target_burn\n$inside http_target_burn\n"
under=$(printf '0x%x' "$addr" | sed 's/^0x\(.\)/0x_\1/')
fetch "/debug/pprof/symbol?$under"
expect_body "num_symbols: 1\n$hex http_target_burn\n"
ok "number forms"

# Junk is skipped, never an error: empty words, signs, bad prefixes,
# overflow, misplaced underscores, zero, unmapped addresses.
fetch "/debug/pprof/symbol?++zzz+-1+0x+0x_+${hex}_+1__0+0+99999999999999999999999+0x1+%30x1+$hex"
expect_status 200
expect_body "num_symbols: 1\n$hex http_target_burn\n"
fetch /debug/pprof/symbol
expect_body "num_symbols: 1\n"
fetch "/debug/pprof/symbol?"
expect_body "num_symbols: 1\n"
ok "junk words"

# --- POST: the body is the input, as pprof sends it
fetch /debug/pprof/symbol -X POST -H "Content-Type: application/octet-stream" \
	--data-binary "$hex+junk+$inside"
expect_status 200
expect_header Content-Type "text/plain; charset=utf-8"
expect_header X-Content-Type-Options nosniff
expect_body "num_symbols: 1\n$hex http_target_burn\n$inside http_target_burn\n"
# POST reads the body, not the query.
fetch "/debug/pprof/symbol?$hex" -X POST --data-binary "0x1"
expect_body "num_symbols: 1\n"
fetch /debug/pprof/symbol -X POST --data-binary ""
expect_body "num_symbols: 1\n"
# Binary bytes.
head -c 3000 /dev/urandom >"$TMP/junk"
fetch /debug/pprof/symbol -X POST --data-binary @"$TMP/junk"
expect_status 200
ok "POST"

# --- HEAD: headers only
fetch "/debug/pprof/symbol?$hex" -I
expect_status 200
expect_header Content-Type "text/plain; charset=utf-8"
ok "HEAD"

# --- the body cap (1 MiB): up to it answered, past it 413
# "$hex+" repeated to exactly 1 MiB, the last word padded with '+'.
awk -v w="$hex+" -v last="$hex" 'BEGIN {
	size = 1048576; n = int(size / length(w))
	for (i = 0; i < n - 1; i++) printf "%s", w
	printf "%s", last
	for (i = length(last); i < size - (n - 1) * length(w); i++) printf "+"
}' >"$TMP/full"
[ "$(stat -c %s "$TMP/full")" = 1048576 ] || fail "fixture size $(stat -c %s "$TMP/full")"
fetch /debug/pprof/symbol -X POST --data-binary @"$TMP/full"
expect_status 200
[ "$(grep -c "^$hex http_target_burn\$" "$TMP/body")" -gt 50000 ] || fail "1 MiB body: $(wc -l <"$TMP/body") lines"
printf '+' >>"$TMP/full"
fetch /debug/pprof/symbol -X POST --data-binary @"$TMP/full"
expect_go_error 413 "http: request body too large"
# Without a Content-Length (chunked): refused once past the cap.
head -c 3000000 /dev/zero | tr '\0' 1 >"$TMP/big"
fetch /debug/pprof/symbol -X POST -H "Transfer-Encoding: chunked" --data-binary @"$TMP/big"
expect_go_error 413 "http: request body too large"
# Declared too large: refused before the body is sent (Expect: 100-continue).
fetch /debug/pprof/symbol -X POST -H "Expect: 100-continue" --data-binary @"$TMP/big"
expect_go_error 413 "http: request body too large"
expect_alive
fetch "/debug/pprof/symbol?$hex"
expect_body "num_symbols: 1\n$hex http_target_burn\n"
ok "body cap"
