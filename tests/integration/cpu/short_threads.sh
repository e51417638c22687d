# short_threads.sh HZ SHARE_TOL: the CPU profile of a program whose CPU is
# spent largely in threads shorter than the kernel tick
# (tests/programs/short_threads.c: thousands of 200 us and 2 ms threads
# beside a long-lived one), read through pprof_dump and `go tool pprof`.
# Checks: the profile's total within 15 % of the process CPU time over the
# run; each burn function's share of the profile within SHARE_TOL points of
# its share of the process CPU time, in both readers.
source "$(dirname "$0")/../lib.sh"
hz=$1
share_tol=$2
prof=$TMP/cpu.pb.gz
PPROF_DUMP=${CPROF_BUILD_DIR:?}/tests/tools/pprof_dump

out=$(CPROF_CPU_HZ=$hz CPROF_CPU_PROFILE=$prof LD_PRELOAD=$CPROF_LIB \
	"$PROGRAMS/short_threads" --rounds 300)
echo "$out"
[[ -s $prof ]] || fail "no profile written to $prof"
val() { sed -n "s/.*[ _]$1=\([0-9]*\).*/\1/p" <<<"$out"; }
process=$(val process)
[[ -n $process ]] || fail "short_threads printed no CPU times"

# pprof_dump: per sample "COUNT NANOS | LEAF;...;ROOT".
dump=$("$PPROF_DUMP" "$prof") || fail "pprof_dump cannot read $prof"
dump_total_ms=$(awk -F' [|] ' '/ [|] / { split($1, v, " "); s += v[2] }
	END { printf "%.1f", s / 1e6 }' <<<"$dump")
dump_pct() {
	awk -F' [|] ' -v f="$1" '/ [|] / { split($1, v, " "); all += v[2]
		n = split($2, fr, ";"); for (i = 1; i <= n; i++)
			if (fr[i] == f) { mine += v[2]; break } }
		END { printf "%.2f", all ? 100 * mine / all : 0 }' <<<"$dump"
}

top=$(pprof_top "$prof")
echo "$top" | head -12
total_ms=$(pprof_total_ms "$top")
[[ -n $total_ms ]] || fail "go tool pprof printed no total"

want_ms=$(awk -v t="$process" 'BEGIN { printf "%.1f", t / 1e6 }')
tol_ms=$(awk -v t="$process" 'BEGIN { printf "%.1f", t / 1e6 * 0.15 }')
assert_near "total CPU ms at $hz Hz (go tool pprof)" "$total_ms" "$want_ms" "$tol_ms"
assert_near "total CPU ms at $hz Hz (pprof_dump)" "$dump_total_ms" "$want_ms" "$tol_ms"

for f in long short200 short2ms; do
	want=$(awk -v a="$(val $f)" -v t="$process" \
		'BEGIN { printf "%.2f", 100 * a / t }')
	assert_near "burn_$f share % (go tool pprof)" \
		"$(pprof_cum_pct "$top" "burn_$f")" "$want" "$share_tol"
	assert_near "burn_$f share % (pprof_dump)" \
		"$(dump_pct "burn_$f")" "$want" "$share_tol"
done
pass "short threads profiled at $hz Hz"
