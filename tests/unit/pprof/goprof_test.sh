#!/bin/bash
# test_pprof_goprof: profiles written by Go itself, read by our decoder.
#
# Builds goprof/ with Debian's Go (caches from CPROF_TEST_ENV), runs it to
# get a CPU profile and a heap profile from runtime/pprof, totals them with
# `go tool pprof -raw` (the reference decoder), and runs the cmocka checker
# ($GOPROF_CHECK, set by CMakeLists.txt) on both files with those totals in
# the environment, so our decoder must agree with Go's on the numbers.
# The checker also re-encodes both profiles with our encoder and writes the
# every-field test profile; Go's pprof must read those, see the re-encoded
# profiles exactly as it saw the originals, and find every field in ours.
set -euo pipefail

src="$CPROF_SOURCE_DIR/tests/unit/pprof/goprof"
work="$CPROF_BUILD_DIR/tests/unit/pprof/goprof-out"
mkdir -p "$work" "$PPROF_TMPDIR"
rm -f "$work/cpu.pb.gz" "$work/heap.pb.gz"

(cd "$src" && go build -o "$work/goprof" .)
"$work/goprof" "$work/cpu.pb.gz" "$work/heap.pb.gz"

# Sum of one value column over the sample lines of `pprof -raw`, which sit
# between "Samples:" (plus the sample-type line) and "Locations".
raw_sum() {
	go tool pprof -raw "$1" | awk -v col="$2" '
		/^Locations/ { in_samples = 0 }
		in_samples && /^ +-?[0-9]/ { v = $col; sub(":", "", v); t += v }
		/^Samples:/ { in_samples = 1 }
		END { print t + 0 }'
}

GOPROF_CPU_SAMPLES=$(raw_sum "$work/cpu.pb.gz" 1)
GOPROF_HEAP_ALLOC_SPACE=$(raw_sum "$work/heap.pb.gz" 2)
export GOPROF_CPU_SAMPLES GOPROF_HEAP_ALLOC_SPACE
echo "go tool pprof: cpu samples=$GOPROF_CPU_SAMPLES heap alloc_space=$GOPROF_HEAP_ALLOC_SPACE"
"$GOPROF_CHECK" "$work/cpu.pb.gz" "$work/heap.pb.gz" "$work"

for kind in cpu heap; do
	if ! diff <(go tool pprof -raw "$work/$kind.pb.gz") \
		  <(go tool pprof -raw "$work/$kind.cprof.pb.gz"); then
		echo "FAIL: go tool pprof sees our re-encoded $kind profile differently"
		exit 1
	fi
done

raw=$(go tool pprof -raw "$work/full.pb.gz")
for want in 'Comment: first comment' 'samples/count cpu/nanoseconds[dflt]' \
	    'worker:[burner]' 'bytes:[4096] wait:[-7 seconds]' \
	    '0x401234 M=1 leaf a.c:12 s=10(_Z4leafv)' 'inlined_mid b.h:25 s=20()' \
	    '/usr/bin/server 0123456789abcdef [FN][FL][LN][IN]' \
	    'Period: 10000000' 'Duration: 1.1s'; do
	if ! grep -qF -- "$want" <<<"$raw"; then
		echo "FAIL: go tool pprof -raw of our profile lacks: $want"
		echo "$raw"
		exit 1
	fi
done
echo "go tool pprof reads our encodings: ok"

# pprof_dump (tests/tools), when built: its text form of the every-field
# profile is golden, and malformed input exits 2 with one line.
if [ -z "${PPROF_DUMP:-}" ]; then
	echo "pprof_dump not built (tests/tools not configured): skipping its checks"
	exit 0
fi
here="$CPROF_SOURCE_DIR/tests/unit/pprof"
diff "$here/full_profile.dump" <("$PPROF_DUMP" "$work/full.pb.gz")
diff "$here/full_profile.mappings" <("$PPROF_DUMP" --mappings "$work/full.pb.gz")
"$PPROF_DUMP" "$work/cpu.pb.gz" | grep -q '| main\.burn;.* | worker=burner$'
printf '\x60\x80' >"$work/bad.pb"
set +e
msg=$("$PPROF_DUMP" "$work/bad.pb" 2>&1 >/dev/null)
rc=$?
set -e
if [ "$rc" != 2 ] || [ "$msg" != "pprof_dump: $work/bad.pb: truncated varint at byte 1" ]; then
	echo "FAIL: pprof_dump on malformed input: rc=$rc msg=$msg"
	exit 1
fi
echo "pprof_dump: ok"
