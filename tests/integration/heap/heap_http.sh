# heap_http.sh PROGRAM: the memory profiles over HTTP. heap_sites --wait
# (CPROF_MEM_RATE=8192) keeps its heap live while /debug/pprof/heap and
# /debug/pprof/allocs are fetched, with curl and with go tool pprof.
#   - Both are valid gzip'd profiles with the four sample types and period
#     8192; allocs has default_sample_type alloc_space, heap none (so
#     go tool pprof shows alloc_space and inuse_space by default).
#   - Nothing allocates between the two fetches, so both carry the same
#     per-site values; site_malloc_large's in-use bytes (32 x 1 MiB, each
#     sampled with probability 1 - e^-128) are exactly 32 MiB.
source "$(dirname "$0")/lib.sh"
program=$1
cd "$TMP"
port=$(free_port)
mkfifo in
CPROF_MEM_RATE=8192 CPROF_HTTP=127.0.0.1:$port LD_PRELOAD=$CPROF_LIB \
	"$program" --wait <in >out 2>err &
pid=$!
CLEANUP_PIDS+=("$pid")
exec 3>in
for _ in $(seq 1 300); do
	grep -qx ready out && break
	kill -0 "$pid" 2>/dev/null || { cat out err; fail "heap_sites exited early"; }
	sleep 0.1
done
grep -qx ready out || fail "heap_sites never got ready"
wait_port "$port"
base=http://127.0.0.1:$port/debug/pprof

for name in heap allocs; do
	code=$(curl -s -o "$name.pb.gz" -w '%{http_code}' "$base/$name")
	[[ $code == 200 ]] || fail "/debug/pprof/$name: status $code"
	"$PPROF_DUMP" "$name.pb.gz" >"$name.dump" || fail "/debug/pprof/$name: not decodable"
	grep -qx 'sample_type: alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes' "$name.dump" ||
		fail "/debug/pprof/$name: sample types"
	grep -qx 'period: 8192' "$name.dump" || fail "/debug/pprof/$name: period"
done
grep -qx 'default_sample_type: alloc_space' allocs.dump || fail "allocs: default_sample_type"
grep -qx 'default_sample_type: ' heap.dump || fail "heap: default_sample_type"
pass "heap and allocs: valid, period 8192, allocs defaults to alloc_space"

diff <(heap_dump_sums heap.pb.gz | sort) <(heap_dump_sums allocs.pb.gz | sort) ||
	fail "heap and allocs disagree"
large=$(heap_field "$(heap_dump_sums heap.pb.gz)" site_malloc_large 4)
[[ $large == 33554432 ]] || fail "site_malloc_large in use: $large, want 33554432"
pass "heap and allocs agree; site_malloc_large in use $large"

type=$(go tool pprof -top "$base/allocs" 2>/dev/null | sed -n 's/^Type: //p')
[[ $type == alloc_space ]] || fail "go tool pprof on allocs shows $type, want alloc_space"
type=$(go tool pprof -top "$base/heap" 2>/dev/null | sed -n 's/^Type: //p')
[[ $type == inuse_space ]] || fail "go tool pprof on heap shows $type, want inuse_space"
pass "go tool pprof fetches both; default types alloc_space and inuse_space"
exec 3>&-
wait "$pid" || fail "heap_sites failed (status $?)"
