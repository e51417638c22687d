# eintr.sh - while wall profiles run (CPROF_WALL_HZ=100, then 1000), the
# threads of blocked.c (one per kind of blocking call: nanosleep,
# epoll_wait, poll, read on a pipe, sem_wait, pthread_cond_wait, sleep()
# and more, a CPU burner, the main thread in clock_nanosleep) see no EINTR
# and no early return, and every untimed call returns what was sent; each
# blocked thread's stack in the profile starts at its wait_<kind> function.
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/threads/blocked
dump=$CPROF_BUILD_DIR/tests/tools/pprof_dump
kinds="epoll_wait poll nanosleep usleep select clock_nanosleep sleep read accept
	sem_wait fgets cond_wait labeled burn main"
for hz in 100 1000; do
	rm -f "$TMP/done"
	export CPROF_WALL_HZ=$hz
	start_pprof "$TMP/out" "$prog" "$TMP/done"
	for _ in $(seq 1 100); do grep -q ready "$TMP/out" && break; sleep 0.1; done
	grep -q ready "$TMP/out" || fail "blocked never got ready"
	curl -sS -f --max-time 60 -o "$TMP/w$hz.pb.gz" \
		"http://127.0.0.1:$port/debug/pprof/wall?seconds=2" || fail "fetch wall at $hz Hz"
	touch "$TMP/done"
	wait "$pid" || fail "blocked exited with $?"
	for k in $kinds; do
		line=$(grep "^kind $k " "$TMP/out") || fail "no result for $k"
		grep -q "calls=[1-9]" <<<"$line" || fail "$k never completed a call: $line"
		grep -q "eintr=0 short=0$" <<<"$line" || fail "$hz Hz: $k disturbed: $line"
	done
	"$dump" "$TMP/w$hz.pb.gz" >"$TMP/w$hz.txt" || fail "pprof_dump"
	for k in epoll_wait poll nanosleep read sem_wait cond_wait sleep; do
		grep -E -q "^[0-9]+ [0-9]+ [|] (.*;)?wait_$k;run_$k;" "$TMP/w$hz.txt" ||
			fail "$hz Hz: no stack wait_$k;run_$k in the wall profile"
	done
	pass "wall profile at $hz Hz: zero EINTR and no early return in $(wc -w <<<"$kinds") threads"
done
