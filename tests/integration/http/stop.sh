# stop.sh - how the server ends: a forked child does not keep the
# listening socket, and cprof_stop ends a running /profile promptly.
. "$(dirname "$0")/lib.sh"

# --- fork: the child does not keep the listening socket. With the parent
# gone, a connection must be refused, not left waiting in a backlog.
start_preloaded "$HTTP_BIN/http_target" fork
CHILD=$(pgrep -P "$PID" | head -1)
[ -n "$CHILD" ] || fail "no forked child"
PIDS+=("$CHILD")
fetch /debug/pprof/cmdline
expect_status 200
kill -9 "$PID"
wait "$PID" 2>/dev/null
kill -0 "$CHILD" || fail "the child died"
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/debug/pprof/"
rc=$?
[ $rc = 7 ] || fail "after the parent died, curl exit $rc (7 = refused; 28 = the child holds the socket)"
ok "fork: the child does not hold the port"

# --- cprof_stop during a 20 s /profile: ends it within a second or two
launch_stop() {
	"$HTTP_BIN/named_target" "$PORT" stop 2 >"$TMP/stop.out" 2>"$TMP/stderr" &
	PID=$!
}
on_free_port launch_stop
curl -s -o /dev/null --max-time 15 "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=20" &
CURL=$!
PIDS+=("$CURL")
for i in $(seq 100); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$PID" 2>/dev/null && fail "cprof_stop still running 10 s after the stop"
wait "$PID" || fail "named_target stop: exit $?: $(cat "$TMP/stderr")"
took=$(awk '/cprof_stop took/ { print $3 }' "$TMP/stop.out")
awk -v t="$took" 'BEGIN { exit !(t != "" && t < 2) }' || fail "cprof_stop took $took s"
wait "$CURL"
ok "cprof_stop ends a running /profile ($took s)"
