#!/usr/bin/env bash
# bench/cli/run.sh BUILD_DIR [PAIRS] - cprof top against go tool pprof -top
# on a large profile (cli_genprof: 1,000,000 samples over 200,000
# locations, stacks 5-25 deep, ~50 MB of protobuf), in PAIRS (default 3)
# back-to-back pairs; wall time and peak RSS from /usr/bin/time. The two
# outputs must be identical. Prints a markdown table and the ratios
# (targets: >= 20x faster, <= 1/5 of the peak memory).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [PAIRS]" >&2; exit 2; }
build=$(cd "$1" && pwd)
pairs=${2:-3}
cprof=$build/src/cli/cprof
work=$build/bench/cli/work
mkdir -p "$work"
export PPROF_TMPDIR=$work GOTOOLCHAIN=local

prof=$work/big.pb.gz
[ -s "$prof" ] || "$build/bench/cli/cli_genprof" "$prof"
echo "profile: $(stat -c %s "$prof") bytes gzip'd, $(gzip -dc "$prof" | wc -c) bytes of protobuf"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo

# run NAME CMD...: appends "seconds kilobytes" to $work/NAME.times
run() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/$name.last" "$@" >"$work/$name.out" 2>/dev/null
	cat "$work/$name.last" >>"$work/$name.times"
}

rm -f "$work"/*.times
for ((i = 0; i < pairs; i++)); do
	run cprof "$cprof" top "$prof"
	run go go tool pprof -top "$prof"
	cmp -s "$work/cprof.out" "$work/go.out" || {
		echo "cprof top and go tool pprof -top disagree" >&2
		diff "$work/go.out" "$work/cprof.out" | head >&2
		exit 1
	}
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
cs=$(awk '{ print $1 }' "$work/cprof.times" | median)
cm=$(awk '{ print $2 }' "$work/cprof.times" | median)
gs=$(awk '{ print $1 }' "$work/go.times" | median)
gm=$(awk '{ print $2 }' "$work/go.times" | median)
echo "| tool (median of $pairs pairs) | wall s | peak RSS MB |"
echo "|---|---:|---:|"
awk -v s="$cs" -v m="$cm" 'BEGIN { printf "| cprof top | %.2f | %.0f |\n", s, m / 1024 }'
awk -v s="$gs" -v m="$gm" 'BEGIN { printf "| go tool pprof -top (Go 1.19) | %.2f | %.0f |\n", s, m / 1024 }'
echo
awk -v cs="$cs" -v gs="$gs" -v cm="$cm" -v gm="$gm" 'BEGIN {
	printf "cprof is %.1fx faster and uses %.2f of the memory (1/%.1f); outputs identical\n",
		gs / cs, cm / gm, gm / cm }'
