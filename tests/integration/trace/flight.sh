# flight.sh - the flight recorder (CPROF_TRACE_FLIGHT=1) keeps only the
# last second: dumped by /debug/pprof/trace?flight=1 and by
# cprof_trace_flight_write, the trace spans one second, holds no event
# older than that (the "request" task began at the program's start, more
# than a second before), and still has recent events. A timed trace may
# run while the flight recorder does.
source "$(dirname "$0")/../http/lib.sh"
PROGRAMS=${CPROF_TEST_PROGRAMS:?}
CHECK="node $(dirname "$0")/check_trace.js"
val() { sed -n "s/^$1=//p" "$TMP/summary"; }

# last_second FILE: FILE is a valid trace of the last second only.
last_second() {
	$CHECK "$1" >"$TMP/summary" || fail "$1: invalid trace"
	awk -v d="$(val duration_ms)" -v lo="$(val min_ts_us)" \
		-v hi="$(val max_ts_us)" \
		'BEGIN { exit !(d >= 950 && d <= 1050 && lo >= 0 && hi <= d * 1000) }' ||
		fail "$1: $(val duration_ms) ms, ts $(val min_ts_us)..$(val max_ts_us) us"
	[[ $(val tasks) != *request:* ]] ||
		fail "$1 holds the request task, begun more than 1 s ago"
	[[ $(val regions_n) -ge 1 ]] || fail "$1 has no recent region"
	ok "$1: $(val duration_ms) ms, ts $(val min_ts_us)..$(val max_ts_us) us, $(val regions_n) regions, tasks $(val tasks)"
}

CPROF_TRACE_FLIGHT=1 start_preloaded "$PROGRAMS/trace_truth" --loop \
	--burn-ms 50 --regions 5 --region-ms 10 --waits 2 --wait-ms 10
sleep 2.5
fetch "/debug/pprof/trace?flight=1"
expect_status 200
expect_header Content-Disposition 'attachment; filename="trace"'
last_second "$TMP/body"
fetch "/debug/pprof/trace?seconds=0.2"
expect_status 200
$CHECK "$TMP/body" >/dev/null || fail "a timed trace beside the flight recorder"
ok "a timed trace while the flight recorder runs"

# The API: the program dumps it itself before it exits.
CPROF_TRACE_FLIGHT=1 LD_PRELOAD=$CPROF_LIB "$PROGRAMS/trace_truth" \
	--burn-ms 100 --regions 200 --region-ms 10 --waits 1 --wait-ms 10 \
	--flight "$TMP/flight.json" >/dev/null || fail "cprof_trace_flight_write failed"
last_second "$TMP/flight.json"

# Without a flight recorder the call says so and writes nothing.
rc=0
"$PROGRAMS/trace_truth" --burn-ms 1 --regions 1 --region-ms 1 --waits 0 \
	--flight "$TMP/none.json" >/dev/null 2>"$TMP/err" || rc=$?
[[ $rc == 1 && ! -e $TMP/none.json ]] && grep -q 'cprof is not started\|not' "$TMP/err" ||
	fail "flight write without a recorder: status $rc, $(cat "$TMP/err")"
ok "no flight recorder: $(cat "$TMP/err")"
