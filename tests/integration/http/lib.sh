# lib.sh - helpers shared by the HTTP integration tests (sourced).
#
# Starts a target program under the library on a free port, waits for the
# port with a bounded retry loop, and kills every process it started when
# the test exits (trap), whatever the outcome. fetch stores the status, the
# headers of the last response and the body of one request, and the expect_*
# helpers compare them exactly, naming the request in every failure.
#
# Environment (set by ctest): CPROF_LIB, CPROF_BUILD_DIR, CPROF_SOURCE_DIR.

set -u
source "$(dirname "${BASH_SOURCE[0]}")/../ports.sh"
HTTP_BIN=${CPROF_BUILD_DIR:?}/tests/integration/http
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cprof-http.XXXXXX")
PIDS=()
LAST=""

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	[ -n "$LAST" ] && { echo "--- last request: ${LAST:0:200}" >&2;
		cat "$TMP/headers" >&2 2>/dev/null; head -c 600 "$TMP/body" >&2 2>/dev/null; echo >&2; }
	exit 1
}

ok() { echo "ok: $*"; }


# wait_port PORT PID: until /debug/pprof/ answers (20 s at most: a loaded
# 2-core machine has taken more than 5 s to start a preloaded program).
# Returns 1 if the target exits first.
wait_port() {
	local i
	for i in $(seq 400); do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/debug/pprof/" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	fail "nothing listens on port $1 after 20 s"
}

# on_free_port LAUNCH [ARGS...]: sets PORT to a free port and runs LAUNCH
# ARGS..., which starts the target in the background on $PORT, its stderr
# in $TMP/stderr, and sets PID; waits until the target serves. A target
# that exits first (a test running beside this one can take the port
# between free_port and the target's bind) starts again on another port.
on_free_port() {
	local try
	for try in 1 2 3 4 5; do
		PORT=$(free_port)
		"$@"
		PIDS+=("$PID")
		wait_port "$PORT" "$PID" && return 0
	done
	fail "the target exited before listening, 5 times: $(head -c 300 "$TMP/stderr")"
}

launch_preloaded() {
	CPROF_HTTP=127.0.0.1:$PORT LD_PRELOAD=$CPROF_LIB "$@" 2>"$TMP/stderr" &
	PID=$!
}

# start_preloaded PROGRAM ARGS...: sets PORT and PID.
start_preloaded() {
	on_free_port launch_preloaded "$@"
}

# fetch PATH [curl args...]: STATUS, $TMP/headers (last response), $TMP/body.
fetch() {
	local path=$1
	shift
	LAST="$* $path"
	STATUS=$(curl -s -o "$TMP/body" -D "$TMP/headers.all" -w '%{http_code}' \
		--max-time 20 "$@" "http://127.0.0.1:$PORT$path")
	# Keep the last response's block (after a 100 Continue, say).
	tr -d '\r' <"$TMP/headers.all" |
		awk '/^HTTP\//{n++; buf=""} {if (n) lines[n]=lines[n] $0 "\n"} END{printf "%s", lines[n]}' \
		>"$TMP/headers"
}

header() {
	awk -v k="$1" 'BEGIN{k=tolower(k)} { i=index($0, ":"); if (i && tolower(substr($0,1,i-1))==k) { v=substr($0,i+1); sub(/^[ \t]+/, "", v); print v; exit } }' "$TMP/headers"
}

has_header() {
	awk -v k="$1" 'BEGIN{k=tolower(k); r=1} { i=index($0, ":"); if (i && tolower(substr($0,1,i-1))==k) r=0 } END{exit r}' "$TMP/headers"
}

expect_status() { [ "$STATUS" = "$1" ] || fail "status $STATUS, want $1"; }

expect_header() {
	has_header "$1" || fail "no $1 header, want '$2'"
	[ "$(header "$1")" = "$2" ] || fail "$1: '$(header "$1")', want '$2'"
}

expect_no_header() { ! has_header "$1" || fail "unexpected $1: $(header "$1")"; }

# expect_body TEXT: the body is exactly TEXT (printf %b escapes allowed).
expect_body() {
	printf '%b' "$1" >"$TMP/want"
	cmp -s "$TMP/want" "$TMP/body" || fail "body differs from '$1'"
}

expect_body_has() { grep -qF -- "$1" "$TMP/body" || fail "body lacks '$1'"; }

# Go's serveError: status, text/plain, X-Go-Pprof, nosniff, no attachment.
expect_go_error() {
	expect_status "$1"
	expect_header Content-Type "text/plain; charset=utf-8"
	expect_header X-Go-Pprof 1
	expect_header X-Content-Type-Options nosniff
	expect_no_header Content-Disposition
	expect_body "$2\n"
}

# The mux's http.Error (404 page not found, 405): no X-Go-Pprof.
expect_mux_error() {
	expect_status "$1"
	expect_header Content-Type "text/plain; charset=utf-8"
	expect_header X-Content-Type-Options nosniff
	expect_no_header X-Go-Pprof
	expect_no_header Content-Disposition
	expect_body "$2\n"
}

expect_alive() { kill -0 "$PID" 2>/dev/null || fail "target died"; }
