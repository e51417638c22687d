#!/usr/bin/env bash
# bench/contention/run.sh BUILD_DIR [ROUNDS] - what the mutex and block
# profiles cost (issue #5), results in docs/PERFORMANCE.md.
#
# 1. Uncontended lock+unlock pairs (lockbench pair: one idle thread, see
#    lockbench.c for why), ROUNDS interleaved rounds (default 21;
#    CPROF_BENCH_ROUNDS also sets it) of four variants whose order rotates:
#    no profiler; cprof preloaded with both profiles off
#    (CPROF_MUTEX_FRACTION=0 CPROF_BLOCK_RATE=0: the hooks pass through);
#    cprof with the defaults; cprof recording every event (fraction 1,
#    rate 1). Each cprof run is paired with the unprofiled run of its round:
#    median and range of the difference in the loop thread's CPU ns per
#    pair (time spent waiting for a CPU is not the hooks' cost; wall time
#    on a shared machine is mostly that). Then the same for a
#    single-threaded process (lockbench pair1), no profiler vs defaults.
#    Then the precise figure: lockbench inproc in each variant (ROUNDS
#    runs): inside one process, blocks of pairs through the interposed
#    functions alternate with blocks through libc's own (both called through
#    a pointer); the median paired difference is what the hooks add, free
#    of the run-to-run noise of a shared machine. "none" is the control
#    (no hooks: both pointers are libc's).
# 2. The contended path: lockbench timeout (timedlocks of a mutex another
#    thread holds, deadline passed: the hook's slow path around a wait of
#    a few microseconds in the kernel), no profiler, defaults, every event
#    recorded (rate 1: one stack walk and record per call): ns and CPU ns
#    per call over no profiler.
# 3. callgrind: instructions per uncontended pair (no profiler, defaults)
#    and per contended timedlock (no profiler, every event), from two run
#    lengths (start-up cancels): deterministic, so the noise of
#    a shared machine does not hide a regression.
#
# No python: bash, awk, sort. Needs valgrind for part 3 (skipped without).
# CPROF_BENCH_PAIRS (10000000) and CPROF_BENCH_TIMEOUTS (20000) shorten it.
# Peers: no lock profiler for C is packaged in Debian 12 (mutrace is not);
# Go's runtime is the reference for the semantics, not the cost.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 21 "$@"
pairs=${CPROF_BENCH_PAIRS:-10000000}
inproc_pairs=${CPROF_BENCH_INPROC_PAIRS:-200000}
timeouts=${CPROF_BENCH_TIMEOUTS:-20000}

bin=$build/bench/contention/lockbench
lib=$build/libcprof.so
out=$build/bench/contention/out
cmake --build "$build" --target cprof lockbench >/dev/null
rm -rf "$out"
mkdir -p "$out"

# Activates cprof without a port or an at-exit profile of interest.
cprof_env=(LD_PRELOAD="$lib" CPROF_HEAP_PROFILE="$out/unused.pb.gz" CPROF_MEM_RATE=0)
run() { # VARIANT ARGS...: lockbench's output line
	local v=$1
	shift
	case $v in
	none) "$bin" "$@" ;;
	off) env "${cprof_env[@]}" CPROF_MUTEX_FRACTION=0 CPROF_BLOCK_RATE=0 "$bin" "$@" 2>/dev/null ;;
	default) env "${cprof_env[@]}" "$bin" "$@" 2>/dev/null ;;
	every) env "${cprof_env[@]}" CPROF_MUTEX_FRACTION=1 CPROF_BLOCK_RATE=1 "$bin" "$@" 2>/dev/null ;;
	esac
}

# rounds MODE N VARIANTS...: appends "round variant field value" lines
rounds_of() {
	local mode=$1 n=$2
	shift 2
	local -a vs=("$@")
	for r in $(seq 1 "$rounds"); do
		for k in $(seq 0 $((${#vs[@]} - 1))); do
			local v=${vs[$(((k + r) % ${#vs[@]}))]}
			run "$v" "$mode" "$n" | awk -v r="$r" -v v="$v" -v m="$mode" \
				'{ for (i = 1; i < NF; i += 2) print m, r, v, $i, $(i + 1) }'
		done
	done >>"$out/runs.txt"
}

# report MODE FIELD VARIANTS...: median (range) of value - none's value
report() {
	local mode=$1 field=$2
	shift 2
	for v in "$@"; do
		awk -v m="$mode" -v f="$field" -v v="$v" '
			$1 == m && $4 == f && $3 == "none" { base[$2] = $5 }
			$1 == m && $4 == f && $3 == v { got[$2] = $5 }
			END { for (r in got) if (r in base) printf "%.3f %.3f\n", got[r] - base[r], base[r] }' \
			"$out/runs.txt" | sort -n >"$out/d.txt"
		awk -v v="$v" -v f="$field" '{ d[NR] = $1; b[NR] = $2 }
			END { n = NR; if (!n) exit; m = (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
				asort_b = 0; for (i = 1; i <= n; i++) s += b[i]
				printf "| %s | %s | %+.2f | %+.2f .. %+.2f | %.2f |\n", v, f, m, d[1], d[n], s / n }' \
			"$out/d.txt"
	done
}

rounds_of pair "$pairs" none off default every
rounds_of pair1 "$pairs" none default
rounds_of inproc "$inproc_pairs" none off default every
rounds_of timeout "$timeouts" none default every

echo "### Uncontended lock+unlock ($rounds interleaved rounds, $pairs pairs each)"
echo
echo "| variant | measure | median over none | range | none's mean |"
echo "|---|---|---|---|---|"
report pair cpu_ns_per_pair off default every
report pair1 cpu_ns_per_pair default | sed 's/^| default |/| default, single-threaded |/'
echo
echo "### Uncontended lock+unlock in one process (lockbench inproc: 101 alternating blocks of $inproc_pairs pairs through the hooks and through libc's own functions, in alternating order; $rounds runs)"
echo
echo "| variant | median over runs of the median paired difference, CPU ns per pair | range over runs | libc's own, CPU ns per pair |"
echo "|---|---|---|---|"
for v in none off default every; do
	awk -v v="$v" '$1 == "inproc" && $3 == v && $4 == "added_cpu_ns_per_pair" { print $5 }' "$out/runs.txt" | sort -n >"$out/d.txt"
	base=$(awk -v v="$v" '$1 == "inproc" && $3 == v && $4 == "libc_cpu_ns_per_pair" { s += $5; n++ } END { if (n) printf "%.2f", s / n }' "$out/runs.txt")
	awk -v v="$v" -v b="$base" '{ d[NR] = $1 } END { n = NR; if (!n) exit; m = (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
		printf "| %s | %+.2f | %+.2f .. %+.2f | %s |\n", v, m, d[1], d[n], b }' "$out/d.txt"
done
echo
echo "### Contended path (lockbench timeout: $timeouts timedlocks of a held mutex, each a wait of a few us)"
echo
echo "| variant | measure | median over none | range | none's mean |"
echo "|---|---|---|---|---|"
report timeout ns_per_call default every
report timeout cpu_ns_per_call default every

if command -v valgrind >/dev/null; then
	count() { # VARIANT MODE N: instructions of the whole run
		local f=$out/cg.$1.$2.$3 e=()
		case $1 in
		default) e=("${cprof_env[@]}") ;;
		every) e=("${cprof_env[@]}" CPROF_MUTEX_FRACTION=1 CPROF_BLOCK_RATE=1) ;;
		esac
		env "${e[@]}" valgrind --tool=callgrind --callgrind-out-file="$f" \
			"$bin" "$2" "$3" >/dev/null 2>&1
		awk '/^summary:/ { print $2 }' "$f"
	}
	echo
	echo "### Instructions (callgrind, the difference of two run lengths)"
	echo
	for spec in "pair none 1000000" "pair default 1000000" "timeout none 20000" "timeout every 20000"; do
		set -- $spec
		a=$(count "$2" "$1" "$3")
		b=$(count "$2" "$1" $((2 * $3)))
		awk -v m="$1" -v v="$2" -v a="$a" -v b="$b" -v n="$3" \
			'BEGIN { printf "- %s, %s: %.1f per call\n", m, v, (b - a) / n }'
	done
fi
