#!/usr/bin/env bash
# bench/cli_flame/run.sh BUILD_DIR [ROUNDS] - `cprof flame` and
# `cprof folded` against go tool pprof's full-dump outputs (-raw, -traces)
# on the same profile, paired: each round runs both sides back to back
# (the order alternates) and the ratio is taken within the round. Prints
# the median and range over ROUNDS (default 3; CPROF_BENCH_ROUNDS too) of
# the time ratio (pprof / cprof) and the peak-memory ratio (cprof /
# pprof). Targets (issue #6): >= 20x faster, <= 1/5 of the memory.
#
# Profiles: bench/cli's cli_genprof at 1,000,000 samples (its default, the
# one `cprof top` is measured on) and at 100,000 samples / 20,000
# locations. CPROF_BENCH_SAMPLES ("1000000 100000") picks them. pprof is
# the Go toolchain's binary ($(go env GOROOT)/pkg/tool/...), run directly
# so the `go` wrapper's process does not count. Files go to
# BUILD_DIR/bench/cli_flame/out.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 3 "$@"
samples_list=${CPROF_BENCH_SAMPLES:-1000000 100000}
cprof=$build/src/cli/cprof
measure=$build/bench/cli_flame/cli_flame_measure
genprof=$build/bench/cli/cli_genprof
out=$build/bench/cli_flame/out
pprof=$(go env GOROOT)/pkg/tool/$(go env GOOS)_$(go env GOARCH)/pprof
for f in "$cprof" "$measure" "$genprof" "$pprof"; do
	[ -x "$f" ] || { echo "missing $f (build first)" >&2; exit 1; }
done
mkdir -p "$out"
export PPROF_TMPDIR=$out HOME=$out

# one NAME CMD...: "ms kb" of one run (stdout to $out/NAME.out).
one() {
	local name=$1 r
	shift
	r=$("$measure" "$out/$name.out" "$@" 2>"$out/$name.err")
	[ "${r##* }" = 0 ] || { echo "$name failed: $(cat "$out/$name.err")" >&2; exit 1; }
	echo "${r% *}"
}

# stats: median, min and max of the numbers on stdin.
stats() { bench_stats | awk '{ printf "%.1f (%.1f-%.1f)", $1, $2, $3 }'; }

echo "| profile | cprof | go tool pprof | cprof time, median | pprof time, median | pprof time / cprof time, median (range) | cprof peak RSS, median | pprof peak RSS, median | cprof RSS / pprof RSS, median (range) |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $samples_list; do
	prof=$out/gen-$n.pb.gz
	if [ "$n" = 1000000 ]; then
		[ -s "$prof" ] || "$genprof" "$prof" >/dev/null
	else
		[ -s "$prof" ] || "$genprof" "$prof" "$n" $((n / 5)) >/dev/null
	fi
	size=$(( $(stat -c %s "$prof") / 1048576 ))
	for pair in "flame:-raw" "flame:-traces" "folded:-traces"; do
		ours=${pair%%:*} theirs=${pair#*:}
		: >"$out/speed" ; : >"$out/mem" ; : >"$out/t1" ; : >"$out/t2"
		: >"$out/m1" ; : >"$out/m2"
		for r in $(seq 1 "$rounds"); do
			if [ "$ours" = flame ]; then
				cmd=("$cprof" flame "$prof" -o "$out/flame.html")
			else
				cmd=("$cprof" folded "$prof")
			fi
			if [ $((r % 2)) = 1 ]; then
				a=$(one ours "${cmd[@]}")
				b=$(one pprof "$pprof" "$theirs" "$prof")
			else
				b=$(one pprof "$pprof" "$theirs" "$prof")
				a=$(one ours "${cmd[@]}")
			fi
			echo "${a% *}" >>"$out/t1"; echo "${b% *}" >>"$out/t2"
			echo "${a#* }" >>"$out/m1"; echo "${b#* }" >>"$out/m2"
			awk -v a="${a% *}" -v b="${b% *}" 'BEGIN { print b / a }' >>"$out/speed"
			awk -v a="${a#* }" -v b="${b#* }" 'BEGIN { print a / b }' >>"$out/mem"
		done
		t1=$(stats <"$out/t1"); t2=$(stats <"$out/t2")
		m1=$(stats <"$out/m1"); m2=$(stats <"$out/m2")
		printf '| %s samples (%s MiB) | `%s` | `pprof %s` | %s ms | %s ms | %s | %s MiB | %s MiB | %s |\n' \
			"$n" "$size" "$ours" "$theirs" "${t1%% *}" "${t2%% *}" \
			"$(stats <"$out/speed")" \
			"$(awk -v k="${m1%% *}" 'BEGIN { printf "%.0f", k / 1024 }')" \
			"$(awk -v k="${m2%% *}" 'BEGIN { printf "%.0f", k / 1024 }')" \
			"$(stats <"$out/mem")"
	done
done
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(go version | cut -d' ' -f3), rounds: $rounds."
