#!/usr/bin/env bash
# bench/adserver/run.sh BUILD_DIR - the case study's before/after figures
# (docs/PERFORMANCE.md, docs/CASE-STUDY.md): the naive and tuned ad server
# under the same wrk load, interleaved (naive, tuned, naive, tuned, ...),
# ROUNDS rounds of SECONDS each (defaults 3 and 60), medians reported.
# Each run records throughput and p50/p90/p99 (wrk --latency), RSS every
# 0.2 s and peak threads (/proc/PID/status). RSS is read at 10 s, 30 s and
# the end of each run: "flat" means the end is within a few MiB of 10 s.
# Both modes run with libcprof started and idle (no profile requested).
#
#   ROUNDS=3 SECONDS_PER_RUN=60 bench/adserver/run.sh build
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_RUN:-60}
ads=$root/examples/adserver
fail() {
	echo "bench/adserver: $*" >&2
	exit 1
}
source "$ads/redis.sh"
source "$ads/service.sh"
for tool in wrk redis-server redis-cli; do
	command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh)"
done
[[ -x $build/examples/adserver/adserver ]] || fail "adserver is not built (libhiredis-dev?)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/adserver-bench.XXXXXX")
trap 'ads_stop; redis_stop; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
redis_start "$tmp"
redis_seed "$build/examples/adserver/adserver-seed" --seed=1

# rss_at LOG SECOND: VmRSS (MiB) of the last sample at or before SECOND.
rss_at() {
	awk -v s="$2" '$1 <= s { r = $2 } END { printf "%.1f", r / 1024 }' "$1"
}

run() {
	local mode=$1 round=$2 dir=$tmp/$1.$2
	mkdir -p "$dir"
	ads_start "$build" "$mode" "$dir"
	ads_sample "$dir"
	wrk -t2 -c16 -d"${seconds}s" --latency -s "$ads/load.lua" \
		"http://127.0.0.1:$ADS_PORT" -- 100000 >"$dir/wrk.txt" 2>&1 ||
		fail "wrk: $(tail -2 "$dir/wrk.txt")"
	local hwm
	hwm=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$ADS_PID/status")
	ads_stop
	echo "$mode $(wrk_field "$dir/wrk.txt" rps) $(wrk_field "$dir/wrk.txt" p50)" \
		"$(wrk_field "$dir/wrk.txt" p90) $(wrk_field "$dir/wrk.txt" p99)" \
		"$(rss_at "$dir/rss.log" 10) $(rss_at "$dir/rss.log" 30)" \
		"$(rss_at "$dir/rss.log" "$seconds") $hwm $(cat "$dir/threads.peak")" >>"$tmp/runs"
	echo "   round $round $mode: $(tail -1 "$tmp/runs" | cut -d' ' -f2-)" >&2
}

echo "load: wrk -t2 -c16 -d${seconds}s --latency -s examples/adserver/load.lua; $rounds interleaved rounds; $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg) at start" >&2
for r in $(seq 1 "$rounds"); do
	run naive "$r"
	run tuned "$r"
done

echo "| median of $rounds runs of ${seconds} s | naive | tuned | tuned vs naive |"
echo "|---|---:|---:|---:|"
awk '
	function median(mode, col,   n, i, j, t, a) {
		n = 0
		for (i = 1; i <= runs; i++) if (m[i] == mode) a[++n] = v[i, col]
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ runs++; m[runs] = $1; for (c = 2; c <= NF; c++) v[runs, c] = $c }
	END {
		split("throughput (requests/s)|latency p50 (ms)|latency p90 (ms)|latency p99 (ms)|RSS at 10 s (MiB)|RSS at 30 s (MiB)|RSS at the end (MiB)|peak RSS, VmHWM (MiB)|peak threads", name, "|")
		for (c = 2; c <= 10; c++) {
			a = median("naive", c); b = median("tuned", c)
			r = ""
			if (c == 2 && a > 0) r = sprintf("%.1fx more", b / a)
			if (c >= 3 && c <= 5 && b > 0) r = sprintf("%.1fx lower", a / b)
			printf "| %s | %s | %s | %s |\n", name[c - 1], a, b, r
		}
	}' "$tmp/runs"
echo
echo "every run (mode rps p50 p90 p99 rss@10s rss@30s rss@end vmhwm threads):"
sed 's/^/    /' "$tmp/runs"
