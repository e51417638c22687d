#!/usr/bin/env bash
# cprof folded: the exact collapsed-stack lines of a known profile, the
# options it shares with pprof, and totals equal to go tool pprof's on a
# real CPU profile.
source "$(dirname "$0")/lib.sh"
known_profiles

want='main;[known] 10000000
main;lookup;hash_inline 40000000
main;serve;compress 50000000
main;serve;parse_request;memcpy 50000000
main;std::vector::push_back 20000000
main;weird?name 10000000'
got=$("$CLI" folded "$TMP/new.pb.gz")
[[ $got == "$want" ]] || fail "folded (default cpu):
$got
want:
$want"
pass "folded prints root-first stacks, merged, sorted, sanitized"

got=$("$CLI" folded -sample_index=samples "$TMP/new.pb.gz" | head -2)
[[ $got == $'main;[known] 1\nmain;lookup;hash_inline 4' ]] ||
	fail "-sample_index=samples: $got"
got=$("$CLI" folded -sample_index=0 "$TMP/new.pb.gz" -o "$TMP/f.txt" && cat "$TMP/f.txt")
[[ $(wc -l <<<"$got") -eq 6 && $got == *"main;serve;compress 5"* ]] ||
	fail "-sample_index=0 -o: $got"
pass "-sample_index by name and index, -o"

got=$("$CLI" folded -focus=parse_request "$TMP/new.pb.gz")
[[ $got == "main;serve;parse_request;memcpy 50000000" ]] || fail "-focus: $got"
got=$("$CLI" folded -hide=serve "$TMP/new.pb.gz" | grep compress)
[[ $got == "main;compress 50000000" ]] || fail "-hide: $got"
pass "pprof's filters apply (-focus, -hide)"

# flamegraph.pl's input grammar: STACK SPACE COUNT per line.
grep -qvE '^[^ ;][^;]*(;[^;]+)* [0-9]+$' <<<"$("$CLI" folded "$TMP/new.pb.gz")" &&
	fail "a line does not parse as collapsed stacks"
pass "every line parses as flamegraph.pl input"

# A real CPU profile: the folded values add up to go tool pprof's total.
CPROF_CPU_PROFILE=$TMP/cpu.pb.gz LD_PRELOAD=$CPROF_LIB \
	"$PROGRAMS/cpu_shares" --unit-ms 150 >/dev/null
sum_ns=$("$CLI" folded "$TMP/cpu.pb.gz" | awk '{ s += $NF } END { print s }')
top=$(pprof_top "$TMP/cpu.pb.gz")
assert_near "folded total vs go tool pprof (ms)" "$((sum_ns / 1000000))" \
	"$(pprof_total_ms "$top")" 0
"$CLI" folded "$TMP/cpu.pb.gz" | grep -q 'burn_alpha' ||
	fail "burn_alpha missing from the folded stacks"
pass "burn_alpha is in the folded stacks"
