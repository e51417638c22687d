# lifecycle.sh - where the server listens: an address in use is one
# warning and the host runs on; a host name is resolved; only the given
# address is served; IPv6 loopback works.
. "$(dirname "$0")/lib.sh"

# --- port in use: one line on stderr, the host keeps running
start_preloaded "$HTTP_BIN/http_target"
FIRST_PID=$PID
CPROF_HTTP=127.0.0.1:$PORT LD_PRELOAD=$CPROF_LIB "$HTTP_BIN/http_target" 2>"$TMP/second.err" &
SECOND=$!
PIDS+=("$SECOND")
sleep 1
kill -0 "$SECOND" 2>/dev/null || fail "the host died when the port was taken"
grep -c . "$TMP/second.err" | grep -qx 1 || fail "want one line on stderr, got: $(cat "$TMP/second.err")"
grep -q "cannot listen on 127.0.0.1:$PORT: Address already in use" "$TMP/second.err" ||
	fail "stderr: $(cat "$TMP/second.err")"
fetch /debug/pprof/cmdline
expect_status 200
ok "address in use"

# --- a host name is resolved
PORT=$(free_port)
CPROF_HTTP=localhost:$PORT LD_PRELOAD=$CPROF_LIB "$HTTP_BIN/http_target" 2>"$TMP/named.err" &
PID=$!
PIDS+=("$PID")
for i in $(seq 100); do
	curl -s -o /dev/null --max-time 1 "http://localhost:$PORT/debug/pprof/" && break
	sleep 0.05
done
curl -s -o /dev/null -w '%{http_code}' "http://localhost:$PORT/debug/pprof/" | grep -qx 200 ||
	fail "localhost:$PORT not served: $(cat "$TMP/named.err")"
ok "host name"

# --- only the given address: 127.0.0.1 is not served on another address
other=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep '\.' | head -1)
if [ -n "$other" ]; then
	start_preloaded "$HTTP_BIN/http_target"
	curl -s -o /dev/null --max-time 2 "http://$other:$PORT/debug/pprof/" &&
		fail "127.0.0.1:$PORT also answers on $other"
	ok "listens only on 127.0.0.1 (not $other)"
else
	echo "skip: no non-loopback address to check against"
fi

# --- IPv6 loopback, when the machine has it
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	PORT=$(free_port)
	CPROF_HTTP="[::1]:$PORT" LD_PRELOAD=$CPROF_LIB "$HTTP_BIN/http_target" 2>"$TMP/v6.err" &
	PID=$!
	PIDS+=("$PID")
	for i in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "http://[::1]:$PORT/debug/pprof/" && break
		sleep 0.05
	done
	curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$PORT/debug/pprof/" | grep -qx 200 ||
		fail "[::1]:$PORT not served: $(cat "$TMP/v6.err")"
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/debug/pprof/" &&
		fail "[::1]:$PORT also answers on 127.0.0.1"
	ok "IPv6 loopback"
fi
