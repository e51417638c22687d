#!/usr/bin/env bash
# Replays the fuzz corpus through the libFuzzer target (built with clang,
# ASan and UBSan): every input once, any crash, leak, UB or timeout fails.
# usage: replay.sh FUZZ_BINARY|none CORPUS_DIR
# Without clang the binary is "none": skipped (77), but under CI it fails.
set -euo pipefail
bin=$1 corpus=$2
if [[ $bin == none ]]; then
	if [[ -n ${CI:-} ]]; then
		echo "FAIL: clang is missing, the fuzz target was not built (CI)" >&2
		exit 1
	fi
	echo "SKIP: no clang, no fuzz target" >&2
	exit 77
fi
shopt -s nullglob
inputs=("$corpus"/*)
if (( ${#inputs[@]} < 20 )); then
	echo "FAIL: corpus $corpus has only ${#inputs[@]} inputs" >&2
	exit 1
fi
# Each input runs once (file arguments: no mutation); a report is printed
# only on failure.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$bin" -timeout=30 -rss_limit_mb=2048 "${inputs[@]}" >"$log" 2>&1; then
	cat "$log" >&2
	echo "FAIL: an input of $corpus crashed the fuzz target" >&2
	exit 1
fi
ran=$(grep -c '^Running: ' "$log" || true)
if (( ran != ${#inputs[@]} )); then
	cat "$log" >&2
	echo "FAIL: ran $ran of ${#inputs[@]} inputs" >&2
	exit 1
fi
echo "replayed $ran inputs"
