# lib_trace.sh - what the trace tests share (sourced after ../lib.sh).
CLI=${CPROF_BUILD_DIR:?}/src/cli/cprof
CHECK="node $(dirname "${BASH_SOURCE[0]}")/check_trace.js"
TRUTH=$PROGRAMS/trace_truth

# check FILE [THREAD...]: validates FILE; its summary goes to $TMP/summary.
check() {
	$CHECK "$@" >"$TMP/summary" || fail "$1 breaks the trace format"
}

# val KEY [FILE]: a key=value of the summary (or of a `truth` line).
val() { sed -n "s/^$1=//p; s/.* $1=\([^ ]*\).*/\1/p" "${2:-$TMP/summary}" | head -1; }

# within NAME GOT WANT PERCENT: |GOT - WANT| <= PERCENT % of WANT.
within() {
	local tol
	tol=$(awk -v w="$3" -v p="$4" 'BEGIN { printf "%.3f", w * p / 100 }')
	assert_near "$1" "$2" "$3" "$tol"
}
