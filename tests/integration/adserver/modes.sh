# modes.sh: the naive and the tuned ad server answer byte for byte alike
# (status and body) for the same data: decisions over every slot, and each
# kind of bad request; and each mode writes its counters to Redis (long
# keys in naive mode, integer keys in tuned mode).
source "$(dirname "$0")/lib.sh"
ads_redis 3000 600

requests=(
	"/ad?user=0&slot=top" "/ad?user=abc&slot=top" "/ad?user=12x&slot=feed"
	"/ad?slot=top" "/ad?user=5" "/ad?user=5&slot=nope" "/ad?user=5&slot=TOP"
	"/ad?user=3001&slot=top" "/ad?user=99999999999&slot=top"
	"/ad?user=-1&slot=top" "/nope" "/ad?user=7&slot=video&extra=1"
)
slots=(top sidebar feed footer video native search article)
for i in $(seq 1 48); do
	requests+=("/ad?user=$(((i * 7919) % 3000 + 1))&slot=${slots[i % 8]}")
done

ask_all() {
	local mode=$1 n=0
	mkdir -p "$TMP/$mode"
	ads_start "$CPROF_BUILD_DIR" "$mode" "$TMP/$mode"
	for r in "${requests[@]}"; do
		curl -s -o "$TMP/$mode/$n.body" -w '%{http_code}\n' \
			"http://127.0.0.1:$ADS_PORT$r" >"$TMP/$mode/$n.code"
		n=$((n + 1))
	done
	ads_stop   # waits for the writes still in flight
}

ask_all naive
naive_keys=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'adserver:*' | wc -l)
ask_all tuned
int_keys=$(redis-cli -p "$REDIS_PORT" --scan --pattern '[1-9]*' | wc -l)

ok=0
for n in $(seq 0 $((${#requests[@]} - 1))); do
	cmp -s "$TMP/naive/$n.code" "$TMP/tuned/$n.code" ||
		fail "${requests[n]}: status $(cat "$TMP/naive/$n.code") naive, $(cat "$TMP/tuned/$n.code") tuned"
	cmp -s "$TMP/naive/$n.body" "$TMP/tuned/$n.body" ||
		fail "${requests[n]}: bodies differ: $(head -c 200 "$TMP/naive/$n.body") / $(head -c 200 "$TMP/tuned/$n.body")"
	[[ $(cat "$TMP/naive/$n.code") == 200 ]] && ok=$((ok + 1))
done
[[ $ok == 49 ]] || fail "want 49 decisions answered 200 (one with an extra parameter), got $ok"
pass "${#requests[@]} requests, same status and bytes in both modes ($ok decisions)"

grep -q '"ads":\[{"id":[0-9]*,"advertiser":[0-9]*,"bid_cents":[0-9]*,"score":-\?[0-9]*,"title":"' "$TMP/tuned/20.body" ||
	fail "a decision does not look like one: $(cat "$TMP/tuned/20.body")"
[[ $(grep -o '"id":' "$TMP/tuned/20.body" | wc -l) == 4 ]] || fail "a decision without 4 ads"
[[ $(cat "$TMP/tuned/0.code") == 400 && $(cat "$TMP/tuned/7.code") == 404 && $(cat "$TMP/tuned/10.code") == 404 ]] ||
	fail "bad requests: want 400, 404, 404"
grep -qx '{"error":"unknown user"}' "$TMP/tuned/7.body" || fail "unknown user body: $(cat "$TMP/tuned/7.body")"
pass "decisions hold 4 ads; bad requests get 400/404 with a JSON error"

# 48 decisions, 15 keys each, many shared (the same ads and advertisers)
((naive_keys > 100)) || fail "naive mode wrote $naive_keys adserver:* keys"
((int_keys > 100)) || fail "tuned mode wrote $int_keys integer keys"
pass "counters written: $naive_keys long keys (naive), $int_keys integer keys (tuned)"
