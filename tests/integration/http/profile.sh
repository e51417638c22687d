# profile.sh - /debug/pprof/profile: headers and gzip body, one session at
# a time (Go's 500 for the second), a client that hangs up ends its session
# early, and go tool pprof reads the profile and finds the hot function.
. "$(dirname "$0")/lib.sh"

start_preloaded "$HTTP_BIN/http_target"

now() { date +%s.%N; }
elapsed_between() { awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN { d = b - a; exit !(lo <= d && d <= hi) }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }

# --- one second
t0=$(now)
fetch "/debug/pprof/profile?seconds=1"
t1=$(now)
expect_status 200
expect_header Content-Type "application/octet-stream"
expect_header Content-Disposition 'attachment; filename="profile"'
expect_header X-Content-Type-Options nosniff
expect_no_header X-Go-Pprof
[ "$(head -c 2 "$TMP/body" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "body is not gzip"
gzip -t <"$TMP/body" || fail "gzip stream is corrupt"
cp "$TMP/body" "$TMP/cpu.pb.gz"
elapsed_between "$t0" "$t1" 0.9 5 || fail "seconds=1 took $(elapsed "$t0" "$t1") s"
ok "seconds=1"

# --- a second session while one runs: Go's 500, then the first completes
curl -s -o "$TMP/first" -w '%{http_code}' --max-time 15 \
	"http://127.0.0.1:$PORT/debug/pprof/profile?seconds=3" >"$TMP/first.status" &
FIRST=$!
sleep 1
fetch "/debug/pprof/profile?seconds=1"
expect_go_error 500 "Could not enable CPU profiling: cpu profiling already in use"
fetch "/debug/pprof/profile?seconds=1" -I
expect_status 500
expect_header X-Go-Pprof 1
wait "$FIRST"
[ "$(cat "$TMP/first.status")" = 200 ] || fail "first profile: status $(cat "$TMP/first.status")"
ok "concurrent request gets 500"

# --- the client hangs up: the session ends early, the next one starts
t0=$(now)
curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=25"
[ $? = 28 ] || fail "a 25 s profile ended within 1 s"
# The server notices within a poll slice (100 ms); allow for ending the
# session on a slow machine before calling it a failure.
for i in $(seq 20); do
	fetch "/debug/pprof/profile?seconds=1"
	[ "$STATUS" = 500 ] || break
	sleep 0.1
done
t1=$(now)
expect_status 200
elapsed_between "$t0" "$t1" 1.9 6 || fail "after a hang-up, a 1 s profile came after $(elapsed "$t0" "$t1") s"
ok "hang-up ends the session"

# --- HEAD runs a profile too (Go's handler does), with the GET headers
fetch "/debug/pprof/profile?seconds=1" -I
expect_status 200
expect_header Content-Type "application/octet-stream"
expect_header Content-Disposition 'attachment; filename="profile"'
ok "HEAD"

# --- go tool pprof reads it and sees the hot function
export HOME=$TMP PPROF_TMPDIR=${PPROF_TMPDIR:-$TMP}
mkdir -p "$PPROF_TMPDIR"
go tool pprof -raw "$TMP/cpu.pb.gz" >"$TMP/raw.txt" 2>"$TMP/pprof.err" ||
	fail "go tool pprof: $(cat "$TMP/pprof.err")"
grep -q "^PeriodType: cpu nanoseconds" "$TMP/raw.txt" || fail "period type: $(head -5 "$TMP/raw.txt")"
grep -q "http_target_burn" "$TMP/raw.txt" || fail "no http_target_burn in: $(head -40 "$TMP/raw.txt")"
go tool pprof -top "$TMP/cpu.pb.gz" 2>/dev/null | head -12
ok "go tool pprof finds http_target_burn"

# --- and fetches it itself, as users run it
go tool pprof -top -seconds 1 "http://127.0.0.1:$PORT/debug/pprof/profile" \
	>"$TMP/remote.txt" 2>&1 || fail "go tool pprof over HTTP: $(cat "$TMP/remote.txt")"
grep -q "http_target_burn" "$TMP/remote.txt" || fail "remote profile: $(head -20 "$TMP/remote.txt")"
ok "go tool pprof http://.../debug/pprof/profile"
