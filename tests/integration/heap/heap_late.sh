# heap_late.sh PROGRAM: cprof_start in a running program (heap_late.c,
# linked with libcprof, CPROF_MEM_RATE=1 by option). After the start, the
# thread that started cprof (late_main_site) and a thread that had already
# allocated before it (late_thread_site) each allocate 200 blocks of 2000
# bytes: the profile must show all 200 of each (less lost samples). A
# thread's allocation countdown is its own, so a thread that allocated
# while cprof was off must still notice the start at once.
source "$(dirname "$0")/lib.sh"
program=$1
env -u CPROF_HTTP -u CPROF_HEAP_PROFILE -u CPROF_CPU_PROFILE \
	timeout 30 "$program" "$TMP/heap.pb.gz" || fail "heap_late failed (status $?)"
sums=$(heap_dump_sums "$TMP/heap.pb.gz")
echo "$sums"
lost=$(heap_field "$sums" LOST 1)
for site in late_main_site late_thread_site; do
	got=$(heap_field "$sums" "$site" 1)
	(( got <= 200 && got >= 200 - lost )) ||
		fail "$site: $got allocations in the profile, want 200 ($lost lost samples)"
	pass "$site: $got of 200 allocations"
done
