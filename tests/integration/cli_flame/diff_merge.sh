#!/usr/bin/env bash
# cprof diff and merge write profiles that go tool pprof reads, with the
# numbers go tool pprof computes itself from the inputs (-diff_base, and
# several profiles given at once).
source "$(dirname "$0")/lib.sh"
known_profiles

# go tool pprof -top's table (the header lines name files and times).
top_body() {
	go tool pprof -top -unit=ms -nodecount=200 "$@" 2>/dev/null |
		sed -n '/flat%/,$p'
}

"$CLI" diff -base "$TMP/base.pb.gz" "$TMP/new.pb.gz" -o "$TMP/diff.pb.gz"
got=$(top_body "$TMP/diff.pb.gz")
want=$(top_body -diff_base "$TMP/base.pb.gz" "$TMP/new.pb.gz")
[[ -n $got && $got == "$want" ]] || fail "diff:
$got
go tool pprof -diff_base:
$want"
pass "diff = go tool pprof -diff_base"
grep -q 'memcpy' <<<"$got" || fail "diff lost memcpy"
"$CLI" folded "$TMP/diff.pb.gz" | grep -q '^main;lookup;hash_inline -40000000$' ||
	fail "diff: lookup should have shrunk by 40 ms"
pass "diff: a shrinking stack is negative"

"$CLI" merge "$TMP/base.pb.gz" "$TMP/new.pb.gz" "$TMP/new.pb.gz" -o "$TMP/sum.pb.gz"
got=$(top_body "$TMP/sum.pb.gz")
want=$(top_body "$TMP/base.pb.gz" "$TMP/new.pb.gz" "$TMP/new.pb.gz")
[[ -n $got && $got == "$want" ]] || fail "merge:
$got
go tool pprof with three profiles:
$want"
pass "merge = go tool pprof given the profiles together"
"$CLI" folded -sample_index=samples "$TMP/sum.pb.gz" | grep -qx 'main;serve;compress 15' ||
	fail "merge: compress should be 3 x 5"
pass "merge sums stacks"

# gzip'd output, a single profile merges to itself, stdout when piped
"$CLI" merge "$TMP/new.pb.gz" >"$TMP/one.pb.gz"
[[ $(head -c 2 "$TMP/one.pb.gz" | od -An -tx1 | tr -d ' ') == 1f8b ]] ||
	fail "merge output is not gzip'd"
[[ $("$CLI" folded "$TMP/one.pb.gz") == "$("$CLI" folded "$TMP/new.pb.gz")" ]] ||
	fail "merging one profile changed it"
pass "merge of one profile, to stdout, gzip'd"
