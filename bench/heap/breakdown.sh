#!/usr/bin/env bash
# bench/heap/breakdown.sh BUILD_DIR [OPS] - where the instructions of one
# heap-profile sample go (issue #4), results in docs/PERFORMANCE.md.
#
# Runs bench/heap/allocbench (1 thread, OPS ops, default 300000) under
# callgrind with LD_PRELOAD=libcprof.so at the default rate (512 KiB), the
# whole process counted, and prints the inclusive instructions of each part
# of the sampled path divided by the number of samples (the calls of
# cprof__alloc_sample): the stack walk, the exponential draw, the
# sampled-set insert, the ring; the frees that take the slow path (sampled
# pointers and page-filter collisions, without the allocator's own free);
# and the collector's drain, whichever thread runs it (the collector, or an
# allocating thread that found the ring full: "help", counted apart because
# under valgrind's serialised threads it happens where it would not on the
# hardware). Deterministic to a few instructions from run to run.
#
# Needs valgrind (callgrind_annotate); bash and awk only.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [OPS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
build=$(cd "$1" && pwd) || usage
ops=${2:-300000}
case $ops in '' | *[!0-9]*) usage ;; esac
command -v valgrind >/dev/null || { echo "$0: needs valgrind" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
lib=$build/libcprof.so
bin=$build/bench/heap
out=$bin/out
mkdir -p "$out"
if [ ! -x "$bin/allocbench" ]; then
	gcc -O2 -g -fno-omit-frame-pointer -pthread "$here/allocbench.c" \
		-o "$bin/allocbench"
fi
[ -e "$lib" ] || cmake --build "$build" --target cprof >/dev/null

cg=$out/breakdown.cg.out
env LD_PRELOAD="$lib" CPROF_HEAP_PROFILE="$out/breakdown.pb.gz" \
	valgrind --tool=callgrind --callgrind-out-file="$cg" \
	"$bin/allocbench" 1 "$ops" >/dev/null 2>&1
tree=$out/breakdown.tree.txt
callgrind_annotate --inclusive=yes --threshold=100 --auto=no --tree=caller \
	"$cg" >"$tree"

# From the caller tree: "F" inclusive cost of function F, "E caller callee"
# cost and calls of an edge. callgrind_annotate lists some functions twice
# (under the absolute and the relative name of their file, with the same
# costs), so each figure is the largest of its duplicates, not their sum.
awk '
	function name(s) { sub(/ \[.*$/, "", s); sub(/ \([0-9,]+x\)$/, "", s)
		sub(/^.*:/, "", s); sub(/\.(part|cold|constprop|isra)\..*$/, "", s)
		sub(/\.(part|cold|constprop|isra)$/, "", s); return s }
	function num(s) { gsub(/,/, "", s); return s + 0 }
	function max(a, b) { return a > b ? a : b }
	match($0, /^ *[0-9,]+ +\( *[0-9.]+%\) +[<*] +/) {
		head = substr($0, 1, RLENGTH); line = substr($0, RLENGTH + 1)
		mark = head ~ /< +$/ ? "<" : "*"
		if (mark == "<") {
			calls = 0
			if (match(line, /\([0-9,]+x\)/))
				calls = num(substr(line, RSTART + 1, RLENGTH - 3))
			pend[++np] = name(line); pcost[np] = num($1); pcalls[np] = calls
			next
		}
		f = name(line); inc[f] = max(inc[f], num($1))
		for (i = 1; i <= np; i++) {
			k = pend[i] SUBSEP f
			ec[k] = max(ec[k], pcost[i]); en[k] = max(en[k], pcalls[i])
		}
		np = 0
	}
	END {
		for (f in inc) print "F", f, inc[f]
		for (k in ec) { split(k, a, SUBSEP); print "E", a[1], a[2], ec[k], en[k] }
	}' "$tree" >"$out/breakdown.tsv"

get() { awk -v f="$1" '$1 == "F" && $2 == f { print $3; found = 1 }
	END { if (!found) print 0 }' "$out/breakdown.tsv"; }
edge() { awk -v a="$1" -v b="$2" -v c="$3" '$1 == "E" && $2 == a && $3 == b {
	print (c == "calls" ? $5 : $4); found = 1 } END { if (!found) print 0 }' \
	"$out/breakdown.tsv"; }

samples=$(awk '$1 == "E" && $3 == "cprof__alloc_sample" { n += $5 }
	END { print n + 0 }' "$out/breakdown.tsv")
[ "$samples" -gt 0 ] || { echo "$0: no samples in $cg" >&2; exit 1; }
help=$(get collector_help)
sample=$(get cprof__alloc_sample)
walk=$(edge cprof__alloc_sample cprof__stack_from_frame cost)
walk_old=$(edge cprof__alloc_sample cprof__stack_here cost)
walk=$((walk + walk_old))
unwind=$(get cprof__unwind_as)
draw=$(edge cprof__alloc_sample sampler_draw cost)
insert=$(edge cprof__alloc_sample cprof__sampled_set_insert cost)
claim=$(get sampler_claim)
publish=$(get cprof__ring_publish_as)
slow=$(get hooks_free_slow)
slow_calls=$(edge free hooks_free_slow calls)
real_free=$(edge hooks_free_slow free cost)
release=$(get cprof__alloc_release)
released=$(edge cprof__alloc_release cprof__ring_publish_as calls)
remove=$(get cprof__sampled_set_remove)
drain=$(get cprof__collector_drain_locked)
agg_alloc=$(get cprof__heap_aggregate_alloc_locked)
agg_free=$(get cprof__heap_aggregate_free_locked)

awk -v s="$samples" -v ops="$ops" -v help="$help" -v sample="$sample" \
	-v walk="$walk" -v unwind="$unwind" -v draw="$draw" -v insert="$insert" \
	-v claim="$claim" -v publish="$publish" -v slow="$slow" \
	-v slow_calls="$slow_calls" -v real_free="$real_free" \
	-v release="$release" -v released="$released" -v remove="$remove" \
	-v drain="$drain" -v agg_alloc="$agg_alloc" -v agg_free="$agg_free" '
	function row(what, v) { printf "| %s | %.0f | %.2f |\n", what, v / s, v / ops }
	BEGIN {
		printf "allocbench 1 %d under callgrind, cprof at 512 KiB: %d samples, %d frees on the slow path (%d of them sampled pointers)\n\n", ops, s, slow_calls, released
		print "| part | instructions per sample | per op |"
		print "|---|---:|---:|"
		row("sampled allocation: cprof__alloc_sample (without help)", sample - help)
		row("- stack walk (cprof__stack_from_frame)", walk)
		row("-- of which the walker (cprof__unwind_as)", unwind)
		row("- exponential draw (sampler_draw, log)", draw)
		row("- sampled-set insert", insert)
		row("- ring claim and publish (allocs and frees)", claim + publish - help)
		row("slow-path frees, without the allocator: hooks_free_slow - free", slow - real_free)
		row("- cprof__alloc_release", release)
		row("-- sampled-set remove (and collision checks)", remove)
		row("allocating thread, total", sample - help + slow - real_free)
		row("collector: drain (any thread)", drain)
		row("- aggregate the allocation (stack intern, bucket, live)", agg_alloc)
		row("- aggregate the free", agg_free)
		row("(help: drains run by the allocating thread)", help)
	}'
