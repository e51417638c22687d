#!/usr/bin/env bash
# bench/threads/run.sh BUILD_DIR [ROUNDS] - the threads-profile benchmark
# (issue #5), results in docs/PERFORMANCE.md.
#
# 1. Time to take a threads profile of N threads (CPROF_BENCH_THREADS,
#    default 1000; bench_threads_many: 90 % blocked in wrapped calls, 9 %
#    inside libc where only /proc/self/task/TID/syscall sees them, 1 %
#    burning CPU), through HTTP as a user takes it: /debug/pprof/goroutine
#    at debug=0 (protobuf, symbolized, gzip'd), debug=1 and debug=2.
#    ROUNDS interleaved rounds (default 7), one request of each form per
#    round in rotating order; median and range. The peer, gdb -batch
#    "thread apply all bt" (ptrace: it stops every thread), runs once per
#    round on the same process when CPROF_BENCH_GDB=1 (default), and is
#    given as a ratio to the debug=2 dump in the same round. Besides the
#    time of each request (symbolizing and encoding included, and waiting
#    for a core on a loaded machine), the dump alone: the CPU and wall time
#    the debug=0 profile reports in its comments.
# 2. Wrapper cost per call: bench_threads_wrapcost runs poll(NULL, 0, 0)
#    CPROF_BENCH_CALLS times (default 5000000) without cprof, and with
#    cprof preloaded and started (the breadcrumb enter+leave) and then
#    stopped (the idle path), ROUNDS interleaved rounds; medians of the
#    paired differences against the run without cprof in the same round.
# 3. The breadcrumb alone: bench_threads_crumb_cost, a function that enters
#    and leaves a crumb around nothing against the same function without
#    (and with crumbs off), thread CPU time, 10 x CPROF_BENCH_CALLS calls,
#    ROUNDS runs: the part of 2 that does not drown in syscall noise.
#
# No python: bash, awk, sort, curl. The HTTP port comes from
# tests/integration/ports.sh's free_port.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 7 "$@"
nthreads=${CPROF_BENCH_THREADS:-1000}
calls=${CPROF_BENCH_CALLS:-5000000}
use_gdb=${CPROF_BENCH_GDB:-1}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bench/threads
lib=$build/libcprof.so
source "$here/../../tests/integration/ports.sh"
for f in "$lib" "$bin/bench_threads_many" "$bin/bench_threads_wrapcost" \
	"$bin/bench_threads_crumb_cost"; do
	[ -e "$f" ] || { echo "missing $f: build first" >&2; exit 1; }
done
command -v gdb >/dev/null || use_gdb=0
tmp=$(mktemp -d)
host=
cleanup() {
	touch "$tmp/done"
	[ -n "$host" ] && kill "$host" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000)) | awk '{ printf "%.3f", $1 / 1000 }'; }

echo "# threads profile of $nthreads threads, $rounds rounds ($(date -u +%H:%M) UTC, load $(cut -d' ' -f1 /proc/loadavg))"
port=$(free_port)
LD_PRELOAD=$lib CPROF_HTTP=127.0.0.1:$port "$bin/bench_threads_many" "$nthreads" "$tmp/done" >"$tmp/out" &
host=$!
for _ in $(seq 1 300); do grep -q ready "$tmp/out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$tmp/out" || { echo "the host never got ready" >&2; exit 1; }
url=http://127.0.0.1:$port/debug/pprof/goroutine
curl -sf -o /dev/null "$url" # first request: symbol tables are loaded
forms="0 1 2"
for r in $(seq 1 "$rounds"); do
	for d in $forms; do
		t=$(curl -sf -o "$tmp/p$d" -w '%{time_total}' "$url?debug=$d")
		echo "$t" >>"$tmp/t$d"
		[ "$d" = 0 ] && "$build/tests/tools/pprof_dump" "$tmp/p0" |
			sed -n 's/^comment: cprof threads dump: //p' >>"$tmp/cost"
	done
	forms="$(cut -d' ' -f2- <<<"$forms") $(cut -d' ' -f1 <<<"$forms")"
	if [ "$use_gdb" = 1 ]; then
		a=$(now_ms)
		gdb -batch -p "$host" -ex "thread apply all bt" >"$tmp/gdb" 2>&1 || true
		b=$(now_ms)
		awk -v a="$a" -v b="$b" 'BEGIN { print (b - a) / 1000 }' >>"$tmp/tgdb"
		tail -1 "$tmp/t2" | awk -v g="$(tail -1 "$tmp/tgdb")" '{ print g / $1 }' >>"$tmp/rgdb"
	fi
done
threads_seen=$(head -1 "$tmp/p1")
echo "debug=1 says: $threads_seen"
echo "the dump alone (profile comment): CPU $(awk '{ print $3 }' "$tmp/cost" | bench_stats_text) ms," \
	"wall $(awk '{ print $6 }' "$tmp/cost" | bench_stats_text) ms"
for d in 0 1 2; do
	echo "debug=$d: $(awk '{ print $1 * 1000 }' "$tmp/t$d" | bench_stats_text) ms per request"
done
if [ "$use_gdb" = 1 ]; then
	echo "gdb thread apply all bt: $(awk '{ print $1 * 1000 }' "$tmp/tgdb" | bench_stats_text) ms" \
		"($(grep -c '^Thread ' "$tmp/gdb") threads); gdb / cprof debug=2: $(bench_stats_text <"$tmp/rgdb")"
fi
grep -c 'runnable, no sample' "$tmp/p2" | sed 's/^/runnable, no sample in the last debug=2: /'
touch "$tmp/done"
wait "$host" 2>/dev/null || true
host=

echo "# wrapper cost: poll(NULL, 0, 0), $calls calls, $rounds rounds"
for r in $(seq 1 "$rounds"); do
	base=$("$bin/bench_threads_wrapcost" "$calls" | awk '/^running/ { print $2 }')
	LD_PRELOAD=$lib "$bin/bench_threads_wrapcost" "$calls" >"$tmp/w"
	echo "$base" >>"$tmp/wbase"
	awk -v b="$base" '/^running/ { print $2 - b }' "$tmp/w" >>"$tmp/wrun"
	awk -v b="$base" '/^stopped/ { print $2 - b }' "$tmp/w" >>"$tmp/wstop"
	awk '/^running/ { r = $2 } /^stopped/ { print r - $2 }' "$tmp/w" >>"$tmp/wpair"
done
echo "no cprof: $(bench_stats_text <"$tmp/wbase") ns/call"
echo "cprof started (crumb enter+leave): +$(bench_stats_text <"$tmp/wrun") ns/call"
echo "cprof stopped (flag load): +$(bench_stats_text <"$tmp/wstop") ns/call"
echo "started - stopped, same process: $(bench_stats_text <"$tmp/wpair") ns/call"

echo "# breadcrumb enter+leave alone (bench_threads_crumb_cost), $((calls * 10)) calls, $rounds rounds"
for r in $(seq 1 "$rounds"); do
	"$bin/bench_threads_crumb_cost" $((calls * 10)) >"$tmp/c"
	awk '/^plain/ { p = $2 } /^crumb/ { print $2 - p >> "'"$tmp/cc"'" }
		/^off/ { print $2 - p >> "'"$tmp/co"'" }' "$tmp/c"
done
echo "crumb enter+leave: +$(bench_stats_text <"$tmp/cc") ns/call (thread CPU time)"
echo "crumbs off (cprof stopped): +$(bench_stats_text <"$tmp/co") ns/call"
