# labels.sh: labels pushed around a CPU burn, allocations and thread
# creation come back on the CPU and heap profiles (inherited by the threads
# created under them), and `go tool pprof -tagfocus` selects by them.
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/threads/labels_prog
"$prog" "$TMP/cpu.pb.gz" "$TMP/heap.pb.gz" >"$TMP/out" || fail "labels_prog failed"

top_for() { # FILE TAGFOCUS [ARGS]
	local file=$1 focus=$2
	shift 2
	go tool pprof -top -nodecount=50 -tagfocus="$focus" "$@" "$file" 2>/dev/null
}

burn=$(top_for "$TMP/cpu.pb.gz" phase=burn)
grep -q burn_labeled <<<"$burn" || fail "phase=burn does not select burn_labeled"
! grep -q burn_plain <<<"$burn" || fail "phase=burn selects unlabeled burn_plain"
pass "CPU: -tagfocus=phase=burn selects burn_labeled only"

spawn=$(top_for "$TMP/cpu.pb.gz" phase=spawn)
grep -q child_burn <<<"$spawn" || fail "threads created under phase=spawn do not carry it"
pass "CPU: threads inherit their creator's labels"

tags=$(go tool pprof -tags "$TMP/cpu.pb.gz" 2>/dev/null)
grep -q "burn" <<<"$tags" && grep -q "spawn" <<<"$tags" || fail "-tags lists: $tags"
pass "CPU: -tags lists the phases"

heap=$(top_for "$TMP/heap.pb.gz" user=alice -sample_index=alloc_objects)
echo "$heap"
objs=$(awk '$6 == "alloc_labeled" { print $4 }' <<<"$heap")
[[ $objs == 100 ]] || fail "heap: user=alice selects $objs objects at alloc_labeled, want 100"
pass "heap: -tagfocus=user=alice selects the 100 labeled allocations"
