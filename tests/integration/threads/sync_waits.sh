# sync_waits.sh: threads blocked in the waits cprof's synchronisation hooks
# interpose (sync_waits.c: mutex lock and timedlock, rwlock rd and wr, cond
# wait, sem_timedwait, join, barrier) leave a breadcrumb, so the threads
# profile's debug=2 shows each as "blocked in <the call> for Ns" with the
# function that made the call on top of its stack (the crumb's stack starts
# at the host's call site, through the frameless hooks and their tail
# calls), then its start routine; pprof_dump agrees on debug=0. Every wait
# then completes normally (rc 0).
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/threads/sync_waits
dump=$CPROF_BUILD_DIR/tests/tools/pprof_dump
start_pprof "$TMP/out" "$prog" "$TMP/done"
for _ in $(seq 1 100); do grep -q ready "$TMP/out" && break; sleep 0.1; done
grep -q ready "$TMP/out" || fail "sync_waits never got ready"

base=http://127.0.0.1:$port/debug/pprof
sleep 0.3
for i in 1 2 3; do
	curl -sS -f --max-time 60 -o "$TMP/d$i.txt" "$base/goroutine?debug=2" || fail "fetch debug=2 $i"
	sleep 0.1
done
curl -sS -f --max-time 60 -o "$TMP/g.pb.gz" "$base/goroutine" || fail "fetch debug=0"
touch "$TMP/done"
wait "$pid" || fail "sync_waits exited with $?"
cat "$TMP/out"

call_of() {
	case $1 in
	mutex_* | rwlock_* | cond_wait | barrier_wait) echo "pthread_$1" ;;
	join) echo pthread_join ;;
	*) echo "$1" ;;
	esac
}
kinds="mutex_lock mutex_timedlock rwlock_wrlock rwlock_rdlock cond_wait
	sem_timedwait join barrier_wait"
for k in $kinds; do
	grep -q "^kind $k rc=0$" "$TMP/out" || fail "$k did not complete normally: $(grep "kind $k " "$TMP/out")"
	name="s-${k:0:13}"
	for f in "$TMP"/d*.txt; do
		block=$(awk -v n="$name" '/^thread [0-9]+ \[/ { on = index($0, ", " n "]:") > 0 }
			on' "$f")
		grep -E -q "^thread [0-9]+ \[blocked in $(call_of "$k") for [0-9.]+s, $name\]:$" <<<"$block" ||
			fail "$k: state in $f: $(head -1 <<<"$block")"
		[[ $(grep -E -o '^[a-z_]+\(' <<<"$block" | head -2 | tr '\n' ' ') == "wait_$k( run_$k( " ]] ||
			fail "$k: stack in $f: $(grep -E -o '^[a-z_]+\(' <<<"$block" | head -3 | tr '\n' ' ')"
	done
done
pass "debug=2: each of the 8 threads blocked in its call, with its function on top, in 3 dumps"

"$dump" "$TMP/g.pb.gz" >"$TMP/g.txt" || fail "pprof_dump"
for k in $kinds; do
	grep -q "^1 | wait_$k;run_$k;" "$TMP/g.txt" ||
		fail "debug=0: no stack wait_$k;run_$k: $(grep "$k" "$TMP/g.txt")"
done
pass "debug=0 (pprof_dump): each thread's stack starts at its wait function"

# With the mutex and block profiles off, the hooks still leave their
# breadcrumbs (the threads profile does not depend on them).
rm -f "$TMP/done"
export CPROF_MUTEX_FRACTION=0 CPROF_BLOCK_RATE=0
start_pprof "$TMP/out" "$prog" "$TMP/done"
unset CPROF_MUTEX_FRACTION CPROF_BLOCK_RATE
for _ in $(seq 1 100); do grep -q ready "$TMP/out" && break; sleep 0.1; done
grep -q ready "$TMP/out" || fail "sync_waits never got ready (profiles off)"
sleep 0.3
curl -sS -f --max-time 60 -o "$TMP/off.txt" \
	"http://127.0.0.1:$port/debug/pprof/goroutine?debug=2" || fail "fetch debug=2 (profiles off)"
touch "$TMP/done"
wait "$pid" || fail "sync_waits exited with $? (profiles off)"
grep -E -q '^thread [0-9]+ \[blocked in pthread_mutex_lock for [0-9.]+s, s-mutex_lock\]:$' "$TMP/off.txt" ||
	fail "profiles off: no crumb for the mutex_lock thread: $(grep s-mutex_lock "$TMP/off.txt")"
pass "mutex and block profiles off: the waits still leave breadcrumbs"
