# drops.sh - a tiny per-thread buffer (CPROF_TRACE_BUFFER=1024: 32 slots)
# overflows when a thread emits events faster than the collector, woken
# when the buffer is half full, can take them (100 000 logs in a tight
# loop): what is dropped is counted and shown (an instant event
# "[cprof] dropped events" on the thread, otherData.dropped_events, the
# count in `cprof trace`), and the trace is still valid (regions whose
# begin or end was dropped are left out or closed, never unbalanced).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_trace.sh"

CPROF_TRACE_BUFFER=1024 CPROF_TRACE=$TMP/trace.json "$TRUTH" --burn-ms 10 \
	--regions 3000 --region-ms 0 --waits 1 --wait-ms 1 --burst 100000 \
	>/dev/null
check "$TMP/trace.json"
cat "$TMP/summary"
[[ $(val dropped) -gt 0 ]] || fail "no drop counted in otherData"
[[ $(val dropped_instants) == "$(val dropped)" ]] ||
	fail "dropped instants sum to $(val dropped_instants), otherData says $(val dropped)"
kept=$(val logs_burst)
[[ $((${kept:-0} + $(val dropped))) -le 112100 ]] ||
	fail "$kept burst logs kept and $(val dropped) dropped: more than the 100000 + 4 x 3000 (begin, end, log, nanosleep) + a few sent"
pass "$(val dropped) events dropped and shown; ${kept:-0} of 100000 burst logs kept"
"$CLI" trace "$TMP/trace.json" | grep -q " $(val dropped) dropped events" ||
	fail "cprof trace does not report the drops"
pass "cprof trace reports them"

# The default buffer keeps every event of the regions thread.
CPROF_TRACE=$TMP/full.json "$TRUTH" --burn-ms 10 --regions 3000 \
	--region-ms 0 --waits 1 --wait-ms 1 >/dev/null
check "$TMP/full.json"
[[ $(val dropped) == 0 && $(val regions_n) == 3000 ]] ||
	fail "default buffer: $(val dropped) dropped, $(val regions_n) regions"
pass "the default buffer keeps 3000 regions"
