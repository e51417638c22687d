#!/usr/bin/env bash
# make demo: the case study (docs/CASE-STUDY.md) in about two minutes.
# Starts a private Redis and seeds it, then runs the ad server of
# examples/adserver in its naive mode and in its tuned mode, each under
# the same wrk load, while fetching its profiles from libcprof's
# /debug/pprof/ server with the cprof CLI. Prints the lines of each report
# that name the bottlenecks, writes flame graphs, and ends with a
# before/after table. Redis and the service are stopped on exit, failure
# or Ctrl-C.
#
#   scripts/demo.sh [BUILD_DIR]    (DEMO_SECONDS=20: load per mode)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=$(cd "$build" && pwd)
out=out/demo   # relative to the repository, so that reports print short paths
seconds=${DEMO_SECONDS:-20}
profile_seconds=$((seconds / 2))
# A trace records every wait and sample: a few seconds say enough and keep
# its memory (which the peak RSS row would count) small.
trace_seconds=3
cprof=$build/src/cli/cprof
ads=$root/examples/adserver

say() { printf '\n== %s\n' "$*"; }
fail() {
	echo "demo: $*" >&2
	exit 1
}
source "$ads/redis.sh"
source "$ads/service.sh"

[[ -x $build/examples/adserver/adserver ]] ||
	fail "$build/examples/adserver/adserver is missing (is libhiredis-dev installed? run make demo)"
for tool in wrk redis-server redis-cli curl; do
	command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 6 ]] || fail "DEMO_SECONDS must be an integer >= 6"

wrk_pid=
cleanup() {
	[[ -z $wrk_pid ]] || kill "$wrk_pid" 2>/dev/null || true
	ads_stop
	redis_stop
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, stopping Redis and the service"; exit 130' INT TERM

rm -rf "$out"
mkdir -p "$out/redis"

say "starting a private Redis (redis-server on 127.0.0.1, files in $out/redis, no persistence)"
redis_start "$out/redis"
echo "   Redis listens on 127.0.0.1:$REDIS_PORT"
say "seeding it: 100000 users, 5000 ads, 512 candidate lists (adserver-seed --seed=1 | redis-cli --pipe)"
REDIS_SEED_LOG=$out/redis/seed.log redis_seed "$build/examples/adserver/adserver-seed" --seed=1
echo "   $(redis-cli -p "$REDIS_PORT" dbsize) keys, $(redis-cli -p "$REDIS_PORT" info memory |
	sed -n 's/^used_memory_human:\(.*\)\r$/\1/p') in Redis"

# fetch KIND FILE [SECONDS]: one profile with cprof fetch. The profiles
# other branches are still building get one plain line when absent.
fetch() {
	local kind=$1 file=$2 secs=${3:-} url code
	url=$ADS_PPROF/$kind
	if "$cprof" fetch ${secs:+-seconds "$secs"} -o "$file" "$url" >/dev/null 2>"$file.err" </dev/null; then
		return 0
	fi
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
	if [[ $code == 404 ]]; then
		echo "   $kind: not served by this libcprof (404), skipped"
	else
		echo "   $kind: fetch failed: $(head -1 "$file.err")"
	fi
	rm -f "$file"
	return 1
}

# fetch_trace FILE SECONDS: the execution trace, once libcprof serves it
# (Go's trace format: not a profile, so curl rather than cprof fetch).
fetch_trace() {
	local code
	code=$(curl -s -o "$1" -w '%{http_code}' "$ADS_PPROF/trace?seconds=$2" || true)
	if [[ $code == 200 ]]; then
		return 0
	fi
	if [[ $code == 404 ]]; then
		echo "   trace: not served by this libcprof (404), skipped"
	else
		echo "   trace: fetch failed (HTTP status $code)"
	fi
	rm -f "$1"
	return 1
}

# report TITLE CPROF_TOP_ARGS...: the header and rows of a cprof top.
report() {
	local title=$1
	shift
	echo "-- $title: cprof top $*"
	"$cprof" top "$@" 2>&1 | grep -v -E '^(File|Build ID|cprof unwinder|Time|Type):' | sed 's/^/   /'
}

# share FILE REGEX: percentage of the CPU profile's samples whose stack
# goes through a function matching REGEX (cprof top -focus, every node).
share() {
	"$cprof" top -focus="$2" -nodecount=1000000 -nodefraction=0 "$1" 2>/dev/null |
		sed -n 's/^Showing nodes accounting for .*, \([0-9.]*\)% of .*/\1/p' | head -1 |
		grep . || echo 0
}

# proc_cpu_ms PID: user + system CPU time the kernel counted for PID.
proc_cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$1/stat"
}

# profile_ms FILE: the CPU profile's total in milliseconds.
profile_ms() {
	"$cprof" top -unit=ms -nodecount=1 "$1" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)ms.*/\1/p'
}

# What the table calls each cost: the functions whose stacks it counts.
re_threads='^pthread_create'
re_alloc='^(malloc|calloc|realloc|free|__libc_(malloc|calloc|realloc|free)|_int_(malloc|free)|hooks_(malloc|calloc|realloc|free)[a-z_]*)$'
re_redis='^redis(Command|CommandArgv|vCommand|GetReply|BufferRead|BufferWrite)$'
re_json='^json_'
ours='^(naive|tuned|json|store|keys|service|score|workq)_|^pthread_create$|^getaddrinfo$|^__libc_calloc$|^redisGetReply$|^redisBufferWrite$'

run_mode() {
	local mode=$1 dir=$out/$1
	mkdir -p "$dir"
	say "[$mode] starting the ad server: adserver --mode=$mode, cprof_start serving profiles on 127.0.0.1"
	ads_start "$build" "$mode" "$dir"
	echo "   service http://127.0.0.1:$ADS_PORT/ad, profiles $ADS_PPROF/"
	echo "   one request: curl 'http://127.0.0.1:$ADS_PORT/ad?user=42&slot=top'"
	curl -s "http://127.0.0.1:$ADS_PORT/ad?user=42&slot=top" | cut -c1-110 | sed 's/^/   /; s/$/.../'
	ads_sample "$dir"

	say "[$mode] load: wrk -t2 -c16 -d${seconds}s --latency -s examples/adserver/load.lua (random users and slots)"
	wrk -t2 -c16 -d"${seconds}s" --latency -s "$ads/load.lua" \
		"http://127.0.0.1:$ADS_PORT" -- 100000 >"$dir/wrk.txt" 2>&1 &
	wrk_pid=$!
	sleep 2
	local cpu0 t0
	cpu0=$(proc_cpu_ms "$ADS_PID")
	t0=$(date +%s%N)
	echo "   meanwhile: cprof fetch -seconds $profile_seconds of profile (CPU), wall, allocs, mutex, block, and a ${trace_seconds}-s trace; then heap, goroutine, threadcreate"
	local pids=()
	fetch profile "$dir/cpu.pb.gz" "$profile_seconds" & pids+=($!)
	fetch wall "$dir/wall.pb.gz" "$profile_seconds" & pids+=($!)
	fetch allocs "$dir/allocs.pb.gz" "$profile_seconds" & pids+=($!)
	fetch mutex "$dir/mutex.pb.gz" "$profile_seconds" & pids+=($!)
	fetch block "$dir/block.pb.gz" "$profile_seconds" & pids+=($!)
	fetch_trace "$dir/trace.json" "$trace_seconds" & pids+=($!)
	wait "${pids[@]}" || true
	echo "$(( $(proc_cpu_ms "$ADS_PID") - cpu0 )) $(( ($(date +%s%N) - t0) / 1000000 ))" >"$dir/proc_cpu"
	fetch heap "$dir/heap.pb.gz" || true
	fetch goroutine "$dir/goroutine.pb.gz" || true
	fetch threadcreate "$dir/threadcreate.pb.gz" || true
	wait "$wrk_pid" || fail "wrk failed: $(tail -3 "$dir/wrk.txt")"
	wrk_pid=
	awk '/^VmHWM:/ { print $2 }' "/proc/$ADS_PID/status" >"$dir/rss.peak"
	ads_stop
	[[ -s $dir/cpu.pb.gz && -s $dir/allocs.pb.gz && -s $dir/threadcreate.pb.gz ]] ||
		fail "the CPU, allocs or threadcreate profile is missing"
	grep -q 'Non-2xx' "$dir/wrk.txt" && echo "   note: wrk saw errors: $(grep Non-2xx "$dir/wrk.txt")"

	say "[$mode] what the profiles say"
	report "CPU, our functions by cumulative share" -cum -nodecount=14 -show="$ours" "$dir/cpu.pb.gz"
	[[ -s $dir/wall.pb.gz ]] &&
		report "wall clock (running or waiting), our functions" -cum -nodecount=10 -show="$ours" "$dir/wall.pb.gz"
	report "threads created, by creating stack" -nodecount=3 "$dir/threadcreate.pb.gz"
	report "allocations, count" -sample_index=alloc_objects -nodecount=5 "$dir/allocs.pb.gz"
	report "allocations, bytes" -sample_index=alloc_space -nodecount=3 "$dir/allocs.pb.gz"
	report "heap in use" -sample_index=inuse_space -nodecount=3 "$dir/heap.pb.gz"
	local k
	for k in mutex block goroutine; do
		[[ -s $dir/$k.pb.gz ]] && report "$k" -nodecount=5 "$dir/$k.pb.gz"
	done
	for k in cpu allocs; do
		"$cprof" flame -o "$dir/$k.html" "$dir/$k.pb.gz" >/dev/null 2>&1 ||
			echo "   flame graph of $k failed"
	done
	echo "-- flame graphs: $dir/cpu.html, $dir/allocs.html (open in a browser)"
	if [[ -s $dir/trace.json ]]; then
		"$cprof" trace -html -o "$dir/timeline.html" "$dir/trace.json" >/dev/null 2>&1 ||
			echo "   timeline page of the trace failed"
		echo "-- execution trace: $dir/trace.json, its timeline $dir/timeline.html (open in a browser; the JSON also opens in ui.perfetto.dev), its report: cprof trace $dir/trace.json"
	fi

	{
		echo "rps $(wrk_field "$dir/wrk.txt" rps)"
		echo "p50 $(wrk_field "$dir/wrk.txt" p50)"
		echo "p90 $(wrk_field "$dir/wrk.txt" p90)"
		echo "p99 $(wrk_field "$dir/wrk.txt" p99)"
		echo "rss $(awk '{ printf "%.1f", $1 / 1024 }' "$dir/rss.peak")"
		echo "threads $(cat "$dir/threads.peak" 2>/dev/null || echo 0)"
		echo "cpu_req $(awk -v r="$(wrk_field "$dir/wrk.txt" rps)" '{ if (r > 0 && $2 > 0) printf "%.0f", $1 * 1e6 / (r * $2); else print 0 }' "$dir/proc_cpu")"
		echo "coverage $(awk -v p="$(profile_ms "$dir/cpu.pb.gz")" '{ if ($1 > 0) printf "%.0f", 100 * p / $1; else print 0 }' "$dir/proc_cpu")"
		echo "cpu_threads $(share "$dir/cpu.pb.gz" "$re_threads")"
		echo "cpu_alloc $(share "$dir/cpu.pb.gz" "$re_alloc")"
		echo "cpu_redis $(share "$dir/cpu.pb.gz" "$re_redis")"
		echo "cpu_json $(share "$dir/cpu.pb.gz" "$re_json")"
	} >"$dir/figures"
}

run_mode naive
run_mode tuned

say "before/after (wrk -t2 -c16 -d${seconds}s each; shares of CPU from the CPU profile with cprof top -focus)"
awk '
	FNR == 1 { m++ }
	{ v[m, $1] = $2 }
	END {
		split("rps p50 p90 p99 cpu_req rss threads cpu_threads cpu_alloc cpu_redis cpu_json", k, " ")
		split("throughput (requests/s)|latency p50 (ms)|latency p90 (ms)|latency p99 (ms)|CPU per request (us)|peak RSS (MiB)|peak threads|CPU in thread creation (%)|CPU in the allocator (%)|CPU in Redis round trips (%)|CPU in JSON (%)", name, "|")
		printf "   %-30s %10s %10s %10s\n", "", "naive", "tuned", "change"
		for (i = 1; i <= 11; i++) {
			a = v[1, k[i]]; b = v[2, k[i]]
			if (i <= 5 && a > 0 && b > 0)
				c = sprintf("%.1fx %s", i == 1 ? b / a : a / b, i == 1 ? "more" : "lower")
			else
				c = ""
			printf "   %-30s %10s %10s %10s\n", name[i], a, b, c
		}
		printf "\n   The CPU profiles hold %s%% (naive) and %s%% (tuned) of the CPU time the\n   kernel counted for the process while they were taken (/proc/PID/stat).\n   Peak RSS counts what cprof holds while it takes the profiles and the trace;\n   bench/adserver/run.sh measures the service without them.\n", v[1, "coverage"], v[2, "coverage"]
	}' "$out/naive/figures" "$out/tuned/figures" | tee "$out/table.txt"
echo
echo "   everything is in $out: profiles (*.pb.gz), flame graphs (*.html), wrk output, this table (table.txt)"
echo "   explore a profile: $cprof top $out/naive/cpu.pb.gz, or go tool pprof -http=127.0.0.1:8080 $out/naive/cpu.pb.gz"
