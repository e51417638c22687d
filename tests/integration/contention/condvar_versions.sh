# condvar_versions.sh: glibc has two versions of pthread_cond_wait and
# pthread_cond_timedwait; cprof's hooks are the current ones (GLIBC_2.3.2)
# and call glibc's current ones. A program built for the old ones
# (old_condvar: GLIBC_2.2.5) keeps binding to glibc's old functions and
# behaves as without cprof; a current program (sync_semantics) binds to
# cprof's. Checked with the dynamic linker's own account (LD_DEBUG=bindings).
source "$(dirname "$0")/../lib.sh"
cprof_env=(LD_PRELOAD="$CPROF_LIB" CPROF_HEAP_PROFILE="$TMP/h.pb.gz"
	CPROF_MUTEX_FRACTION=1 CPROF_BLOCK_RATE=1)

"$PROGRAMS/old_condvar" >"$TMP/plain" || fail "old_condvar failed without cprof"
env "${cprof_env[@]}" LD_DEBUG=bindings LD_DEBUG_OUTPUT="$TMP/ld" "$PROGRAMS/old_condvar" \
	>"$TMP/cprof" || fail "old_condvar failed under cprof"
diff "$TMP/plain" "$TMP/cprof" || fail "old_condvar behaves differently under cprof"
for sym in pthread_cond_wait pthread_cond_timedwait; do
	grep -h -E "binding file [^ ]*/old_condvar \[0\] to [^ ]*/libc\.so\.6 \[0\]: normal symbol \`$sym'" \
		"$TMP"/ld.* >/dev/null || fail "old_condvar's $sym does not bind to glibc's old one"
done
pass "a program built for the old condition variables keeps glibc's: $(tr '\n' ' ' <"$TMP/cprof")"

env "${cprof_env[@]}" LD_DEBUG=bindings LD_DEBUG_OUTPUT="$TMP/ld2" "$PROGRAMS/sync_semantics" \
	>/dev/null || fail "sync_semantics failed under cprof"
grep -h -E "binding file [^ ]*/sync_semantics \[0\] to [^ ]*/libcprof\.so[^ ]* \[0\]: normal symbol \`pthread_cond_timedwait' \[GLIBC_2\.3\.2\]" \
	"$TMP"/ld2.* >/dev/null || fail "sync_semantics' pthread_cond_timedwait does not bind to cprof's"
grep -h -E "binding file [^ ]*/libcprof\.so[^ ]* \[0\] to [^ ]*/libc\.so\.6 \[0\]: normal symbol \`pthread_cond_timedwait' \[GLIBC_2\.3\.2\]" \
	"$TMP"/ld2.* >/dev/null || fail "cprof's hook does not call glibc's GLIBC_2.3.2 pthread_cond_timedwait"
pass "a current program's condition variables go through cprof to glibc's GLIBC_2.3.2 ones"
