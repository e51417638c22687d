#!/usr/bin/env bash
# make demo: runs examples/busy under LD_PRELOAD=libcprof.so with the HTTP
# server on 127.0.0.1, fetches a 5-second CPU profile from
# /debug/pprof/profile, prints its top functions with `go tool pprof`, and
# says where the profile is. (The case study will replace this demo.)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/out/demo
mkdir -p "$out"
port=${CPROF_DEMO_PORT:-6060}
lib=$build/libcprof.so

say() { printf '\n== %s\n' "$*"; }

say "starting examples/busy under cprof (LD_PRELOAD=$lib CPROF_HTTP=127.0.0.1:$port)"
LD_PRELOAD=$lib CPROF_HTTP=127.0.0.1:$port "$build/examples/busy/busy" 60 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/debug/pprof/" && break
	sleep 0.1
done

say "fetching a 5-second CPU profile: curl http://127.0.0.1:$port/debug/pprof/profile?seconds=5"
curl -sS -f -o "$out/cpu.pb.gz" "http://127.0.0.1:$port/debug/pprof/profile?seconds=5"

say "top functions: go tool pprof -top $out/cpu.pb.gz"
PPROF_TMPDIR=$out go tool pprof -top -nodecount=15 "$out/cpu.pb.gz" 2>/dev/null

say "the profile is in $out/cpu.pb.gz"
echo "   explore it with: go tool pprof -http=127.0.0.1:8080 $out/cpu.pb.gz"
