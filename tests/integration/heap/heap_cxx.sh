# heap_cxx.sh PROGRAM: a C++ host (heap_cxx.cc: new/delete, new[], a
# std::vector grown by push_back, std::string) under cprof at
# CPROF_MEM_RATE=1, where every allocation is recorded and counts are
# exact.
#   - Its output is identical with and without cprof.
#   - Through pprof_dump: the samples whose leaf is operator new add up to
#     exactly the allocations the program made (2801, the 2 MiB warm-up
#     included) and the blocks it keeps (1550), less lost samples; through
#     go tool pprof -sample_index=alloc_objects|inuse_objects, the same.
#   - operator new's callers: each site function (cxx_new_objects, ...)
#     must appear in the stack of an operator new sample. libstdc++ has no
#     frame pointers, so only the CFI walker (CPROF_UNWIND=cfi, the
#     default) sees the frame that called operator new.
source "$(dirname "$0")/lib.sh"
program=$1
cd "$TMP"

"$program" >plain.out || fail "heap_cxx without cprof failed"
timeout 30 env CPROF_UNWIND=cfi CPROF_MEM_RATE=1 CPROF_HEAP_PROFILE="$TMP/heap.pb.gz" \
	LD_PRELOAD="$CPROF_LIB" "$program" >cprof.out 2>cprof.err ||
	fail "heap_cxx under cprof failed (status $?): $(cat cprof.err)"
[[ ! -s cprof.err ]] || { cat cprof.err; fail "messages on stderr under cprof"; }
diff -u plain.out cprof.out || fail "the C++ host sees a difference under cprof"
pass "identical output with and without cprof"
prof=$TMP/heap.pb.gz
go tool pprof -raw "$prof" >/dev/null 2>&1 || fail "the heap profile is not valid"

sums=$(heap_dump_sums "$prof")
lost=$(heap_field "$sums" LOST 1)
echo "$sums" | head -5
allocs=$(awk '$1 == "operator" && $2 ~ /^new/ { a += $(NF - 3) } END { print a + 0 }' <<<"$sums")
inuse=$(awk '$1 == "operator" && $2 ~ /^new/ { a += $(NF - 1) } END { print a + 0 }' <<<"$sums")
(( allocs <= 2801 && allocs >= 2801 - lost )) ||
	fail "operator new: $allocs allocations, want 2801 ($lost lost samples)"
(( inuse <= 1550 && inuse >= 1550 - lost )) ||
	fail "operator new: $inuse blocks in use, want 1550 ($lost lost samples)"
pass "pprof_dump: operator new $allocs allocations (2801), $inuse in use (1550), $lost lost"
for index in alloc_objects:2801 inuse_objects:1550; do
	got=$(go tool pprof -sample_index="${index%:*}" -top -nodecount=1000 "$prof" 2>/dev/null |
		awk '$NF ~ /^long\)$/ && $(NF - 2) == "operator" && $(NF - 1) ~ /^new/ { print $1 }')
	(( got <= ${index#*:} && got >= ${index#*:} - lost )) ||
		fail "go tool pprof ${index%:*}: operator new flat $got, want ${index#*:}"
	pass "go tool pprof -sample_index=${index%:*}: operator new $got"
done

# The callers of operator new.
missing=()
dump=$("$PPROF_DUMP" "$prof")
for site in cxx_new_objects cxx_new_arrays cxx_vector_grow cxx_string_build; do
	grep -qE "\| operator new[^|]*;([^|]*;)?$site(;| |$)" <<<"$dump" ||
		missing+=("$site")
done
if (( ${#missing[@]} != 0 )); then
	grep 'operator new' <<<"$dump" | head -20 || true
	fail "operator new's callers are missing: ${missing[*]}"
fi
pass "every site appears as a caller of operator new"
