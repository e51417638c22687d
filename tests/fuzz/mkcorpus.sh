#!/usr/bin/env bash
# Regenerates the seed corpus of the pprof fuzz target (corpus/pprof):
# real profiles of each kind, written by Go (tests/integration/cli/goprof:
# CPU with labels and inlining, heap, allocs, mutex, block, goroutine), by
# cprof (CPU and C++ heap under LD_PRELOAD) and by cli_mkprof (hand-made
# edge cases); each gzip'd and plain, plus truncated and bit-flipped
# variants. Inputs the fuzzer found are kept beside them as found-*.
# usage: tests/fuzz/mkcorpus.sh BUILD_DIR   (run from the source tree)
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus/pprof
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOCACHE=$build/go-cache GOPATH=$build/go-path GOFLAGS=-mod=mod \
	GOTOOLCHAIN=local

(cd "$here/../integration/cli/goprof" && go build -o "$tmp/goprof" .)
mkdir -p "$tmp/p"
"$tmp/goprof" "$tmp/p"
"$build/tests/integration/cli/cli_mkprof" "$tmp/p"
CPROF_CPU_PROFILE=$tmp/p/cprof_cpu.pb.gz LD_PRELOAD=$build/libcprof.so.0 \
	"$build/tests/programs/cpu_shares" --unit-ms 30 >/dev/null
CPROF_MEM_RATE=1 CPROF_HEAP_PROFILE=$tmp/p/cprof_heap.pb.gz \
	LD_PRELOAD=$build/libcprof.so.0 \
	"$build/tests/integration/heap/heap_cxx" >/dev/null

# flip FILE OFFSET MASK: xors one byte in place.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ $3)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

mkdir -p "$out"
rm -f "$out"/seed-*
for f in "$tmp"/p/*.pb.gz; do
	name=$(basename "$f" .pb.gz)
	cp "$f" "$out/seed-$name.pb.gz"
	gzip -dc "$f" >"$out/seed-$name.pb"
	size=$(stat -c %s "$out/seed-$name.pb")
	for cut in 1 2 7 $((size / 3)) $((size / 2)) $((size - 1)); do
		head -c "$cut" "$out/seed-$name.pb" >"$out/seed-$name.cut$cut.pb"
	done
	head -c $(($(stat -c %s "$f") / 2)) "$f" >"$out/seed-$name.cut.pb.gz"
	for k in 1 2 3 4; do
		off=$(((size * k) / 5))
		cp "$out/seed-$name.pb" "$out/seed-$name.flip$off.pb"
		flip "$out/seed-$name.flip$off.pb" "$off" $((1 << (k + 2)))
	done
done
printf '' >"$out/seed-empty"
printf '\x1f\x8b' >"$out/seed-gzip-magic-only"
echo "corpus: $(ls "$out" | wc -l) files, $(du -sh "$out" | cut -f1)"
