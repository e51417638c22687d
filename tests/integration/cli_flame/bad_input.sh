#!/usr/bin/env bash
# Bad input to folded, flame, diff and merge: a truncated, corrupt,
# empty or non-pprof file, a missing file, a wrong option, an unreachable
# URL. Each is one line on stderr and exit status 2, never a crash.
source "$(dirname "$0")/lib.sh"
known_profiles
head -c 100 "$TMP/new.pb.gz" >"$TMP/truncated.pb.gz"
gunzip -c "$TMP/new.pb.gz" | head -c 150 >"$TMP/truncated.pb"
head -c 4096 /dev/urandom >"$TMP/random.bin"
printf '\x1f\x8b\x08\x00garbage' >"$TMP/badgzip.gz"
: >"$TMP/empty"
echo "not a profile" >"$TMP/text.txt"
unreachable=http://127.0.0.1:$(free_port)/debug/pprof/heap

for f in truncated.pb.gz truncated.pb random.bin badgzip.gz empty text.txt \
	no-such-file; do
	expect_bad "folded $f" "$CLI" folded "$TMP/$f"
	expect_bad "flame $f" "$CLI" flame "$TMP/$f" -o "$TMP/x.html"
	expect_bad "diff -base $f" "$CLI" diff -base "$TMP/$f" "$TMP/new.pb.gz" -o "$TMP/x"
	expect_bad "merge $f" "$CLI" merge "$TMP/new.pb.gz" "$TMP/$f" -o "$TMP/x"
done
for cmd in folded flame diff merge; do
	expect_bad "$cmd -bogus" "$CLI" "$cmd" -bogus "$TMP/new.pb.gz"
	expect_bad "$cmd unreachable" "$CLI" "$cmd" "$unreachable"
done
expect_bad "folded: no profile" "$CLI" folded
expect_bad "folded: two profiles" "$CLI" folded "$TMP/new.pb.gz" "$TMP/new.pb.gz"
expect_bad "folded -sample_index" "$CLI" folded -sample_index=nope "$TMP/new.pb.gz"
expect_bad "diff without -base" "$CLI" diff "$TMP/new.pb.gz"
expect_bad "flame: unwritable -o" "$CLI" flame "$TMP/new.pb.gz" -o "$TMP/no/dir/x.html"
# profiles of different kinds do not merge
"$CLI" diff -base "$TMP/new.pb.gz" "$TMP/new.pb.gz" -o "$TMP/d.pb.gz"
CPROF_HEAP_PROFILE=$TMP/heap.pb.gz LD_PRELOAD=$CPROF_LIB true
expect_bad "merge cpu + heap" "$CLI" merge "$TMP/new.pb.gz" "$TMP/heap.pb.gz" -o "$TMP/x"
expect_bad "diff cpu - heap" "$CLI" diff -base "$TMP/heap.pb.gz" "$TMP/new.pb.gz" -o "$TMP/x"
for cmd in folded flame diff merge run fetch; do
	"$CLI" help "$cmd" | grep -q "^usage: cprof $cmd" || fail "cprof help $cmd"
	"$CLI" "$cmd" --help | grep -q "^usage: cprof $cmd" || fail "cprof $cmd --help"
done
pass "cprof help CMD and CMD --help for every command"
