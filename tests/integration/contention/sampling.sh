# sampling.sh: Go's sampling rules, against the ground truth of
# sampling_prog.
#   block, CPROF_BLOCK_RATE=5 ms: 1000 condition waits of ~1 ms, each
#     recorded with probability d/rate as (rate/d events, rate ns). The
#     estimate of their total is rate x Binomial(1000, p ~ 0.2): relative
#     standard deviation sqrt((1-p)/(n p)) ~ 6 %; the tolerance is 4 of
#     them, 25 %, on the delay and on the count (1000).
#   mutex, CPROF_MUTEX_FRACTION=4: every value in the profile is 4 times
#     the raw one the text form prints (with "sampling period=4"), exactly.
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/contention/sampling_prog
export CPROF_BLOCK_RATE=5000000 CPROF_MUTEX_FRACTION=4
start_pprof "$TMP/out" "$prog" "$TMP/done"
base=http://127.0.0.1:$port/debug/pprof
for _ in $(seq 1 300); do grep -q '^done$' "$TMP/out" && break; sleep 0.1; done
grep -q '^done$' "$TMP/out" || fail "sampling_prog did not finish"
truth_ms=$(awk -F= '/^short_wait_ns=/ { printf "%.1f", $2 / 1e6 }' "$TMP/out")

curl -sS -f -o "$TMP/block.pb.gz" "$base/block" || fail "fetch block"
"$CPROF_BUILD_DIR/tests/tools/pprof_dump" "$TMP/block.pb.gz" >"$TMP/block.txt"
# count and delay (ms) of the samples whose leaf is short_waits
read -r count delay < <(awk -F' [|] ' '{ split($2, s, ";"); sub(/^ +/, "", s[1]) }
	s[1] == "short_waits" { split($1, v, " "); c += v[1]; d += v[2] }
	END { printf "%d %.1f\n", c, d / 1e6 }' "$TMP/block.txt")
assert_near "block estimate of 1000 short waits: delay ms" "$delay" "$truth_ms" \
	"$(awk -v t="$truth_ms" 'BEGIN { print t / 4 }')"
assert_near "block estimate of 1000 short waits: count" "$count" 1000 250

curl -sS -f -o "$TMP/mutex.pb.gz" "$base/mutex" || fail "fetch mutex"
curl -sS -f -o "$TMP/mutex.txt" "$base/mutex?debug=1" || fail "fetch mutex?debug=1"
grep -q '^sampling period=4$' "$TMP/mutex.txt" || fail "mutex text: no sampling period=4"
read -r tdelay tcount < <(awk '/^[0-9]+ [0-9]+ @/ { d += $1; c += $2 } END { print d, c }' "$TMP/mutex.txt")
read -r pcount pdelay < <("$CPROF_BUILD_DIR/tests/tools/pprof_dump" "$TMP/mutex.pb.gz" |
	awk -F' [|] ' 'NF >= 2 { split($1, v, " "); c += v[1]; d += v[2] } END { print c, d }')
[[ $tcount -gt 0 ]] || fail "mutex: nothing recorded at fraction 4"
[[ $pcount == $((4 * tcount)) && $pdelay == $((4 * tdelay)) ]] ||
	fail "mutex: profile ($pcount, $pdelay) is not 4 x the raw text values ($tcount, $tdelay)"
pass "mutex at fraction 4: profile = 4 x raw ($tcount events recorded, $tdelay ns)"
touch "$TMP/done"
