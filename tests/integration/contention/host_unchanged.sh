# host_unchanged.sh: every interposed wait returns what it returns without
# cprof, and leaves errno as it would (sync_semantics: errors, timeouts,
# locks held by another thread, error-checking, recursive and robust
# mutexes, invalid timeouts and clocks, joins, semaphores, barriers), with
# both profiles recording every event and with the defaults.
source "$(dirname "$0")/../lib.sh"
prog=$PROGRAMS/sync_semantics

"$prog" >"$TMP/plain" || fail "sync_semantics failed without cprof"
for settings in "CPROF_MUTEX_FRACTION=1 CPROF_BLOCK_RATE=1" "CPROF_DEBUG=0"; do
	env $settings CPROF_HEAP_PROFILE="$TMP/h.pb.gz" LD_PRELOAD="$CPROF_LIB" \
		"$prog" >"$TMP/cprof" || fail "sync_semantics failed under cprof ($settings)"
	diff "$TMP/plain" "$TMP/cprof" || fail "return values or errno differ under cprof ($settings)"
	pass "$(wc -l <"$TMP/plain") calls: same return values and errno under cprof ($settings)"
done
