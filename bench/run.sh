#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - runs every benchmark (make bench): each
# bench/*/run.sh in turn, with the same build directory. Each prints its own
# markdown report; results worth keeping go to docs/PERFORMANCE.md with the
# command that reproduces them. Never run by ctest: benchmarks are not tests.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$1
here=$(cd "$(dirname "$0")" && pwd)
status=0
for script in "$here"/*/run.sh; do
	[ -e "$script" ] || continue
	echo "# bench/$(basename "$(dirname "$script")")"
	echo
	bash "$script" "$build" || {
		echo "$script failed" >&2
		status=1
	}
	echo
done
exit $status
