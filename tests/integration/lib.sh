# lib.sh - shared helpers for the integration tests (bash).
#
# Each test sources this file: it gets a private temporary directory
# ($TMP, removed on exit), background processes killed on exit, and small
# assertion helpers that print what was expected and what was seen.
set -euo pipefail

: "${CPROF_LIB:?run through ctest (CPROF_LIB unset)}"
PROGRAMS=${CPROF_TEST_PROGRAMS:?}
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cprof-test.XXXXXX")
mkdir -p "${PPROF_TMPDIR:-$TMP}"
declare -a CLEANUP_PIDS=()

cleanup() {
	local pid
	for pid in "${CLEANUP_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "ok: $*"
}

# assert_near NAME GOT WANT TOLERANCE: |GOT - WANT| <= TOLERANCE (decimals).
assert_near() {
	local name=$1 got=$2 want=$3 tol=$4
	if awk -v g="$got" -v w="$want" -v t="$tol" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= t) }'; then
		pass "$name: $got (want $want ± $tol)"
	else
		fail "$name: got $got, want $want ± $tol"
	fi
}

# pprof_top FILE [ARGS]: `go tool pprof -top` in milliseconds.
pprof_top() {
	local file=$1
	shift
	go tool pprof -top -unit=ms -nodecount=200 "$@" "$file" 2>/dev/null
}

# pprof_total_ms TOP_OUTPUT: the profile's total from -top's header.
pprof_total_ms() {
	sed -n 's/.* of \([0-9.]*\)ms total.*/\1/p' <<<"$1" | head -1
}

# pprof_flat_pct TOP_OUTPUT FUNCTION: FUNCTION's flat% (0 if absent).
pprof_flat_pct() {
	awk -v f="$2" '$6 == f { sub("%", "", $2); print $2; found = 1 }
		END { if (!found) print 0 }' <<<"$1" | head -1
}

# pprof_cum_pct TOP_OUTPUT FUNCTION: FUNCTION's cum% (0 if absent).
pprof_cum_pct() {
	awk -v f="$2" '$6 == f { sub("%", "", $5); print $5; found = 1 }
		END { if (!found) print 0 }' <<<"$1" | head -1
}


# serves_pprof PORT PID: true when PID's own cprof answers on PORT (its
# /debug/pprof/cmdline names PID's program), within 10 s. Checking whose
# server answers matters: tests run in parallel, and another test's server
# may hold a port that looked free.
serves_pprof() {
	local port=$1 pid=$2 exe
	exe=$(basename "$(readlink "/proc/$pid/exe")")
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 1
		if curl -s --max-time 2 "http://127.0.0.1:$port/debug/pprof/cmdline" |
			tr '\0' '\n' | head -1 | grep -q "$exe\$"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# start_pprof OUT CMD ARGS...: runs CMD under libcprof with its server on a
# free port (stdout to OUT), and waits until that server answers; another
# port is tried if the first was taken meanwhile. Sets $port and $pid.
start_pprof() {
	local out=$1
	shift
	for _ in 1 2 3; do
		port=$(free_port)
		LD_PRELOAD=$CPROF_LIB CPROF_HTTP=127.0.0.1:$port "$@" >"$out" &
		pid=$!
		CLEANUP_PIDS+=("$pid")
		serves_pprof "$port" "$pid" && return 0
		kill -9 "$pid" 2>/dev/null || true
	done
	fail "$1 never served /debug/pprof/"
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (10 s at most).
wait_port() {
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	fail "nothing listens on port $1"
}
