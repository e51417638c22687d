#!/usr/bin/env bash
# bench/cpu/run.sh BUILD_DIR [ROUNDS] - the CPU-profile overhead benchmark
# (issue #2), results in docs/PERFORMANCE.md.
#
# Runs bench/cpu/cpu2t (2 threads, fixed CPU-bound work, ~3 s) in ROUNDS
# interleaved rounds (default 7; CPROF_BENCH_ROUNDS also sets it) of five
# variants: no profiler, cprof at 100 and 1000 Hz, gperftools' libprofiler
# at 100 and 1000 Hz. The order of the variants rotates from round to round.
# Each run's wall time and CPU time (user+sys of the child, from wait4) are
# recorded; every profiled run is compared with the unprofiled run of its
# own round (paired ratios), and the table gives the median ratio with its
# range over the rounds. "sampled/CPU" is the CPU time a profile accounts
# for (go tool pprof's total) over the CPU time the run used. Then the
# same variants on a run with almost no work (cpu2t 2), which isolates what
# each profiler costs per process whatever the rate (start-up, the profile
# written at exit), and capture_cost: ns per sample with a 64-frame stack.
# Last, tests/programs/short_threads (thousands of threads shorter than a
# tick) under plain, cprof100 and cprof1000: overhead, and the profile's
# time per function over the ground truth (CPROF_BENCH_SHORT_ROUNDS, 300).
#
# Needs: go (go tool pprof) for the sampled column; gperftools'
# libprofiler.so for its rows (CPROF_BENCH_LIBPROFILER, "" to skip);
# CPROF_BENCH_LIB another libcprof.so to measure (default BUILD_DIR's). No
# python: bash, awk (any), sort. Run files go to BUILD_DIR/bench/cpu/out.
# CPROF_BENCH_WORK=N shortens the main runs (cpu2t N) for a smoke test.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 7 "$@"
work=${CPROF_BENCH_WORK:-}   # cpu2t's work; empty: its default (~3 s)

bin=$build/bench/cpu
lib=${CPROF_BENCH_LIB:-$build/libcprof.so}
gperf=${CPROF_BENCH_LIBPROFILER-/usr/lib/x86_64-linux-gnu/libprofiler.so}
out=$bin/out
results=$out/runs.tsv

if [ ! -x "$bin/cpu2t" ] || [ ! -x "$bin/capture_cost" ] ||
	[ ! -x "$bin/bench_runchild" ] || [ ! -e "$lib" ]; then
	cmake --build "$build" --target cprof cpu2t capture_cost \
		bench_runchild >/dev/null || {
		echo "$0: cannot build the benchmark in $build (configure" \
			"with -DCPROF_BUILD_TESTS=ON)" >&2
		exit 1
	}
fi
if [ -n "$gperf" ] && [ ! -e "$gperf" ]; then
	echo "$0: no $gperf; gperftools rows skipped" >&2
	gperf=
fi
have_go=1
command -v go >/dev/null || have_go=0
rm -rf "$out"
mkdir -p "$out"
export GOCACHE=${GOCACHE:-$out/go-cache} GOPATH=${GOPATH:-$out/go-path}
export PPROF_TMPDIR=$out

variants="plain cprof100 cprof1000"
[ -n "$gperf" ] && variants="$variants gperf100 gperf1000"
read -r -a vlist <<<"$variants"
nvariants=${#vlist[@]}

# run VARIANT ROUND [WORK [FILE]]: one run of cpu2t (WORK rounds of work;
# its default when empty) under VARIANT; appends a line to FILE ($results).
run() {
	local v=$1 r=$2 work=${3:-} file=${4:-$results} prof=
	local -a envs=()

	case $v in
	cprof*)
		prof=$out/$v${work:+.w$work}.$r.pb.gz
		envs=(LD_PRELOAD="$lib" CPROF_CPU_PROFILE="$prof"
			CPROF_CPU_HZ="${v#cprof}") ;;
	gperf*)
		prof=$out/$v${work:+.w$work}.$r.prof
		envs=(LD_PRELOAD="$gperf" CPUPROFILE="$prof"
			CPUPROFILE_FREQUENCY="${v#gperf}") ;;
	esac
	local line
	line=$("$bin/bench_runchild" env "${envs[@]}" "$bin/cpu2t" $work \
		2>>"$out/stderr.log" | tail -n 1)
	# runchild wall=S user=S sys=S status=N
	echo "$line" | awk -v v="$v" -v r="$r" -v p="$prof" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["status"] != 0) {
			print "cpu2t failed under " v ": " $0 > "/dev/stderr"
			exit 1
		}
		printf "%s\t%s\t%s\t%s\t%s\t%s\n", v, r, f["wall"],
			f["user"] + f["sys"], p == "" ? "-" : p, "-"
	}' >>"$file"
}

# The CPU seconds a profile accounts for, from go tool pprof's total.
sampled() {
	local prof=$1 args=()

	[ "$have_go" = 1 ] && [ -s "$prof" ] || { echo -; return; }
	case $prof in *.prof) args=("$bin/cpu2t") ;; esac
	go tool pprof -top -nodecount=1 "${args[@]}" "$prof" 2>/dev/null |
		awk '/% of .* total/ {
			t = $0; sub(/.*% of /, "", t); sub(/ total.*/, "", t)
			if (t ~ /mins$/) { sub(/mins$/, "", t); t *= 60 }
			else if (t ~ /ms$/) { sub(/ms$/, "", t); t /= 1e3 }
			else if (t ~ /(us|µs)$/) { sub(/(us|µs)$/, "", t); t /= 1e6 }
			else if (t ~ /ns$/) { sub(/ns$/, "", t); t /= 1e9 }
			else sub(/s$/, "", t)
			printf "%.3f\n", t; found = 1; exit
		} END { if (!found) print "-" }'
}


echo "## CPU profile overhead: cpu2t (2 threads), $rounds interleaved rounds"
echo
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs;" \
	"kernel $(uname -r); load average at start:" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
load_start=$(cut -d' ' -f1 /proc/loadavg)
: >"$results"
for r in $(seq 1 "$rounds"); do
	# Rotate the order so no variant always runs first or last.
	for i in $(seq 0 $((nvariants - 1))); do
		run "${vlist[(i + r - 1) % nvariants]}" "$r" "$work"
	done
	echo "round $r/$rounds done ($(cut -d' ' -f1 /proc/loadavg) load)" >&2
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
load_start=${load_start:-0}
if awk -v a="$load_start" -v b="$(cut -d' ' -f1 /proc/loadavg)" \
	-v n="$(nproc)" 'BEGIN { exit !(a > n || b > n) }'; then
	echo
	echo "**The machine was busy (load average above its $(nproc) CPUs):" \
		"wall times measure the scheduler more than the profilers;" \
		"read the CPU-time columns.**"
fi
echo

# Fill in the sampled CPU seconds (after the timed runs, not between them).
awk -F'\t' '{ print $5 }' "$results" | while read -r prof; do
	if [ "$prof" = - ]; then echo -; else sampled "$prof"; fi
done >"$out/sampled.txt"
paste "$results" "$out/sampled.txt" |
	awk -F'\t' -v OFS='\t' '{ print $1, $2, $3, $4, $5, $7 }' >"$out/runs2.tsv"
mv "$out/runs2.tsv" "$results"

# Paired ratios: each run over the plain run of its round.
awk -F'\t' -v OFS='\t' '
	$1 == "plain" { pw[$2] = $3; pc[$2] = $4 }
	{ row[NR] = $0; v[NR] = $1; r[NR] = $2; w[NR] = $3; c[NR] = $4; s[NR] = $6 }
	END { for (i = 1; i <= NR; i++)
		print v[i], r[i], w[i], c[i], w[i] / pw[r[i]], c[i] / pc[r[i]],
			s[i] == "-" ? "-" : s[i] / c[i], (c[i] - pc[r[i]]) * 1e3 }' "$results" >"$out/ratios.tsv"

col() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v && $c != "-" { print $c }' \
	"$out/ratios.tsv" | bench_stats; }
pct() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%+.2f %%", (x - 1) * 100 }'; }
range() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-") print "-"; else printf "%+.2f … %+.2f", (a - 1) * 100, (b - 1) * 100 }'; }
# spread "MEDIAN MIN MAX" -> "MIN … MAX s (-x … +y %)" around the median.
spread() { echo "$1" | awk '{ printf "%.2f … %.2f s (%+.1f … %+.1f %%)", $2, $3, ($2 / $1 - 1) * 100, ($3 / $1 - 1) * 100 }'; }

echo "| variant | median wall (s) | median CPU (s) | wall vs plain, median [range] | CPU vs plain, median [range] | CPU added (ms), median | sampled/CPU, median [range] |"
echo "|---|---:|---:|---|---|---:|---|"
for v in $variants; do
	read -r wm _ <<<"$(col "$v" 3)"
	read -r cm _ <<<"$(col "$v" 4)"
	read -r rw rw0 rw1 <<<"$(col "$v" 5)"
	read -r rc rc0 rc1 <<<"$(col "$v" 6)"
	read -r sm s0 s1 <<<"$(col "$v" 7)"
	read -r dm _ <<<"$(col "$v" 8)"
	if [ "$v" = plain ]; then
		wr="spread $(spread "$(col plain 3)")"
		cr="spread $(spread "$(col plain 4)")"
		sr=–
	else
		wr="$(pct "$rw") [$(range "$rw0" "$rw1")]"
		cr="$(pct "$rc") [$(range "$rc0" "$rc1")]"
		if [ "$sm" = - ]; then sr=–; else
			sr=$(awk -v m="$sm" -v a="$s0" -v b="$s1" \
				'BEGIN { printf "%.3f [%.3f … %.3f]", m, a, b }')
		fi
	fi
	if [ "$v" = plain ]; then dm=–; else dm=$(printf '%+.0f' "$dm"); fi
	printf '| %s | %.3f | %.3f | %s | %s | %s | %s |\n' "$v" "$wm" "$cm" \
		"$wr" "$cr" "$dm" "$sr"
done
echo
echo "Targets (issue #2): at most +0.5 % at 100 Hz, +3 % at 1000 Hz;" \
	"ranges are min … max of the per-round paired ratios. Raw runs:" \
	"$results"
echo

# Fixed cost: the same variants on a run with almost no work (SHORT_WORK
# rounds, ~0.1 s of CPU), where start-up and the profile written at exit
# dominate. The difference to plain is what a profiler costs per process,
# whatever its rate; the main table's ratios contain it once.
short_work=2
short=$out/short.tsv
: >"$short"
for r in $(seq 1 "$rounds"); do
	for i in $(seq 0 $((nvariants - 1))); do
		run "${vlist[(i + r - 1) % nvariants]}" "$r" "$short_work" "$short"
	done
done
echo "## Fixed cost per process: cpu2t $short_work (~0.1 s of CPU), $rounds interleaved rounds"
echo
echo "| variant | median CPU (ms) | CPU added vs plain (ms), median [range] |"
echo "|---|---:|---|"
for v in $variants; do
	awk -F'\t' -v v="$v" '
		$1 == "plain" { p[$2] = $4 }
		$1 == v { c[$2] = $4 }
		END { for (r in c) print c[r] * 1e3, (c[r] - p[r]) * 1e3 }' \
		"$short" >"$out/short.$v.txt"
	read -r cm _ <<<"$(cut -d' ' -f1 "$out/short.$v.txt" | bench_stats)"
	read -r dm d0 d1 <<<"$(cut -d' ' -f2 "$out/short.$v.txt" | bench_stats)"
	if [ "$v" = plain ]; then
		printf '| %s | %.1f | – |\n' "$v" "$cm"
	else
		printf '| %s | %.1f | %+.1f [%+.1f … %+.1f] |\n' "$v" "$cm" \
			"$dm" "$d0" "$d1"
	fi
done
echo
echo "## Capture cost per sample (bench/cpu/capture_cost)"
echo
CPROF_BENCH_LIBPROFILER=$gperf "$bin/capture_cost" 2>>"$out/stderr.log"
echo
echo "Target (issue #2): at most 1500 ns per sample."

# Short-lived threads: tests/programs/short_threads (a long-lived burner
# beside 10 x 200 us + 1 x 2 ms threads per round, each in its own
# function) under plain, cprof100 and cprof1000, interleaved. Per run: CPU
# added over the round's plain run; the profile's total over the run's CPU
# time (wait4); each burn function's profile time over the CPU its threads
# measured (CLOCK_THREAD_CPUTIME_ID).
st=$build/tests/programs/short_threads
st_rounds=${CPROF_BENCH_SHORT_ROUNDS:-300}
if [ ! -x "$st" ] || [ "$have_go" != 1 ]; then
	echo "(no $st or no go: short-threads section skipped)"
	exit 0
fi
st_out=$out/short_threads.tsv
: >"$st_out"
st_run() {
	local v=$1 r=$2 prof=- text
	local -a envs=()

	if [ "$v" != plain ]; then
		prof=$out/st.$v.$r.pb.gz
		envs=(LD_PRELOAD="$lib" CPROF_CPU_PROFILE="$prof"
			CPROF_CPU_HZ="${v#cprof}")
	fi
	text=$("$bin/bench_runchild" env "${envs[@]}" "$st" --rounds \
		"$st_rounds" 2>>"$out/stderr.log")
	# cpu_ns long=N short200=N short2ms=N process=N / runchild ... user sys
	echo "$text" | awk -v v="$v" -v r="$r" -v p="$prof" '
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v, r,
			f["user"] + f["sys"], f["long"] / 1e9, f["short200"] / 1e9,
			f["short2ms"] / 1e9, p }' >>"$st_out"
}
st_variants=(plain cprof100 cprof1000)
for r in $(seq 1 "$rounds"); do
	for i in 0 1 2; do
		st_run "${st_variants[(i + r - 1) % 3]}" "$r"
	done
done
# Profile seconds: total, then each burn function's cum.
while IFS=$'\t' read -r v r cpu l s200 s2 prof; do
	if [ "$prof" = - ]; then echo "- - - -"; continue; fi
	go tool pprof -top -cum -nodecount=200 -unit=ms "$prof" 2>/dev/null |
		awk '/ of .*ms total/ { t = $0; sub(/.* of /, "", t); sub(/ms total.*/, "", t) }
			$6 ~ /^burn_(long|short200|short2ms)$/ { c = $4; sub(/ms$/, "", c); m[$6] = c }
			END { printf "%s %s %s %s\n", t / 1e3, m["burn_long"] / 1e3,
				m["burn_short200"] / 1e3, m["burn_short2ms"] / 1e3 }'
done <"$st_out" | paste -d' ' - <(tr '\t' ' ' <"$st_out") >"$out/st.ratios"
# fields: ptotal plong p200 p2ms v r cpu long s200 s2ms prof
echo "## Short-lived threads: short_threads --rounds $st_rounds, $rounds interleaved rounds"
echo
echo "| variant | median CPU (s) | CPU vs plain, median [range] | profile/CPU | burn_long profile/truth | burn_short200 | burn_short2ms |"
echo "|---|---:|---|---|---|---|---|"
for v in "${st_variants[@]}"; do
	m() { awk -v v="$v" "$1" "$out/st.ratios" | bench_stats |
		awk '{ printf "%.3f [%.3f … %.3f]", $1, $2, $3 }'; }
	cpu=$(awk -v v="$v" '$5 == v { print $7 }' "$out/st.ratios" | bench_stats | cut -d' ' -f1)
	vs=$(awk -v v="$v" '$5 == "plain" { p[$6] = $7 } $5 == v { c[$6] = $7 }
		END { for (r in c) print c[r] / p[r] }' "$out/st.ratios" | bench_stats)
	read -r vm v0 v1 <<<"$vs"
	if [ "$v" = plain ]; then
		printf '| %s | %.3f | – | – | – | – | – |\n' "$v" "$cpu"
		continue
	fi
	printf '| %s | %.3f | %s [%s] | %s | %s | %s | %s |\n' "$v" "$cpu" \
		"$(pct "$vm")" "$(range "$v0" "$v1")" \
		"$(m '$5 == v { print $1 / $7 }')" \
		"$(m '$5 == v { print $2 / $8 }')" \
		"$(m '$5 == v { print $3 / $9 }')" \
		"$(m '$5 == v { print $4 / $10 }')"
done
echo
echo "profile/CPU: the profile's total over the run's CPU time (wait4), which"
echo "includes thread creation and exit outside the burn functions."
