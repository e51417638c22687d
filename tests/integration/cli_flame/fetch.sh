#!/usr/bin/env bash
# cprof fetch against a process serving /debug/pprof/ (libcprof in a
# `sleep`): saves a checked, gzip'd profile and says where; -seconds; no
# countdown when stderr is not a terminal; Go's error text on a 404; an
# unreachable server is one line and status 2.
source "$(dirname "$0")/lib.sh"
port=$(free_port)
CPROF_HTTP=127.0.0.1:$port LD_PRELOAD=$CPROF_LIB sleep 60 &
CLEANUP_PIDS+=($!)
wait_port "$port"
base=http://127.0.0.1:$port/debug/pprof

cd "$TMP"
"$CLI" fetch "$base/heap" 2>"$TMP/err" || fail "fetch heap: $(cat "$TMP/err")"
saved=$(ls heap-*.pb.gz) || fail "no heap-TIME.pb.gz in the current directory"
[[ $(cat "$TMP/err") == "cprof: saved $saved" ]] || fail "stderr: $(cat "$TMP/err")"
"$CLI" folded -sample_index=alloc_space "$saved" >/dev/null || fail "saved heap unreadable"
pass "fetch saved $saved and said so, nothing else on stderr"

start=$(date +%s%N)
"$CLI" fetch -seconds 1 "$base/profile" -o "$TMP/cpu.pb.gz" 2>"$TMP/err" ||
	fail "fetch -seconds 1: $(cat "$TMP/err")"
ms=$((($(date +%s%N) - start) / 1000000))
((ms >= 900 && ms < 10000)) || fail "fetch -seconds 1 took $ms ms"
[[ $(head -c 2 "$TMP/cpu.pb.gz" | od -An -tx1 | tr -d ' ') == 1f8b ]] || fail "not gzip'd"
[[ $(wc -l <"$TMP/err") -eq 1 ]] || fail "countdown on a pipe: $(od -c "$TMP/err" | head)"
pass "fetch -seconds 1 took $ms ms, no countdown on a pipe"

expect_bad "fetch 404" "$CLI" fetch "$base/nosuch" -o "$TMP/x.pb.gz"
grep -q '404 Not Found - Unknown profile' "$TMP/err" || fail "Go's error text is missing"
[[ ! -e $TMP/x.pb.gz ]] || fail "an error page was saved"
expect_bad "fetch: not a profile" "$CLI" fetch "$base/" -o "$TMP/x.pb.gz"
expect_bad "fetch unreachable" "$CLI" fetch "http://127.0.0.1:$(free_port)/debug/pprof/heap"
expect_bad "fetch bad -seconds" "$CLI" fetch -seconds=x "$base/heap"
