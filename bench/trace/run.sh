#!/usr/bin/env bash
# bench/trace/run.sh BUILD_DIR [ROUNDS] - the trace recording overhead
# benchmark (issue #7), results in docs/PERFORMANCE.md.
#
# Runs bench/trace/lockio (2 ping-pong pairs of threads: a blocking read
# or write and a contended mutex lock on every step) in ROUNDS interleaved
# rounds (default 7; CPROF_BENCH_ROUNDS also sets it) of three variants:
# no cprof; cprof tracing the whole run (CPROF_TRACE, every event on: one
# wait interval per read and per contended lock from cprof's hooks, CPU
# samples at 100 Hz, thread events); cprof's flight recorder
# (CPROF_TRACE_FLIGHT=10). The order rotates from round to round. Each
# traced run is compared with the untraced run of its own round (paired
# ratios of lockio's work time, wall and CPU: user+sys of the whole
# process, cprof's threads included; writing the trace at exit is not in
# them and is reported apart), and the table gives the median with its
# range. Then trace_wait_cost: ns per wait interval on the waiting thread,
# without and with a stack. Then, when perf is installed, the share of the
# traced process's CPU samples spent in cprof (perf record -e cpu-clock).
#
# Needs: bash, awk, sort; perf (optional). CPROF_BENCH_STEPS=N changes the work (default
# 100000 steps per thread).
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [ROUNDS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
build=$(cd "$1" && pwd) || usage
rounds=${2:-${CPROF_BENCH_ROUNDS:-7}}
steps=${CPROF_BENCH_STEPS:-100000}
case $rounds in '' | *[!0-9]*) usage ;; esac
bin=$build/bench/trace
lib=$build/libcprof.so
out=$bin/out
if [ ! -x "$bin/lockio" ] || [ ! -x "$bin/trace_wait_cost" ] || [ ! -e "$lib" ]; then
	cmake --build "$build" --target cprof lockio trace_wait_cost >/dev/null
fi
rm -rf "$out"
mkdir -p "$out"

variants=(plain trace flight)
# run VARIANT ROUND: appends "variant round work_ns total_ns events dropped
# cpu_ns"
run() {
	local v=$1 r=$2 t0 t1 line events=0 dropped=0
	local trace=$out/trace-$r.json
	t0=$(date +%s%N)
	case $v in
	plain) line=$("$bin/lockio" --steps "$steps") ;;
	trace) line=$(CPROF_TRACE=$trace LD_PRELOAD=$lib "$bin/lockio" --steps "$steps") ;;
	flight) line=$(CPROF_TRACE_FLIGHT=10 LD_PRELOAD=$lib "$bin/lockio" --steps "$steps") ;;
	esac
	t1=$(date +%s%N)
	if [ "$v" = trace ]; then
		events=$(grep -c '^{"ph"' "$trace" || true)
		dropped=$(sed -n 's/.*"dropped_events":"\([0-9]*\)".*/\1/p' "$trace")
		rm -f "$trace"
	fi
	set -- $line
	echo "$v $r ${1#work_ns=} $((t1 - t0)) $events ${dropped:-0} ${2#cpu_ns=}" \
		>>"$out/runs.txt"|
		awk '{ sub(/ steps=[0-9]*/, ""); print }' >>"$out/runs.txt"
}

for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#variants[@]}; i++)); do
		run "${variants[$(((i + r) % ${#variants[@]}))]}" "$r"
	done
done

# Paired ratios per round, then median, min and max per variant.
awk -v rounds="$rounds" '
	{ work[$1, $2] = $3; total[$1, $2] = $4; ev[$1, $2] = $5; dr[$1, $2] = $6
	  cpu[$1, $2] = $7 }
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		printf "lockio: %d rounds, 4 threads\n\n", rounds
		printf "| variant | work time vs none (median) | range | CPU time vs none (median) | range | wall with the exit write (median) | events | dropped |\n"
		printf "|---|---|---|---|---|---|---|---|\n"
		n = split("trace flight", vs, " ")
		for (k = 1; k <= n; k++) {
			v = vs[k]; lo = 1e9; hi = 0; clo = 1e9; chi = 0
			for (r = 0; r < rounds; r++) {
				x[r + 1] = work[v, r] / work["plain", r]
				y[r + 1] = total[v, r] / total["plain", r]
				c[r + 1] = cpu[v, r] / cpu["plain", r]
				if (c[r + 1] < clo) clo = c[r + 1]
				if (c[r + 1] > chi) chi = c[r + 1]
				e[r + 1] = ev[v, r]; d[r + 1] = dr[v, r]
				if (x[r + 1] < lo) lo = x[r + 1]
				if (x[r + 1] > hi) hi = x[r + 1]
			}
			printf "| %s | %+.1f %% | %+.1f .. %+.1f %% | %+.1f %% | %+.1f .. %+.1f %% | %+.1f %% | %d | %d |\n",
				v, (median(x, rounds) - 1) * 100, (lo - 1) * 100,
				(hi - 1) * 100, (median(c, rounds) - 1) * 100,
				(clo - 1) * 100, (chi - 1) * 100,
				(median(y, rounds) - 1) * 100,
				median(e, rounds), median(d, rounds)
		}
		for (r = 0; r < rounds; r++) p[r + 1] = work["plain", r] / 1e6
		printf "\nuntraced work time: median %.0f ms\n", median(p, rounds)
		for (r = 0; r < rounds; r++) p[r + 1] = cpu["plain", r] / 1e6
		printf "untraced CPU time: median %.0f ms\n", median(p, rounds)
	}' "$out/runs.txt"

# What one wait interval costs its thread (flight recorder on).
echo
echo "wait_cost (ns per wait interval, median of 5 loops):" \
	"$("$bin/trace_wait_cost")"

# Where the traced process's CPU goes (perf, when installed): the share of
# its samples in libcprof, in the clock reads (lockio itself reads the clock
# twice in all), and on the collector thread. Scheduler noise from other
# load changes this share far less than it changes wall or CPU time.
if command -v perf >/dev/null; then
	perf record -q -e cpu-clock -F 4000 -g -o "$out/perf.data" \
		env CPROF_TRACE_FLIGHT=10 LD_PRELOAD="$lib" "$bin/lockio" \
		--steps "$steps" >/dev/null 2>&1
	share() { # the percentage perf gives the row matching $2 in --sort $1
		perf report -i "$out/perf.data" --no-children --stdio --sort "$1" \
			2>/dev/null | awk -v k="$2" '$2 == k { sub("%", "", $1); s += $1 } END { printf "%.1f", s }'
	}
	lib_pct=$(share dso libcprof.so.0.1.0)
	vdso_pct=$(share dso '[vdso]')
	coll_pct=$(share comm cprof-collector)
	echo
	echo "perf, flight recorder on: libcprof ${lib_pct} %, clock reads (vdso)" \
		"${vdso_pct} %, cprof-collector thread ${coll_pct} % (kernel" \
		"time included) of the process's CPU samples"
fi

# The timeline page of a big trace (timeline.sh), when a browser is there.
if command -v chromium >/dev/null && command -v node >/dev/null; then
	echo
	"$(dirname "$0")/timeline.sh" "$build"
fi
