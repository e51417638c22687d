# profile_seconds.sh - Go's parsing of /profile?seconds=: missing,
# unparsable, zero, negative, fractional or out-of-range values all mean
# the default 30 s. Checked without waiting 30 s: each such request must
# still be running after 2 s (a 1 s or 0 s profile would have finished),
# then the client hangs up, and the session must be free again.
. "$(dirname "$0")/lib.sh"

start_preloaded "$HTTP_BIN/http_target"

free_session() {
	local i
	for i in $(seq 20); do
		fetch "/debug/pprof/profile?seconds=1"
		[ "$STATUS" = 500 ] || break
		sleep 0.1
	done
	expect_status 200
}

# expect_long QUERY: still running after 1.2 s, then hung up. A 500 means
# the previous hang-up is not noticed yet: try again shortly.
expect_long() {
	local i rc status
	for i in $(seq 20); do
		status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1.2 \
			"http://127.0.0.1:$PORT/debug/pprof/profile$1")
		rc=$?
		[ $rc = 0 ] && [ "$status" = 500 ] || break
		sleep 0.1
	done
	[ $rc = 28 ] || fail "'$1' ended before 1.2 s (curl exit $rc, status $status): not the 30 s default"
}

for q in "" "?seconds=" "?seconds=abc" "?seconds=0" "?seconds=-1" "?seconds=1.5" \
	"?seconds=%201" "?seconds=0x10" "?seconds=99999999999999999999" "?seconds=1;x=2" \
	"?debug=1"; do
	expect_long "$q"
	ok "'$q' means 30 s"
done
free_session
# "+1" is a valid ParseInt input: 1 s.
fetch "/debug/pprof/profile?seconds=%2B1"
expect_status 200
# The first value wins, as FormValue reads it.
curl -s -o /dev/null --max-time 3 "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=1&seconds=abc" ||
	fail "seconds=1&seconds=abc is not 1 s"
ok "valid forms"
