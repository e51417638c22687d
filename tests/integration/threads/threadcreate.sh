# threadcreate.sh: /debug/pprof/threadcreate counts every thread the host
# created, by creating stack (spawn_pool: 5, spawn_one_each: 3), not cprof's
# own threads; the protobuf form through go tool pprof, the debug=1 text
# form, and a delta (?seconds=1) with nothing created meanwhile.
source "$(dirname "$0")/../lib.sh"
start_pprof "$TMP/out" "$CPROF_BUILD_DIR/tests/integration/threads/spawner" "$TMP/done"
for _ in $(seq 1 50); do grep -q spawned "$TMP/out" && break; sleep 0.1; done

url=http://127.0.0.1:$port/debug/pprof/threadcreate
curl -sS -f -o "$TMP/tc.pb.gz" "$url" || fail "fetch $url"
top=$(go tool pprof -top -nodecount=50 "$TMP/tc.pb.gz" 2>/dev/null)
echo "$top"
cum() { awk -v f="$1" '$6 == f { print $4 }' <<<"$top"; }
[[ $(cum spawn_pool) == 5 ]] || fail "spawn_pool: want 5 threads, got '$(cum spawn_pool)'"
[[ $(cum spawn_one_each) == 3 ]] || fail "spawn_one_each: want 3 threads, got '$(cum spawn_one_each)'"
grep -q "Type: threadcreate" <<<"$top" || fail "sample type is not threadcreate"
grep -E -q 'of 8 total' <<<"$top" || fail "the total is not 8 (cprof's own threads counted?)"
pass "threadcreate by site: spawn_pool 5, spawn_one_each 3, total 8"

text=$(curl -sS -f "$url?debug=1")
head -1 <<<"$text" | grep -q '^threadcreate profile: total 8$' || fail "text header: $(head -1 <<<"$text")"
grep -q -E '^5 @( 0x[0-9a-f]+)+$' <<<"$text" || fail "no '5 @ pcs' record in the text form"
grep -q -E '^#	0x[0-9a-f]+	spawn_pool\+0x[0-9a-f]+	.*spawner.c:[0-9]+$' <<<"$text" ||
	fail "no frame line for spawn_pool in the text form"
pass "debug=1 text form"

curl -sS -f -o "$TMP/delta.pb.gz" "$url?seconds=1" || fail "delta fetch"
"$CPROF_BUILD_DIR/tests/tools/pprof_dump" "$TMP/delta.pb.gz" | grep -q '^samples: 0' ||
	fail "a delta with no thread created meanwhile has samples"
pass "delta over 1 s with no new thread is empty"

index=$(curl -sS -f "http://127.0.0.1:$port/debug/pprof/")
grep -q "<td>8</td><td><a href='threadcreate?debug=1'>threadcreate</a>" <<<"$index" ||
	fail "the index page does not count 8 threads created"
pass "index page count"
touch "$TMP/done"
