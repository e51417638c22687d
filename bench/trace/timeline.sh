#!/usr/bin/env bash
# bench/trace/timeline.sh BUILD_DIR [ROUNDS] - the timeline page of a big
# trace (cprof trace -html), results in docs/PERFORMANCE.md.
#
# Traces bench/trace/lockio for its whole run (CPROF_TRACE, 4 MiB thread
# buffers so that few events are dropped; CPROF_BENCH_STEPS, default
# 160000 steps per thread, gives about 600 000 events), then in ROUNDS
# interleaved rounds (default 5; CPROF_BENCH_ROUNDS too): `cprof trace`
# (the text report: reading the trace is most of both) and `cprof trace
# -html` on it, wall time and peak RSS (bench/cli_flame's measure), and
# the page opened in headless Chromium (timeline_open.js: time to the load
# event, the page's parse/decode/first draw, redraw times, JS heap).
# Prints the sizes and the medians with their ranges.
#
# Needs: chromium and node (Debian's chromium, nodejs).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 5 "$@"
steps=${CPROF_BENCH_STEPS:-160000}
here=$(cd "$(dirname "$0")" && pwd)
cprof=$build/src/cli/cprof
measure=$build/bench/cli_flame/cli_flame_measure
out=$build/bench/trace/timeline
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] && command -v node >/dev/null ||
	{ echo "needs chromium and node" >&2; exit 1; }
cmake --build "$build" --target cprof cprof_cli lockio cli_flame_measure >/dev/null
rm -rf "$out"
mkdir -p "$out"

CPROF_TRACE=$out/lockio.json CPROF_TRACE_BUFFER=4194304 LD_PRELOAD=$build/libcprof.so \
	"$build/bench/trace/lockio" --steps "$steps" >/dev/null
events=$(grep -c '^{"ph"' "$out/lockio.json" || true)
dropped=$(sed -n 's/.*"dropped_events":"\([0-9]*\)".*/\1/p' "$out/lockio.json")

for ((r = 0; r < rounds; r++)); do
	for v in report html; do
		case $v in
		report) set -- "$cprof" trace "$out/lockio.json" ;;
		html) set -- "$cprof" trace -html -o "$out/lockio.html" "$out/lockio.json" ;;
		esac
		line=$("$measure" /dev/null "$@")
		[ "${line##* }" = 0 ] || { echo "$v failed" >&2; exit 1; }
		echo "$v ${line% *}" >>"$out/cli.txt"
	done
	node "$here/timeline_open.js" "$chromium" "$out/lockio.html" >>"$out/open.txt"
done

# "MEDIAN [MIN … MAX]" with D decimals
fmt() { bench_stats | awk -v d="$1" '{ printf "%.*f [%.*f … %.*f]", d, $1, d, $2, d, $3 }'; }
col() { awk -v v="$1" -v c="$2" -v k="${3:-}" '$1 == v { print $c / (k == "kb" ? 1024 : 1) }' "$out/cli.txt" | fmt 0; }
key() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$out/open.txt" | fmt "${2:-0}"; }
echo "trace: $events events ($dropped dropped), $(wc -c <"$out/lockio.json") bytes of JSON;" \
	"page: $(wc -c <"$out/lockio.html") bytes; $rounds rounds, median [range]"
echo
echo "| step | time (ms) | peak RSS (MiB) |"
echo "|---|---|---|"
echo "| \`cprof trace\` (the text report) | $(col report 2) | $(col report 3 kb) |"
echo "| \`cprof trace -html\` | $(col html 2) | $(col html 3 kb) |"
echo
echo "| in Chromium | ms |"
echo "|---|---|"
echo "| open: navigation to the load event | $(key load_ms) |"
echo "| of which JSON.parse of the data | $(key parse_ms) |"
echo "| of which decoding into typed arrays | $(key decode_ms) |"
echo "| of which the first draw | $(key first_draw_ms) |"
echo "| redraw, the whole trace | $(key draw_full_ms 1) |"
echo "| redraw, zoomed in 64x | $(key draw_zoom_ms 1) |"
echo "| JS heap after loading (MB) | $(key heap_mb) |"
