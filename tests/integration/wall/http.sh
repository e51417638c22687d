# http.sh - /debug/pprof/wall takes the CPU profile's parameters and
# manners: a gzip'd profile sent as an attachment named "profile"; one
# session at a time (a second request while one runs gets a 500 with a
# clear message, and the first still completes); a client that goes away
# ends its session (the next request starts one at once); the index page
# lists it; a garbage CPROF_WALL_HZ is one clear line on stderr and the
# default (100 Hz: period 10 ms).
source "$(dirname "$0")/../http/lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/wall/wall_truth
dump=$CPROF_BUILD_DIR/tests/tools/pprof_dump

CPROF_WALL_HZ=lots start_preloaded "$prog" "$TMP/done"
grep -q 'CPROF_WALL_HZ="lots" is not a whole number in 1..1000; using the default 100' "$TMP/stderr" ||
	fail "no clear message for CPROF_WALL_HZ=lots: $(cat "$TMP/stderr")"
[[ $(grep -c CPROF_WALL_HZ "$TMP/stderr") == 1 ]] || fail "not exactly one line: $(cat "$TMP/stderr")"
ok "CPROF_WALL_HZ=lots -> $(cat "$TMP/stderr")"

fetch "/debug/pprof/wall?seconds=1"
expect_status 200
expect_header Content-Type application/octet-stream
expect_header Content-Disposition 'attachment; filename="profile"'
gzip -t "$TMP/body" || fail "the body is not gzip"
"$dump" "$TMP/body" >"$TMP/w.txt" || fail "pprof_dump"
grep -q '^period: 10000000$' "$TMP/w.txt" || fail "period: $(grep period "$TMP/w.txt")"
ok "seconds=1: a wall profile at the default 100 Hz"

# One at a time.
curl -s -o "$TMP/first" --max-time 20 \
	"http://127.0.0.1:$PORT/debug/pprof/wall?seconds=2" &
first=$!
sleep 0.5
fetch "/debug/pprof/wall?seconds=1"
expect_go_error 500 "Could not enable wall profiling: wall profiling already in use"
wait "$first" || fail "the first wall profile failed"
"$dump" "$TMP/first" >/dev/null || fail "the first wall profile is invalid"
ok "a concurrent wall profile: 500, and the first completes"

# A client that leaves ends the session (garbage seconds mean 30 s).
curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/debug/pprof/wall?seconds=abc"
sleep 0.3
fetch "/debug/pprof/wall?seconds=1"
expect_status 200
ok "a client that went away after 1 s of a 30 s profile: the next one starts"

fetch "/debug/pprof/"
expect_body_has "<a href='wall?debug=1'>wall</a>"
expect_body_has "Wall-clock profile"
expect_alive
ok "the index page lists wall"
