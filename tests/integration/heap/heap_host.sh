# heap_host.sh PROGRAM MODE: the host sees no difference (heap_host.c).
#   MODE unchanged: heap_host runs without cprof and under cprof with
#     CPROF_MEM_RATE=1 (every call takes the sampled path); everything it
#     prints (return values, errno, malloc_usable_size, alignment, block
#     contents after failed calls, 50 threads that allocate and exit, 100
#     forks while another thread allocates) must be identical, with nothing
#     on stderr; the profile written at exit must be valid.
#   MODE threads: only the 50 threads, at CPROF_MEM_RATE=1: the profile of
#     host_thread_alloc must never show more blocks in use than are live
#     (HOST_THREADS x HOST_KEPT = 500), whatever was lost; and no fewer
#     than 500 minus the lost samples. Nor more allocations than were made
#     (50 x 1000), nor fewer than that minus the lost samples.
source "$(dirname "$0")/lib.sh"
program=$1
mode=$2
cd "$TMP"

case $mode in
unchanged)
	timeout 30 "$program" >plain.out 2>plain.err ||
		fail "heap_host without cprof failed (status $?)"
	timeout 30 env CPROF_MEM_RATE=1 CPROF_HEAP_PROFILE="$TMP/heap.pb.gz" \
		LD_PRELOAD="$CPROF_LIB" "$program" >cprof.out 2>cprof.err ||
		fail "heap_host under cprof failed (status $?): $(cat cprof.err)"
	grep -qx 'done' plain.out || fail "heap_host did not finish"
	[[ ! -s cprof.err ]] || { cat cprof.err; fail "messages on stderr under cprof"; }
	diff -u plain.out cprof.out || fail "the host sees a difference under cprof"
	pass "identical output with and without cprof ($(wc -l <plain.out) lines)"
	grep -E 'SIZE_MAX|posix_memalign\(align|errno after|threads:|forks:' plain.out
	go tool pprof -raw "$TMP/heap.pb.gz" >/dev/null 2>&1 ||
		fail "the heap profile is not valid for go tool pprof"
	grep -q host_thread_alloc <<<"$("$PPROF_DUMP" "$TMP/heap.pb.gz")" ||
		fail "the heap profile does not show host_thread_alloc"
	pass "heap profile valid, shows host_thread_alloc"
	;;
threads)
	timeout 30 env CPROF_MEM_RATE=1 CPROF_HEAP_PROFILE="$TMP/heap.pb.gz" \
		LD_PRELOAD="$CPROF_LIB" "$program" threads ||
		fail "heap_host threads under cprof failed (status $?)"
	sums=$(heap_dump_sums "$TMP/heap.pb.gz")
	lost=$(heap_field "$sums" LOST 1)
	allocs=$(heap_field "$sums" host_thread_alloc 1)
	inuse=$(heap_field "$sums" host_thread_alloc 3)
	echo "host_thread_alloc: $allocs allocations, $inuse in use; $lost lost samples"
	(( allocs <= 50000 && allocs >= 50000 - lost )) ||
		fail "host_thread_alloc alloc_objects $allocs, want 50000 (at least 50000 - $lost lost)"
	(( inuse >= 500 - lost )) ||
		fail "host_thread_alloc inuse_objects $inuse, want 500 (at least 500 - $lost lost)"
	(( inuse <= 500 )) ||
		fail "host_thread_alloc inuse_objects $inuse > 500 live: freed blocks shown in use ($lost lost samples)"
	pass "host_thread_alloc: $allocs of 50000 allocations, $inuse of 500 in use, $lost lost"
	;;
*) fail "unknown mode $mode" ;;
esac
