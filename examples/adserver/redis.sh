# redis.sh - a private Redis for the case study (bash, sourced by
# scripts/demo.sh, bench/adserver/run.sh and the adserver tests).
#
#   redis_start DIR   Debian's redis-server on a free 127.0.0.1 port, its
#                     files in DIR, no persistence; sets REDIS_PORT and
#                     REDIS_PID
#   redis_seed SEED_BIN [ARGS]   loads the generated data set (redis-cli --pipe)
#   redis_stop        stops it (safe to call twice, and from a trap)
#
# The caller owns the trap that calls redis_stop on exit, failure or Ctrl-C.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/integration/ports.sh"
declare -F fail >/dev/null || fail() { echo "error: $*" >&2; exit 1; }

REDIS_PID=
REDIS_PORT=

redis_start() {
	local dir
	dir=$(cd "$1" && pwd)
	command -v redis-server >/dev/null ||
		fail "redis-server is not installed (apt-get install redis-server)"
	for _ in 1 2 3; do
		REDIS_PORT=$(free_port)
		redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
			--save '' --appendonly no --daemonize no \
			--logfile "$dir/redis.log" &
		REDIS_PID=$!
		for _ in $(seq 1 50); do
			if [[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; then
				return 0
			fi
			kill -0 "$REDIS_PID" 2>/dev/null || break
			sleep 0.1
		done
		redis_stop
	done
	fail "redis-server did not start (see $dir/redis.log)"
}

redis_seed() {
	local seed_bin=$1
	shift
	"$seed_bin" "$@" | redis-cli -p "$REDIS_PORT" --pipe >"${REDIS_SEED_LOG:-/dev/null}" ||
		fail "seeding Redis failed"
}

redis_stop() {
	if [[ -n $REDIS_PID ]]; then
		kill "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
		REDIS_PID=
	fi
}
