# own_threads.sh: cprof's own threads (cprof-collector, cprof-http) exist,
# carry their names, and never appear in the host's CPU profile, even while
# the HTTP server is kept busy during the profile.
source "$(dirname "$0")/../lib.sh"
port=$(free_port)
LD_PRELOAD=$CPROF_LIB CPROF_HTTP=127.0.0.1:$port \
	"$CPROF_BUILD_DIR/examples/busy/busy" 30 >/dev/null &
pid=$!
CLEANUP_PIDS+=("$pid")
wait_port "$port"

names=$(cat /proc/"$pid"/task/*/comm | sort | uniq -c)
echo "$names"
grep -q 'cprof-collector' <<<"$names" || fail "no thread named cprof-collector"

curl -sS -f -o "$TMP/cpu.pb.gz" "http://127.0.0.1:$port/debug/pprof/profile?seconds=3" &
fetch=$!
# Keep the server busy meanwhile: every request runs on cprof's threads.
end=$((SECONDS + 3))
while ((SECONDS < end)); do
	curl -s -o /dev/null "http://127.0.0.1:$port/debug/pprof/" || true
	curl -s -o /dev/null "http://127.0.0.1:$port/debug/pprof/cmdline" || true
	curl -s -o /dev/null -d '0x1+0x2' "http://127.0.0.1:$port/debug/pprof/symbol" || true
done
wait "$fetch" || fail "profile fetch failed"
grep -q 'cprof-http' <(cat /proc/"$pid"/task/*/comm) ||
	fail "no thread named cprof-http while the server runs"

traces=$(go tool pprof -traces "$TMP/cpu.pb.gz" 2>/dev/null)
grep -q math_worker <<<"$traces" || fail "the host's work is missing from the profile"
if grep -E -i 'libcprof|collector_main|MHD_|cprof__|http_' <<<"$traces"; then
	fail "cprof's own threads appear in the profile"
fi
# No sample location may fall in libcprof.so itself.
raw=$(go tool pprof -raw "$TMP/cpu.pb.gz" 2>/dev/null)
mapping=$(awk '/^Mappings/ { m = 1; next } m && /libcprof/ { sub(":", "", $1); print $1 }' <<<"$raw")
if [[ -n $mapping ]] && awk -v m="M=$mapping" '/^Locations/ { l = 1; next } /^Mappings/ { l = 0 } l && $3 == m { found = 1 } END { exit !found }' <<<"$raw"; then
	fail "a location of the profile lies in libcprof.so"
fi
pass "no frame of cprof's threads in the host's profile"
