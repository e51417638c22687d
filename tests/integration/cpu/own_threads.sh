# own_threads.sh: cprof's own threads (cprof-collector, cprof-http) exist,
# carry their names, and never appear in the host's CPU profile, even while
# the HTTP server is kept busy during the profile.
source "$(dirname "$0")/../lib.sh"
start_pprof /dev/null "$CPROF_BUILD_DIR/examples/busy/busy" 30

names=$(cat /proc/"$pid"/task/*/comm 2>/dev/null | sort | uniq -c)
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
grep -q 'cprof-http' <(cat /proc/"$pid"/task/*/comm 2>/dev/null) ||
	fail "no thread named cprof-http while the server runs"

traces=$(go tool pprof -traces "$TMP/cpu.pb.gz" 2>/dev/null)
grep -q math_worker <<<"$traces" || fail "the host's work is missing from the profile"
# Code that runs only on cprof's threads. (cprof code on a host thread, a
# sampled malloc say, is the host's CPU and rightly in its profile.)
if grep -E 'collector_main|MHD_|cprof__http_route|cprof__http_serve' <<<"$traces"; then
	fail "cprof's own threads appear in the profile"
fi
pass "no frame of cprof's threads in the host's profile"
