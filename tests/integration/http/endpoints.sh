# endpoints.sh - index, cmdline, 404s, 405s, HEAD, redirect, keep-alive,
# malformed and hostile requests, and the names of the server's threads,
# against http_target under LD_PRELOAD.
. "$(dirname "$0")/lib.sh"

start_preloaded "$HTTP_BIN/http_target" one "two words" ""

# send_raw BYTES: one exchange on a fresh connection, answer in $TMP/raw.
send_raw() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "connect"
	# The server may close before taking it all: no SIGPIPE for us.
	(trap '' PIPE; printf '%b' "$1" >&3) 2>/dev/null
	timeout 5 cat <&3 >"$TMP/raw" || true
	exec 3<&- 3>&-
}

# --- index page
fetch /debug/pprof/
expect_status 200
expect_header Content-Type "text/html; charset=utf-8"
expect_header X-Content-Type-Options nosniff
expect_no_header X-Go-Pprof
expect_no_header Content-Disposition
expect_body_has "<title>/debug/pprof/</title>"
expect_body_has "<p>Set debug=1 as a query parameter to export in legacy text format</p>"
expect_body_has "<thead><td>Count</td><td>Profile</td></thead>"
expect_body_has "<tr><td>0</td><td><a href='cmdline?debug=1'>cmdline</a></td></tr>"
expect_body_has "<tr><td>0</td><td><a href='profile?debug=1'>profile</a></td></tr>"
expect_body_has "<li><div class=profile-name>cmdline: </div>"
expect_body_has "Profile Descriptions:"
# The full-dump link exactly when a goroutine profile is listed.
if grep -q "'goroutine?debug=1'" "$TMP/body"; then
	expect_body_has '<a href="goroutine?debug=2">full goroutine stack dump</a>'
else
	grep -q "goroutine?debug=2" "$TMP/body" && fail "goroutine link without a goroutine profile"
fi
# Sorted by name: the rows' names in order.
grep -o "debug=1'>[^<]*<" "$TMP/body" | sed "s/debug=1'>//; s/<//" >"$TMP/names"
sort -c "$TMP/names" 2>/dev/null || fail "index rows not sorted: $(tr '\n' ' ' <"$TMP/names")"
ok "index"

# --- every profile the library lists is served, in both forms
for n in $(grep -o "debug=1'>[^<]*<" "$TMP/body" | sed "s/debug=1'>//; s/<//"); do
	case $n in cmdline|profile|trace|wall) continue ;; esac # timed: their own tests
	fetch "/debug/pprof/$n"
	expect_status 200
	expect_header Content-Type "application/octet-stream"
	expect_header Content-Disposition "attachment; filename=\"$n\""
	expect_header X-Content-Type-Options nosniff
	[ "$(head -c 2 "$TMP/body" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "$n: body is not gzip"
	fetch "/debug/pprof/$n?debug=1"
	if [ "$STATUS" = 501 ]; then
		# The kind has no text writer yet (write_text NULL).
		expect_go_error 501 "the debug=1 text form of $n is not implemented yet"
	else
		expect_status 200
		expect_header Content-Type "text/plain; charset=utf-8"
		expect_no_header Content-Disposition
	fi
	ok "listed profile $n (debug=1: $STATUS)"
	fetch /debug/pprof/
done

# --- cmdline: the arguments joined by NUL, no trailing NUL
fetch /debug/pprof/cmdline
expect_status 200
expect_header Content-Type "text/plain; charset=utf-8"
expect_header X-Content-Type-Options nosniff
expect_no_header X-Go-Pprof
expect_no_header Content-Disposition
printf '%s\0one\0two words\0' "$HTTP_BIN/http_target" >"$TMP/want"
cmp -s "$TMP/want" "$TMP/body" || fail "cmdline body: $(od -c "$TMP/body" | head -5)"
ok "cmdline"

# --- unknown profiles: Go's serveError 404 (names no profile kind will
# ever register; a trailing slash never names one)
for p in heap/ 'h%65ap/' goroutine/ nosuch nosuch/ HEAP cpu profile/ cmdline/ \
	symbol/ '%00' 'a%2Fb' symbolz; do
	fetch "/debug/pprof/$p"
	expect_go_error 404 "Unknown profile"
done
fetch "/debug/pprof/nosuch?debug=1&seconds=5"
expect_go_error 404 "Unknown profile"
ok "unknown profiles"

# --- outside /debug/pprof/: the mux's 404
for p in / /debug /debug/ /debug/pprofx /favicon.ico /DEBUG/PPROF/; do
	fetch "$p"
	expect_mux_error 404 "404 page not found"
done
ok "other paths"

# --- /debug/pprof: the mux's redirect, query kept
fetch "/debug/pprof?debug=1"
expect_status 301
expect_header Location "/debug/pprof/?debug=1"
expect_header Content-Type "text/html; charset=utf-8"
expect_body '<a href="/debug/pprof/?debug=1">Moved Permanently</a>.\n\n'
ok "redirect"

# --- methods: GET and HEAD only (symbol also POST)
for m in POST PUT DELETE OPTIONS FOO; do
	for p in / /cmdline /profile /heap; do
		fetch "/debug/pprof$p" -X "$m"
		expect_mux_error 405 "Method Not Allowed"
		expect_header Allow "GET, HEAD"
	done
	[ "$m" = POST ] && continue
	fetch /debug/pprof/symbol -X "$m"
	expect_mux_error 405 "Method Not Allowed"
	expect_header Allow "GET, HEAD, POST"
done
fetch /debug/pprof/profile -X POST -d 'seconds=1'
expect_status 405
ok "405"

# --- HEAD: the GET headers, no body
fetch /debug/pprof/ -I
expect_status 200
expect_header Content-Type "text/html; charset=utf-8"
expect_header X-Content-Type-Options nosniff
send_raw 'HEAD /debug/pprof/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
tr -d '\r' <"$TMP/raw" | sed '1,/^$/d' | grep -q . && fail "HEAD returned a body"
fetch /debug/pprof/nosuch -I
expect_status 404
expect_header X-Go-Pprof 1
fetch /debug/pprof/cmdline -I
expect_status 200
ok "HEAD"

# --- keep-alive: two requests, one connection
curl -sv -o /dev/null -o /dev/null "http://127.0.0.1:$PORT/debug/pprof/" \
	"http://127.0.0.1:$PORT/debug/pprof/cmdline" 2>"$TMP/verbose"
grep -q "Re-using existing connection" "$TMP/verbose" || fail "connection not reused"
ok "keep-alive"

# --- hostile input: never a crash, always an answer
# (curl takes at most 128 KiB in one argument; MHD's limit is 64 KiB.)
fetch "/debug/pprof/?$(head -c 120000 /dev/zero | tr '\0' 'a')"
case $STATUS in 200|4??) ;; *) fail "120 KB query: status $STATUS" ;; esac
q=$(for i in $(seq 1000); do printf 'debug=%d&seconds=x&' "$i"; done)
fetch "/debug/pprof/nosuch?$q"
expect_status 404
# More arguments than MHD's pool holds: it may just close; we must survive.
q=$(for i in $(seq 4000); do printf 'debug=%d&seconds=x&' "$i"; done)
fetch "/debug/pprof/nosuch?$q"
expect_alive
fetch "/debug/pprof/?debug=%00%ff%zz&seconds=%&=&&&;;&gc=-1"
expect_status 200
fetch "/debug/pprof/%zz"
expect_status 400
fetch "/debug/pprof/cmdline?seconds=99999999999999999999999999&debug=0x10"
expect_status 200
# Raw bytes curl would not send: a binary target, junk lines, a huge header.
send_raw 'GET /debug/pprof/\xff\x01\x7f?\xfe\x00x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
send_raw 'HELLO\r\n\r\n'
send_raw 'GET /debug/pprof/ HTTP/1.1\r\nno colon here\r\nConnection: close\r\n\r\n'
send_raw "GET /debug/pprof/ HTTP/1.1\r\nX-Big: $(head -c 100000 /dev/zero | tr '\0' b)\r\nConnection: close\r\n\r\n"
send_raw "GET /debug/pprof/?$(head -c 400000 /dev/zero | tr '\0' a) HTTP/1.1\r\nConnection: close\r\n\r\n"
head -1 "$TMP/raw" | grep -q "^HTTP/1.1 4" || fail "400 KB target: $(head -c 100 "$TMP/raw")"
send_raw 'GET /debug/pprof/symbol?0x1+ HTTP/1.0\r\n\r\n'
grep -q "num_symbols: 1" "$TMP/raw" || fail "HTTP/1.0 symbol: $(head -c 300 "$TMP/raw")"
expect_alive
fetch /debug/pprof/
expect_status 200
ok "hostile input"

# --- more clients than the connection limit: refused, not fatal
curls=()
for i in $(seq 48); do
	curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/debug/pprof/" &
	curls+=($!)
done
for j in "${curls[@]}"; do wait "$j"; done
expect_alive
fetch /debug/pprof/
expect_status 200
ok "connection storm"

# --- thread names: every server thread is cprof-http, none MHD's
sleep 0.2
names=$(cat /proc/"$PID"/task/*/comm 2>/dev/null)
echo "$names" | grep -qx "cprof-http" || fail "no cprof-http thread: $(echo $names)"
echo "$names" | grep -q "^MHD" && fail "MHD thread names left: $(echo $names)"
# During a request too: the connection's thread is renamed before it runs.
curl -s -o /dev/null --max-time 10 "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=2" &
CURL=$!
sleep 1
names=$(cat /proc/"$PID"/task/*/comm 2>/dev/null)
wait "$CURL"
[ "$(echo "$names" | grep -cx cprof-http)" -ge 2 ] || fail "threads during /profile: $(echo $names)"
echo "$names" | grep -q "^MHD" && fail "MHD thread names during /profile: $(echo $names)"
ok "thread names"
