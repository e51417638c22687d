# contention.sh: /debug/pprof/mutex and /debug/pprof/block against the
# ground truth of contention_prog (every event recorded: fraction 1, rate 1),
# through go tool pprof and our decoder:
#   mutex: the hot lock's unlock site carries >= 90 % of the delay on the two
#     locks fought over; the delay it carries equals the time its waiters
#     spent blocked (block profile, same site) within 5 %; a writer that held
#     an rwlock 200 ms with one reader waiting is charged the reader's wait
#     as the reader measured it (+-30 ms);
#   block: the condition-variable waiter shows the time it measured itself
#     (+-10 % or 30 ms); so do the sem_wait, join, barrier and rdlock
#     waiters (~200 ms each);
#   labels lock=hot set around the hot lock come back on both (-tagfocus);
#   debug=1 in Go's text forms, which pprof's legacy parser reads; a
#   ?seconds= delta covering the work holds it, one after it is empty;
#   seconds with debug is Go's 400; the index page lists both.
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/contention/contention_prog
export CPROF_MUTEX_FRACTION=1 CPROF_BLOCK_RATE=1
start_pprof "$TMP/out" "$prog" "$TMP/go" "$TMP/done"
base=http://127.0.0.1:$port/debug/pprof

curl -sS -f -o "$TMP/delta.pb.gz" "$base/block?seconds=5" &
delta_pid=$!
sleep 0.5
touch "$TMP/go"
for _ in $(seq 1 300); do grep -q '^done$' "$TMP/out" && break; sleep 0.1; done
grep -q '^done$' "$TMP/out" || fail "contention_prog did not finish"
cond_ms=$(sed -n 's/^cond_wait_ms=//p' "$TMP/out")

curl -sS -f -o "$TMP/mutex.pb.gz" "$base/mutex" || fail "fetch mutex"
curl -sS -f -o "$TMP/block.pb.gz" "$base/block" || fail "fetch block"

# flat ms of a function in a -top listing (0 if absent); cum with $3 = cum
ms() { awk -v f="$2" -v c="${3:-flat}" '$6 == f { v = (c == "cum") ? $4 : $1;
	sub("ms", "", v); print v; found = 1 } END { if (!found) print 0 }' <<<"$1" | head -1; }

mutex=$(pprof_top "$TMP/mutex.pb.gz")
block=$(pprof_top "$TMP/block.pb.gz")
echo "$mutex"
echo "$block"
grep -q "Type: delay" <<<"$mutex" || fail "mutex: default sample type is not delay"

"$CPROF_BUILD_DIR/tests/tools/pprof_dump" "$TMP/mutex.pb.gz" >"$TMP/dump"
# exact delays (ms) by leaf function from our decoder ("count delay | stack | labels")
delay_at() { awk -v f="$1" -F' [|] ' '{ split($2, s, ";"); sub(/^ +/, "", s[1]) }
	s[1] ~ f { split($1, v, " "); t += v[2] } END { printf "%.2f\n", t / 1e6 }' "$TMP/dump"; }
hot=$(delay_at '^hot_section$')
cold=$(delay_at '^cold_')
awk -v h="$hot" -v c="$cold" 'BEGIN { exit !(h > 0 && h / (h + c) >= 0.9) }' ||
	fail "mutex: hot_section has $hot ms, the cold lock $cold ms: under 90 %"
pass "mutex: the hot lock's unlock site has $hot ms, the cold lock's $cold ms (>= 90 %)"

hot_block=$(ms "$block" hot_section)
awk -v m="$hot" -v b="$hot_block" 'BEGIN { d = m - b; if (d < 0) d = -d; exit !(b > 0 && d <= 0.05 * b) }' ||
	fail "mutex delay at hot_section ($hot ms) is not the waiters' blocked time ($hot_block ms) within 5 %"
pass "mutex delay charged to the holder ($hot ms) = its waiters' blocked time ($hot_block ms)"

reader_ms=$(sed -n "s/^rw_reader=//p" "$TMP/out")
assert_near "mutex: the rwlock writer's unlock carries its one reader's wait (ms)" \
	"$(ms "$mutex" release_waiters)" "$reader_ms" 30

assert_near "block: cond_waiter_wait (ms)" "$(ms "$block" cond_waiter_wait)" "$cond_ms" \
	"$(awk -v c="$cond_ms" 'BEGIN { t = c / 10; print (t > 30 ? t : 30) }')"
for f in sem_waiter join_waiter barrier_waiter rw_reader; do
	want=$(sed -n "s/^$f=//p" "$TMP/out")
	assert_near "block: $f (ms, as it measured itself)" "$(ms "$block" "$f" cum)" "$want" \
		"$(awk -v c="$want" 'BEGIN { t = c / 10; print (t > 30 ? t : 30) }')"
done

for kind in mutex block; do
	top=$(pprof_top "$TMP/$kind.pb.gz" -tagfocus=lock=hot)
	total=$(pprof_total_ms "$top")
	want=$(ms "$top" hot_section)
	[[ $(ms "$top" cold_section) == 0 && $(ms "$top" cond_waiter_wait) == 0 ]] ||
		fail "$kind: -tagfocus=lock=hot keeps other sites"
	awk -v t="$total" -v w="$want" 'BEGIN { exit !(w > 0 && t > 0) }' ||
		fail "$kind: nothing under -tagfocus=lock=hot"
	go tool pprof -tags "$TMP/$kind.pb.gz" 2>/dev/null | grep -q -E '^ *lock: ' ||
		fail "$kind: no lock label in -tags"
	pass "$kind: label lock=hot on the hot lock's samples ($want ms under -tagfocus)"
done

grep -q '^sample_type: contentions/count delay/nanoseconds$' "$TMP/dump" || fail "mutex sample types"
grep -q '^period_type: contentions/count$' "$TMP/dump" || fail "mutex period type"
grep -q -E '^[0-9]+ [0-9]+ \| hot_section;hot_thread;.* \| lock=hot$' "$TMP/dump" ||
	fail "our decoder: no labelled hot_section sample"
pass "our decoder: Go's sample and period types, the labelled hot sample"

for kind in mutex block; do
	curl -sS -f -o "$TMP/$kind.txt" "$base/$kind?debug=1" || fail "fetch $kind?debug=1"
	head -3 "$TMP/$kind.txt"
	header=$([[ $kind == mutex ]] && echo '--- mutex:' || echo '--- contention:')
	[[ $(head -1 "$TMP/$kind.txt") == "$header" ]] || fail "$kind text: first line is not $header"
	grep -q '^cycles/second=1000000000$' "$TMP/$kind.txt" || fail "$kind text: cycles/second"
	grep -q -E '^[0-9]+ [0-9]+ @( 0x[0-9a-f]+)+$' "$TMP/$kind.txt" || fail "$kind text: no record"
	grep -q -E '^#	0x[0-9a-f]+	hot_section\+0x[0-9a-f]+	.*contention_prog.c:[0-9]+$' "$TMP/$kind.txt" ||
		fail "$kind text: no frame line for hot_section"
	legacy=$(pprof_top "$TMP/$kind.txt" "$prog")
	want=$(pprof_total_ms "$(pprof_top "$TMP/$kind.pb.gz")")
	assert_near "$kind text read by pprof's legacy parser: total ms" "$(pprof_total_ms "$legacy")" "$want" 1
done
grep -q '^sampling period=1$' "$TMP/mutex.txt" || fail "mutex text: sampling period"

wait "$delta_pid" || fail "delta fetch"
delta=$(pprof_top "$TMP/delta.pb.gz")
assert_near "delta over the work: cond_waiter_wait (ms)" "$(ms "$delta" cond_waiter_wait)" "$cond_ms" 30
curl -sS -f -o "$TMP/idle.pb.gz" "$base/mutex?seconds=1" || fail "idle delta fetch"
"$CPROF_BUILD_DIR/tests/tools/pprof_dump" "$TMP/idle.pb.gz" | grep -q '^samples: 0' ||
	fail "a delta with no contention meanwhile has samples"
pass "delta after the work is empty"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/block?seconds=1&debug=1")
[[ $code == 400 ]] || fail "seconds with debug: want 400, got $code"
pass "seconds with debug: 400"

index=$(curl -sS -f "$base/")
for kind in block mutex; do
	grep -q -E "<td>[1-9][0-9]*</td><td><a href='$kind\?debug=1'>$kind</a>" <<<"$index" ||
		fail "the index page does not list $kind with its count"
done
pass "index page lists block and mutex"
touch "$TMP/done"
