# env_garbage.sh - garbage in the trace's variables gets one clear line on
# stderr naming the variable and the default used, and the program runs as
# without cprof; an unwritable CPROF_TRACE path is one line at exit.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_trace.sh"
prog=("$TRUTH" --burn-ms 5 --regions 1 --region-ms 1 --waits 1 --wait-ms 1)

check_var() { # VAR VALUE EXPECTED-STDERR-PATTERN
	local var=$1 value=$2 pattern=$3 rc=0
	env "$var=$value" CPROF_TRACE="$TMP/t.json" LD_PRELOAD="$CPROF_LIB" \
		"${prog[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[[ $rc == 0 ]] || { cat "$TMP/err"; fail "$var=$value: exit status $rc"; }
	grep -q '^truth ' "$TMP/out" || fail "$var=$value: output changed"
	grep -q -- "$pattern" "$TMP/err" || { cat "$TMP/err"; fail "$var=$value: no clear message"; }
	[[ $(grep -c "$var" "$TMP/err") == 1 ]] || { cat "$TMP/err"; fail "$var=$value: not exactly one line"; }
	check "$TMP/t.json"
	pass "$var=$value -> $(head -1 "$TMP/err")"
}

check_var CPROF_TRACE_FLIGHT abc 'CPROF_TRACE_FLIGHT="abc" .*0..3600; using the default 0'
check_var CPROF_TRACE_FLIGHT -1 'CPROF_TRACE_FLIGHT="-1" .*default 0'
check_var CPROF_TRACE_FLIGHT 99999 'CPROF_TRACE_FLIGHT="99999" .*default 0'
check_var CPROF_TRACE_BUFFER 12 'CPROF_TRACE_BUFFER="12" .*1024..67108864; using the default 262144'
check_var CPROF_TRACE_BUFFER lots 'CPROF_TRACE_BUFFER="lots" .*default 262144'

rc=0
CPROF_TRACE=/nonexistent/dir/t.json LD_PRELOAD=$CPROF_LIB "${prog[@]}" \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
[[ $rc == 0 ]] || fail "unwritable trace path changed the exit status ($rc)"
grep -q 'cannot write the trace to /nonexistent/dir/t.json' "$TMP/err" ||
	fail "no message for an unwritable trace path: $(cat "$TMP/err")"
pass "unwritable CPROF_TRACE -> $(cat "$TMP/err")"
