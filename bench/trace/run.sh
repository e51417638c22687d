#!/usr/bin/env bash
# bench/trace/run.sh BUILD_DIR [ROUNDS] - the trace recording overhead
# benchmark (issue #7), results in docs/PERFORMANCE.md.
#
# Runs bench/trace/lockio (2 ping-pong pairs of threads: a blocking read
# or write and a contended mutex lock on every step) in ROUNDS interleaved
# rounds (default 7; CPROF_BENCH_ROUNDS also sets it) of four variants:
# none (no cprof); loaded (cprof started by CPROF_HTTP, every hook on, no
# trace); trace (CPROF_TRACE, the whole run traced, every event on: one
# wait interval per read and per contended lock from cprof's hooks, CPU
# samples at 100 Hz, thread events); flight (CPROF_TRACE_FLIGHT=10). The
# order rotates from round to round. Each traced run is compared with the
# untraced runs of its own round: against none (what the user pays for
# tracing in all) and against loaded (the trace's own increment). CPU is
# user+sys of the whole process at the end of the work, cprof's threads
# included, the whole-run trace's write at exit not (its wall time with the
# write is reported apart). The table gives each ratio's median and range,
# and the medians of user and system time, context switches and minor
# faults. Then trace_wait_cost (ns per wait interval on the waiting
# thread) and trace_sys_cost (this machine's clock reads and page faults);
# then, with valgrind, the instructions per step in the steady
# state (callgrind, deterministic: every wait is long under valgrind, so
# each one carries a stack); then, with perf, the share of the traced
# process's CPU samples spent in cprof.
#
# CPROF_BENCH_BEFORE=OTHER_BUILD_DIR adds the trace and flight variants of
# another build's libcprof.so (trace-before, flight-before) to every round:
# a before/after comparison in the same interleaved run.
#
# Needs: bash, awk, sort; valgrind and perf (optional).
# CPROF_BENCH_STEPS=N changes the work (default 100000 steps per thread).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 7 "$@"
steps=${CPROF_BENCH_STEPS:-100000}
bin=$build/bench/trace
lib=$build/libcprof.so
before=${CPROF_BENCH_BEFORE:+$(cd "$CPROF_BENCH_BEFORE" && pwd)/libcprof.so}
out=$bin/out
if [ ! -x "$bin/lockio" ] || [ ! -x "$bin/trace_wait_cost" ] ||
	[ ! -x "$bin/trace_sys_cost" ] || [ ! -e "$lib" ]; then
	cmake --build "$build" --target cprof lockio trace_wait_cost \
		trace_sys_cost >/dev/null
fi
rm -rf "$out"
mkdir -p "$out"

# A loopback port nothing listens on, for the loaded variant's server
# (free_port, shared with the tests).
fail() { echo "$0: $*" >&2; exit 1; }
source "$(dirname "$0")/../../tests/integration/ports.sh"

# lockio under variant $1, lines of "key=value" on stdout.
lockio_env() {
	case $1 in
	none) echo "X=1" ;;
	loaded) echo "CPROF_HTTP=127.0.0.1:$(free_port) LD_PRELOAD=$lib" ;;
	trace) echo "CPROF_TRACE=$out/trace.json LD_PRELOAD=$lib" ;;
	flight) echo "CPROF_TRACE_FLIGHT=10 LD_PRELOAD=$lib" ;;
	trace-before) echo "CPROF_TRACE=$out/trace.json LD_PRELOAD=$before" ;;
	flight-before) echo "CPROF_TRACE_FLIGHT=10 LD_PRELOAD=$before" ;;
	esac
}

variants=(none loaded trace flight)
if [ -n "$before" ]; then
	[ -e "$before" ] || { echo "no $before" >&2; exit 2; }
	variants+=(trace-before flight-before)
fi
# run VARIANT ROUND: appends "variant round total_ns events dropped k=v..."
run() {
	local v=$1 r=$2 t0 t1 line events=0 dropped=0
	t0=$(date +%s%N)
	# shellcheck disable=SC2046 # the variables, one word each
	line=$(env $(lockio_env "$v") "$bin/lockio" --steps "$steps")
	t1=$(date +%s%N)
	if [ "${v%-before}" = trace ]; then
		events=$(grep -c '^{"ph"' "$out/trace.json" || true)
		dropped=$(sed -n 's/.*"dropped_events":"\([0-9]*\)".*/\1/p' "$out/trace.json")
		rm -f "$out/trace.json"
	fi
	echo "$v $r $((t1 - t0)) $events ${dropped:-0} $line" >>"$out/runs.txt"
}

for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < ${#variants[@]}; i++)); do
		run "${variants[$(((i + r) % ${#variants[@]}))]}" "$r"
	done
done

# Paired ratios per round, then median, min and max per variant.
awk -v rounds="$rounds" '
	{ v = $1; r = $2; total[v, r] = $3; ev[v, r] = $4; dr[v, r] = $5
	  for (i = 6; i <= NF; i++) { split($i, kv, "="); f[v, r, kv[1]] = kv[2] } }
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	# "median [min … max]" of key k of variant v against variant base
	function ratio(v, base, k,   r, x, lo, hi) {
		lo = 1e9; hi = -1e9
		for (r = 0; r < rounds; r++) {
			x[r + 1] = (f[v, r, k] / f[base, r, k] - 1) * 100
			if (x[r + 1] < lo) lo = x[r + 1]
			if (x[r + 1] > hi) hi = x[r + 1]
		}
		return sprintf("%+.1f %% [%+.1f … %+.1f]", median(x, rounds), lo, hi)
	}
	# "median [min … max]" over rounds of (a - b) / loaded, in % of CPU
	function diff(a, b,   r, x, lo, hi) {
		lo = 1e9; hi = -1e9
		for (r = 0; r < rounds; r++) {
			x[r + 1] = (f[a, r, "cpu_ns"] - f[b, r, "cpu_ns"]) / f["loaded", r, "cpu_ns"] * 100
			if (x[r + 1] < lo) lo = x[r + 1]
			if (x[r + 1] > hi) hi = x[r + 1]
		}
		return sprintf("%+.1f %% [%+.1f … %+.1f]", median(x, rounds), lo, hi)
	}
	function med(v, k, scale,   r, x) {
		for (r = 0; r < rounds; r++) x[r + 1] = f[v, r, k] / scale
		return median(x, rounds)
	}
	END {
		printf "lockio: %d rounds, 4 threads, %d steps\n\n", rounds, f["none", 0, "steps"]
		printf "| variant | CPU vs none | CPU vs loaded (the trace alone) | work time vs none | user ms | sys ms | vol. switches | invol. switches | minor faults |\n"
		printf "|---|---|---|---|---|---|---|---|---|\n"
		n = split("none loaded trace flight trace-before flight-before", vs, " ")
		for (k = 1; k <= n; k++) {
			v = vs[k]
			if (!((v, 0, "cpu_ns") in f))
				continue
			printf "| %s | %s | %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f |\n", v,
				v == "none" ? "-" : ratio(v, "none", "cpu_ns"),
				v == "none" || v == "loaded" ? "-" : ratio(v, "loaded", "cpu_ns"),
				v == "none" ? "-" : ratio(v, "none", "work_ns"),
				med(v, "user_ns", 1e6), med(v, "sys_ns", 1e6),
				med(v, "vcsw", 1), med(v, "ivcsw", 1), med(v, "minflt", 1)
		}
		for (r = 0; r < rounds; r++) {
			x[r + 1] = total["trace", r] / total["none", r]
			e[r + 1] = ev["trace", r]; d[r + 1] = dr["trace", r]
		}
		if (("trace-before", 0, "cpu_ns") in f) {
			printf "\nthe trace alone, after vs before (median of the paired differences of CPU vs loaded): trace %s, flight %s\n",
				diff("trace", "trace-before"), diff("flight", "flight-before")
		}
		printf "\nuntraced: median %.0f ms of work, %.0f ms of CPU\n",
			med("none", "work_ns", 1e6), med("none", "cpu_ns", 1e6)
		printf "whole-run trace: %d events, %d dropped (medians); wall time with the exit write %+.1f %% vs none\n",
			median(e, rounds), median(d, rounds), (median(x, rounds) - 1) * 100
	}' "$out/runs.txt"

# What one wait interval costs its thread (flight recorder on).
echo
echo "wait_cost (ns per wait interval, median of 5 loops):" \
	"$("$bin/trace_wait_cost")"
echo "sys_cost (this machine): $("$bin/trace_sys_cost")"
if [ -n "$before" ] && [ -x "$CPROF_BENCH_BEFORE/bench/trace/trace_wait_cost" ]; then
	echo "wait_cost before:" "$("$CPROF_BENCH_BEFORE/bench/trace/trace_wait_cost")"
fi

# Instructions per step, counted (deterministic: no scheduler in them):
# the difference between runs of 6000 and 3000 steps, so that start-up
# (cprof's tables, the loader) cancels. Every step is a read, a write and a
# lock on each of 4 threads; under valgrind every read waits long enough
# to carry a stack.
if command -v valgrind >/dev/null; then
	cg() { # instructions of a run of variant $1 with $2 steps
		# shellcheck disable=SC2046
		env $(lockio_env "$1") valgrind --tool=callgrind \
			--callgrind-out-file=/dev/null "$bin/lockio" \
			--steps "$2" 2>&1 >/dev/null |
			awk '/Collected :/ { print $NF }'
	}
	per_step() { echo $((($(cg "$1" 6000) - $(cg "$1" 3000)) / 12000)); }
	i_none=$(per_step none)
	i_loaded=$(per_step loaded)
	i_flight=$(per_step flight)
	echo
	echo "callgrind, instructions per step: none $i_none, loaded $i_loaded," \
		"flight $i_flight: the trace adds $((i_flight - i_loaded))"
	if [ -n "$before" ]; then
		i_before=$(per_step flight-before)
		echo "callgrind, before: flight $i_before: the trace added" \
			"$((i_before - i_loaded))"
	fi
fi

# Where the traced process's CPU goes (perf, when installed): the share of
# its samples in libcprof, in clock_gettime (the vDSO), and on the
# collector thread; the loaded variant's libcprof share is the hooks'
# without a trace (a contended lock's hook, which reads the lock's word,
# takes samples of its cache misses: compare with it). Scheduler noise from other load changes this share far
# less than it changes wall or CPU time.
if command -v perf >/dev/null; then
	share() { # the percentage perf gives the row matching $3 in --sort $2 of $1
		perf report -i "$1" --no-children --stdio --sort "$2" \
			2>/dev/null | awk -v k="$3" '$2 == k { sub("%", "", $1); s += $1 } END { printf "%.1f", s }'
	}
	for v in loaded flight ${before:+flight-before}; do
		# shellcheck disable=SC2046
		perf record -q -e cpu-clock -F 4000 -g -o "$out/perf-$v.data" \
			env $(lockio_env "$v") "$bin/lockio" --steps "$steps" \
			>/dev/null 2>&1
		echo
		echo "perf, $v: libcprof $(share "$out/perf-$v.data" dso libcprof.so.0.1.0) %," \
			"clock_gettime (vdso) $(share "$out/perf-$v.data" dso '[vdso]') %," \
			"cprof-collector thread $(share "$out/perf-$v.data" comm cprof-collector) %" \
			"(kernel time included) of the process's CPU samples"
	done
fi

# The timeline page of a big trace (timeline.sh), when a browser is there.
if command -v chromium >/dev/null && command -v node >/dev/null; then
	echo
	"$(dirname "$0")/timeline.sh" "$build"
fi
