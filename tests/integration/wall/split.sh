# split.sh - the wall-clock profile (/debug/pprof/wall) of wall_truth.c,
# whose five threads each spend all their time in one known function:
# main_hold (nanosleep), sleep_loop (nanosleep), lock_wait
# (pthread_mutex_lock), burn (CPU) and poll_loop (poll). Each must hold
# 20 % of the samples within 5 percentage points, through our decoder and
# through go tool pprof; the sample and period types are wall's; the
# burner's samples carry its label (-tagfocus selects them only).
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/wall/wall_truth
dump=$CPROF_BUILD_DIR/tests/tools/pprof_dump
start_pprof "$TMP/out" "$prog" "$TMP/done"
for _ in $(seq 1 100); do grep -q ready "$TMP/out" && break; sleep 0.1; done
grep -q ready "$TMP/out" || fail "wall_truth never got ready"
curl -sS -f --max-time 60 -o "$TMP/wall.pb.gz" \
	"http://127.0.0.1:$port/debug/pprof/wall?seconds=3" || fail "fetch wall"
touch "$TMP/done"
wait "$pid" || fail "wall_truth exited with $?"
grep -q '^done locker_rc=0$' "$TMP/out" || fail "the locker's lock failed: $(cat "$TMP/out")"

"$dump" "$TMP/wall.pb.gz" >"$TMP/wall.txt" || fail "pprof_dump"
grep -q '^sample_type: samples/count wall/nanoseconds$' "$TMP/wall.txt" ||
	fail "sample types: $(grep sample_type "$TMP/wall.txt")"
grep -q '^period_type: wall/nanoseconds$' "$TMP/wall.txt" &&
	grep -q '^period: 10000000$' "$TMP/wall.txt" || fail "period: $(grep period "$TMP/wall.txt")"
# pct FUNCTION: its share of the samples whose first frame of wall_truth.c
# it is (stacks are leaf first: "f;g;h").
total=$(awk -F' [|] ' '/ [|] / { split($1, v, " "); s += v[1] } END { print s }' "$TMP/wall.txt")
((total >= 1000)) || fail "only $total samples in 3 s of 5 threads at 100 Hz"
pct() {
	awk -F' [|] ' -v f="$1" -v t="$total" '/ [|] / { split($1, v, " ")
		n = split($2, fr, ";"); for (i = 1; i <= n; i++) if (fr[i] == f) { s += v[1]; break } }
		END { printf "%.1f", 100 * s / t }' "$TMP/wall.txt"
}
for f in main_hold sleep_loop lock_wait burn poll_loop; do
	assert_near "pprof_dump: $f %" "$(pct "$f")" 20 5
done
grep -E -q '^[0-9]+ [0-9]+ [|] burn;burner;.* [|] role=burner$' "$TMP/wall.txt" ||
	fail "the burner's samples lack its label: $(grep burn "$TMP/wall.txt" | head -3)"
pass "our decoder: $total samples, each thread's function 20 % ± 5"

top=$(pprof_top "$TMP/wall.pb.gz")
echo "$top" | head -12
grep -q 'Type: wall' <<<"$top" || fail "go tool pprof: type is not wall"
for f in main_hold sleep_loop lock_wait burn poll_loop; do
	assert_near "go tool pprof: $f cum %" "$(pprof_cum_pct "$top" "$f")" 20 5
done
focus=$(pprof_top "$TMP/wall.pb.gz" -tagfocus=role=burner)
assert_near "-tagfocus=role=burner: burn cum %" "$(pprof_cum_pct "$focus" burn)" \
	"$(pprof_cum_pct "$top" burn)" 0.01
for f in main_hold sleep_loop lock_wait poll_loop; do
	[[ $(pprof_cum_pct "$focus" "$f") == 0 ]] || fail "-tagfocus=role=burner selects $f too"
done
pass "go tool pprof: the same split; -tagfocus=role=burner selects the burner only"
