#!/usr/bin/env bash
# bench/unwind/run.sh BUILD_DIR [ROUNDS] - the CFI unwinder's benchmarks
# (issue #3), results in docs/PERFORMANCE.md:
#  1. ns per walk, 16/36/64-frame stacks, hot and cold, frame pointers vs
#     CFI tables (with and without the pc cache) vs libunwind
#     (bench_unwind_walk), and the tables of that process (libc,
#     libstdc++, libcrypto);
#  2. the tables of a whole redis-server process (bench_unwind_tables
#     preloaded into it: it builds them in its constructor, prints, exits);
#  3. CPU-profiling overhead at 100 Hz on a libc-heavy program
#     (bench_unwind_libcwork, fixed work): plain vs CPROF_UNWIND=cfi vs
#     CPROF_UNWIND=fp, ROUNDS interleaved rounds (default 7), CPU time of
#     the child from bench_runchild (bench/cpu), paired ratios to the plain
#     run of the same round.
# CPROF_BENCH_WALK="HOT COLD" sets the walk iterations (default 200000 500);
# CPROF_BENCH_PARTS picks parts (default "walk tables overhead").
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 7 "$@"
bin=$build/bench/unwind
lib=$build/libcprof.so
runchild=$build/bench/cpu/bench_runchild
out=$bin/out

cmake --build "$build" --target cprof bench_unwind_walk bench_unwind_tables \
	bench_unwind_libcwork bench_runchild >/dev/null
rm -rf "$out"
mkdir -p "$out"

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; kernel" \
	"$(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
parts=" ${CPROF_BENCH_PARTS:-walk tables overhead} "
read -r hot cold <<<"${CPROF_BENCH_WALK:-200000 500}"
if [[ $parts == *" walk "* ]]; then
	"$bin/bench_unwind_walk" "$hot" "$cold"
	echo
fi

if [[ $parts == *" tables "* ]]; then
echo "## Unwind tables of a redis-server process"
echo
if command -v redis-server >/dev/null; then
	LD_PRELOAD=$bin/libbench_unwind_tables.so redis-server --port 0 \
		--save '' 2>&1 | grep '^|' || true
else
	echo "(redis-server not installed: apt-get install redis-server)"
fi
echo
fi

# overhead WORK TAG: ROUNDS interleaved rounds of plain/cfi/fp on
# bench_unwind_libcwork WORK; prints the table of paired CPU ratios.
overhead() {
	local work=$1 tag=$2 runs=$out/runs.$2.tsv v line r i
	local -a variants=(plain cfi fp) envs
	: >"$runs"
	for r in $(seq 1 "$rounds"); do
		for i in 0 1 2; do
			v=${variants[(i + r - 1) % 3]}
			envs=()
			[ "$v" = plain ] || envs=(LD_PRELOAD="$lib"
				CPROF_UNWIND="$v" CPROF_CPU_HZ=100
				CPROF_CPU_PROFILE="$out/$v.$tag.$r.pb.gz")
			line=$("$runchild" env "${envs[@]}" \
				"$bin/bench_unwind_libcwork" "$work" | tail -n 1)
			awk -v v="$v" -v r="$r" '{
				for (i = 2; i <= NF; i++) {
					split($i, kv, "="); f[kv[1]] = kv[2]
				}
				printf "%s\t%s\t%s\t%s\n", v, r, f["wall"],
					f["user"] + f["sys"]
			}' <<<"$line" >>"$runs"
		done
	done
	awk -F'\t' '
		$1 == "plain" { pc[$2] = $4; pw[$2] = $3 }
		{ v[NR] = $1; r[NR] = $2; w[NR] = $3; c[NR] = $4 }
		END { for (i = 1; i <= NR; i++)
			printf "%s\t%.6f\t%.6f\t%.4f\t%.2f\n", v[i],
				c[i] / pc[r[i]], w[i] / pw[r[i]], c[i],
				(c[i] - pc[r[i]]) * 1e3 }' "$runs" >"$runs.ratios"
	echo "| variant | median CPU (s) | CPU vs plain, median [min … max] | CPU added (ms), median | wall vs plain, median |"
	echo "|---|---:|---|---:|---|"
	for v in "${variants[@]}"; do
		col() { awk -F'\t' -v v="$v" -v c="$1" '$1 == v { print $c }' \
			"$runs.ratios" | bench_stats; }
		read -r cm _ <<<"$(col 4)"
		read -r rm r0 r1 <<<"$(col 2)"
		read -r wm _ <<<"$(col 3)"
		read -r dm _ <<<"$(col 5)"
		awk -v v="$v" -v c="$cm" -v m="$rm" -v a="$r0" -v b="$r1" \
			-v w="$wm" -v d="$dm" 'BEGIN {
			printf "| %s | %.3f | %+.2f %% [%+.2f … %+.2f] | %+.0f | %+.2f %% |\n",
				v, c, (m - 1) * 100, (a - 1) * 100, (b - 1) * 100,
				d, (w - 1) * 100 }'
	done
	echo
	echo "Raw runs: $runs (variant, round, wall s, CPU s)"
	echo
}

[[ $parts == *" overhead "* ]] || exit 0
echo "## CPU profile overhead at 100 Hz, libc-heavy work, $rounds rounds"
echo
overhead 6000 main
echo "## Fixed cost per process (bench_unwind_libcwork 10: almost no work)"
echo
overhead 10 fixed
