#!/usr/bin/env bash
# bench/wall/run.sh BUILD_DIR [ROUNDS] - the wall-profile benchmark (issue
# #7), results in docs/PERFORMANCE.md.
#
# A host with N mostly idle threads (CPROF_BENCH_THREADS, default 200;
# bench_wall_idle: each waits W ms at a time in nanosleep, poll or
# pthread_cond_timedwait, then works a few microseconds) runs under cprof,
# for each W in CPROF_BENCH_WAITS (default "1000 100": every thread wakes
# once a second, then ten times: each wake-up is a new blocking episode
# whose stack the sampler walks once).
# ROUNDS rounds (default 5), each of two windows of S seconds
# (CPROF_BENCH_SECONDS, default 5) in alternating order: one with nothing
# asked of cprof, one during /debug/pprof/wall?seconds=S at 100 Hz.
# Reported, as medians [min … max] over the rounds:
#  - the sampler thread's own CPU (cprof-wall's schedstat, between 0.5 s
#    into the window and 0.3 s before its end), in % of one core;
#  - the whole process's CPU in the wall window minus the idle window of
#    the same round (utime + stime of /proc/PID/stat), in % of one core:
#    the sampler, plus what the one-shot samples of running threads cost
#    those threads;
#  - the samples per thread per second in the profile, the main thread
#    counted with the N (should be ~100).
# The target (issue #7): at most 2 % of one core.
#
# No python: bash, awk, sort, curl. The HTTP port comes from
# tests/integration/ports.sh's free_port.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 5 "$@"
nthreads=${CPROF_BENCH_THREADS:-200}
secs=${CPROF_BENCH_SECONDS:-5}
here=$(cd "$(dirname "$0")" && pwd)
lib=$build/libcprof.so
idle=$build/bench/wall/bench_wall_idle
dump=$build/tests/tools/pprof_dump
source "$here/../../tests/integration/ports.sh"
for f in "$lib" "$idle" "$dump"; do
	[ -e "$f" ] || { echo "missing $f: build first" >&2; exit 1; }
done
tmp=$(mktemp -d)
host=
cleanup() {
	touch "$tmp/done"
	[ -n "$host" ] && kill "$host" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
tck=$(getconf CLK_TCK)
# process CPU time in ns (utime + stime, fields 14 and 15 of stat)
proc_cpu_ns() {
	awk -v t="$tck" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1e9 / t }' "/proc/$host/stat"
}
# the schedstat file of the cprof-wall thread, or nothing
wall_schedstat() {
	grep -l -x cprof-wall /proc/"$host"/task/*/comm 2>/dev/null |
		sed 's/comm$/schedstat/' | head -1
}

run_host() { # WAIT_MS
	rm -f "$tmp/done" "$tmp/sampler" "$tmp/delta" "$tmp/rate"
	port=$(free_port)
	LD_PRELOAD=$lib CPROF_HTTP=127.0.0.1:$port CPROF_WALL_HZ=100 \
		"$idle" "$nthreads" "$1" "$tmp/done" >"$tmp/out" &
	host=$!
	for _ in $(seq 1 300); do grep -q ready "$tmp/out" 2>/dev/null && break; sleep 0.1; done
	grep -q ready "$tmp/out" || { echo "the host never got ready" >&2; exit 1; }
	url=http://127.0.0.1:$port/debug/pprof/wall
	curl -sf -o /dev/null "$url?seconds=1" # first request: symbol tables are loaded
}

idle_window() {
	local c0 c1
	c0=$(proc_cpu_ns)
	sleep "$secs"
	c1=$(proc_cpu_ns)
	echo "$c0 $c1" | awk '{ print $2 - $1 }'
}
wall_window() {
	local c0 c1 w0 w1 t0 t1 f curl_pid
	c0=$(proc_cpu_ns)
	curl -sf -o "$tmp/w.pb.gz" "$url?seconds=$secs" &
	curl_pid=$!
	sleep 0.5
	f=$(wall_schedstat)
	w0=$(cut -d' ' -f1 "$f")
	t0=$(now_ns)
	sleep "$(awk -v s="$secs" 'BEGIN { print s - 0.8 }')"
	w1=$(cut -d' ' -f1 "$f" 2>/dev/null) || w1=
	t1=$(now_ns)
	wait "$curl_pid"
	c1=$(proc_cpu_ns)
	[ -n "$w1" ] && echo "$w0 $w1 $t0 $t1" |
		awk '{ print 100 * ($2 - $1) / ($4 - $3) }' >>"$tmp/sampler"
	"$dump" "$tmp/w.pb.gz" | awk -F' [|] ' -v n="$nthreads" -v s="$secs" \
		'/ [|] / { split($1, v, " "); t += v[1] } END { print t / (n + 1) / s }' >>"$tmp/rate"
	echo "$c0 $c1" | awk '{ print $2 - $1 }'
}

for wait_ms in ${CPROF_BENCH_WAITS:-1000 100}; do
	echo "# wall profile of $nthreads threads idle $wait_ms ms at a time, at 100 Hz, $rounds rounds of 2 x ${secs} s ($(date -u +%H:%M) UTC, load $(cut -d' ' -f1 /proc/loadavg))"
	run_host "$wait_ms"
	for r in $(seq 1 "$rounds"); do
		if [ $((r % 2)) = 1 ]; then
			a=$(idle_window)
			b=$(wall_window)
		else
			b=$(wall_window)
			a=$(idle_window)
		fi
		echo "$a $b" | awk -v s="$secs" '{ print 100 * ($2 - $1) / (s * 1e9) }' >>"$tmp/delta"
	done
	echo "sampler thread (cprof-wall): $(bench_stats_text <"$tmp/sampler") % of one core"
	echo "process CPU, wall window - idle window: $(bench_stats_text <"$tmp/delta") % of one core"
	echo "samples per thread per second: $(bench_stats_text <"$tmp/rate")"
	touch "$tmp/done"
	wait "$host" || true
	host=
done
