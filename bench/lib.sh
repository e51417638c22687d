# bench/lib.sh - what the bench/*/run.sh scripts share; source it.
#
# Every benchmark reports a median over interleaved rounds with its range,
# so that one noisy round on this shared 2-core machine shows as a range
# instead of moving the figure.

# The median, minimum and maximum of the numbers on stdin, on one line:
# "MEDIAN MIN MAX" ("- - -" when there are none).
bench_stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR]
	}'
}

# The same as text for a table: "MEDIAN [MIN … MAX]", 3 significant digits.
bench_stats_text() {
	bench_stats | awk '$1 == "-" { print "-"; next }
		{ printf "%.3g [%.3g … %.3g]", $1, $2, $3 }'
}

# bench_args DEFAULT_ROUNDS "$@": parses a script's "BUILD_DIR [ROUNDS]" into
# build (absolute) and rounds (ROUNDS, else CPROF_BENCH_ROUNDS, else
# DEFAULT_ROUNDS: a whole number of at least 1); exits 2 with the usage line
# otherwise.
bench_args() {
	local default=$1
	shift
	if [ $# -lt 1 ] || ! build=$(cd "$1" 2>/dev/null && pwd); then
		echo "usage: $0 BUILD_DIR [ROUNDS]" >&2
		exit 2
	fi
	rounds=${2:-${CPROF_BENCH_ROUNDS:-$default}}
	case $rounds in
	'' | *[!0-9]* | 0) echo "usage: $0 BUILD_DIR [ROUNDS]" >&2; exit 2 ;;
	esac
}
