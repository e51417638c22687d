# lib.sh - what the adserver tests share: the integration helpers, a
# private Redis seeded with a small data set, the service helpers, and a
# skip (or a failure under CI) when redis-server or wrk is missing.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ADS_SRC=$CPROF_SOURCE_DIR/examples/adserver
for tool in redis-server redis-cli wrk; do
	if ! command -v "$tool" >/dev/null; then
		bash "$(dirname "${BASH_SOURCE[0]}")/missing.sh" "$tool is not installed"
		exit $?
	fi
done
source "$ADS_SRC/redis.sh"
source "$ADS_SRC/service.sh"
trap 'ads_stop; redis_stop; cleanup' EXIT

# ads_redis USERS ADS: Redis up and seeded (--seed=7).
ads_redis() {
	redis_start "$TMP"
	redis_seed "$CPROF_BUILD_DIR/examples/adserver/adserver-seed" \
		--users="$1" --ads="$2" --seed=7
}
