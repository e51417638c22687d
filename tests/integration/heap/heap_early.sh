# heap_early.sh PROGRAM PRELOAD_LIB: allocation before main, and the
# LD_PRELOAD order. heap_early allocates in its constructor and in main
# (both from the main thread, both far below 1 MiB); PRELOAD_LIB allocates
# in its constructor and checks and frees its blocks in its destructor.
# At CPROF_MEM_RATE=1, with libcprof first and then last in LD_PRELOAD:
#   - the program and the preloaded library behave exactly as without
#     cprof (same output, exit 0, nothing on stderr);
#   - the profile is valid, and shows every allocation of the program's
#     constructor (early_ctor_site: 100, 50 in use) and of main
#     (early_main_site: 200, all in use), less any lost samples.
# Then with jemalloc preloaded before libcprof (the allocator wins the
# symbol lookup, so cprof's hooks never run): the program still runs
# unchanged and the profile is valid (what it shows is printed).
source "$(dirname "$0")/lib.sh"
program=$1
preload_lib=$2
cd "$TMP"

"$program" >plain.out 2>plain.err || fail "heap_early without cprof failed"
LD_PRELOAD=$preload_lib "$program" >plain_pre.out 2>&1 ||
	fail "heap_early with only the preload library failed"
grep -q 'preload: 64 of 64 blocks intact' plain_pre.out || fail "preload library broken"

# site_check SUMS SITE ALLOCS INUSE LOST
site_check() {
	local got_a got_i
	got_a=$(heap_field "$1" "$2" 1)
	got_i=$(heap_field "$1" "$2" 3)
	(( got_a <= $3 && got_a >= $3 - $5 && got_i <= $4 && got_i >= $4 - $5 )) ||
		fail "$order: $2 shows $got_a allocations, $got_i in use; want $3 and $4 ($5 lost samples)"
	pass "$order: $2 $got_a allocations, $got_i in use"
}

for order in first last; do
	if [[ $order == first ]]; then
		preload="$CPROF_LIB $preload_lib"
	else
		preload="$preload_lib $CPROF_LIB"
	fi
	timeout 30 env CPROF_MEM_RATE=1 CPROF_HEAP_PROFILE="$TMP/$order.pb.gz" \
		LD_PRELOAD="$preload" "$program" >"$order.out" 2>"$order.err" ||
		fail "libcprof $order: heap_early failed (status $?): $(cat "$order.err")"
	[[ ! -s $order.err ]] || { cat "$order.err"; fail "libcprof $order: messages on stderr"; }
	diff -u plain_pre.out "$order.out" || fail "libcprof $order: output differs"
	go tool pprof -raw "$TMP/$order.pb.gz" >/dev/null 2>&1 ||
		fail "libcprof $order: the heap profile is not valid"
	pass "libcprof $order in LD_PRELOAD: same output, valid profile"
	sums=$(heap_dump_sums "$TMP/$order.pb.gz")
	echo "$sums"
	lost=$(heap_field "$sums" LOST 1)
	site_check "$sums" early_ctor_site 100 50 "$lost"
	site_check "$sums" early_main_site 200 200 "$lost"
done

jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[[ -e $jemalloc ]] || fail "$jemalloc missing (scripts/debian-packages.txt)"
order="jemalloc first"
timeout 30 env CPROF_MEM_RATE=1 CPROF_HEAP_PROFILE="$TMP/jemalloc.pb.gz" \
	LD_PRELOAD="$jemalloc $CPROF_LIB" "$program" >jemalloc.out 2>jemalloc.err ||
	fail "$order: heap_early failed (status $?): $(cat jemalloc.err)"
diff -u plain.out jemalloc.out || fail "$order: output differs"
go tool pprof -raw "$TMP/jemalloc.pb.gz" >/dev/null 2>&1 ||
	fail "$order: the heap profile is not valid"
pass "$order, libcprof last: same output, valid profile, $("$PPROF_DUMP" "$TMP/jemalloc.pb.gz" | grep '^samples:')"
