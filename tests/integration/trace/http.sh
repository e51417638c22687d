# http.sh - /debug/pprof/trace with Go's parameter handling: seconds as a
# float (fractions honoured), missing or unparsable means 1 s, past the
# server's limit 400, a second trace while one runs 500 with Go's message;
# the body is a valid trace sent as Go sends one (octet-stream, attachment
# "trace"); ?flight=1 without a flight recorder is one clear 400. The
# program runs trace_truth --loop, so every trace has events.
source "$(dirname "$0")/../http/lib.sh"
PROGRAMS=${CPROF_TEST_PROGRAMS:?}
CHECK="node $(dirname "$0")/check_trace.js"

# duration DURATION_MS LO HI: the last body's trace lasted LO..HI ms.
duration() {
	$CHECK "$TMP/body" >"$TMP/summary" || fail "invalid trace"
	local d
	d=$(sed -n 's/^duration_ms=//p' "$TMP/summary")
	awk -v d="$d" -v lo="$1" -v hi="$2" 'BEGIN { exit !(d >= lo && d <= hi) }' ||
		fail "trace lasted $d ms, want $1..$2"
	ok "$LAST: a valid trace of $d ms"
}

start_preloaded "$PROGRAMS/trace_truth" --loop --burn-ms 50 --regions 5 \
	--region-ms 10 --waits 2 --wait-ms 10

fetch "/debug/pprof/trace?seconds=0.3"
expect_status 200
expect_header Content-Type application/octet-stream
expect_header Content-Disposition 'attachment; filename="trace"'
duration 250 1500
grep -q '^regions_n=[1-9]' "$TMP/summary" || fail "no region in 0.3 s"

for bad in "" "?seconds=abc" "?seconds=-2" "?seconds=0" "?seconds=%201"; do
	fetch "/debug/pprof/trace$bad"
	expect_status 200
	duration 900 3000
done

fetch "/debug/pprof/trace?seconds=1e9"
expect_go_error 400 "profile duration exceeds server's WriteTimeout"
ok "seconds=1e9: 400"

# One trace at a time: a second one while the first runs gets Go's 500,
# and the first one still completes.
curl -s -o "$TMP/first" --max-time 20 \
	"http://127.0.0.1:$PORT/debug/pprof/trace?seconds=2" &
first=$!
sleep 0.5
fetch "/debug/pprof/trace?seconds=0.1"
expect_go_error 500 "Could not enable tracing: tracing is already enabled"
ok "a concurrent trace: 500 with Go's message"
wait "$first" || fail "the first trace failed"
$CHECK "$TMP/first" >/dev/null || fail "the first trace is invalid"
fetch "/debug/pprof/trace?seconds=0.1"
expect_status 200
ok "after it, a new trace starts"

# A CPU profile during a trace: both get the samples, and the trace keeps
# its CPU samples after the profile ends.
curl -s -o "$TMP/long" --max-time 20 \
	"http://127.0.0.1:$PORT/debug/pprof/trace?seconds=2.5" &
long=$!
sleep 0.3
fetch "/debug/pprof/profile?seconds=1"
expect_status 200
go tool pprof -top "$TMP/body" 2>/dev/null | grep -q burn_cpu ||
	fail "the CPU profile taken during a trace has no burn_cpu"
wait "$long" || fail "the trace around the CPU profile failed"
$CHECK "$TMP/long" burner >"$TMP/summary" || fail "invalid trace"
cpu_ms=$(sed -n 's/^burner_cpu_ms=//p' "$TMP/summary")
[[ ${cpu_ms%.*} -gt 0 ]] || fail "the trace has no CPU samples of the burner"
ok "a CPU profile during a trace: both have samples (burner ${cpu_ms} ms in the trace)"

fetch "/debug/pprof/trace?flight=1"
expect_go_error 400 \
	"the flight recorder is off (start it with CPROF_TRACE_FLIGHT)"
ok "flight=1 without a flight recorder: 400"

fetch "/debug/pprof/"
expect_body_has "trace?debug=1"
expect_alive
