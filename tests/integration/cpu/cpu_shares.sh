# cpu_shares.sh HZ MODE: the CPU profile of a program with a known ground
# truth (tests/programs/cpu_shares.c) read through `go tool pprof`.
#   MODE preload: LD_PRELOAD=libcprof.so CPROF_CPU_PROFILE=...
#   MODE linked:  the program links libcprof and calls cprof_start after one
#                 of its threads already runs (found by the /proc scan)
#   MODE plugin:  preload, and a library dlopen'ed during the run
# Checks: each function's share of the profile within ±3 points of its
# thread's measured share of CPU time; the profile's total CPU time within
# 5 % of the threads' measured total.
source "$(dirname "$0")/../lib.sh"
hz=$1
mode=$2
prof=$TMP/cpu.pb.gz
args=(--unit-ms 400)

case $mode in
preload)
	out=$(CPROF_CPU_HZ=$hz CPROF_CPU_PROFILE=$prof LD_PRELOAD=$CPROF_LIB \
		"$PROGRAMS/cpu_shares" "${args[@]}")
	;;
linked)
	out=$(CPROF_CPU_HZ=$hz "$PROGRAMS/cpu_shares_linked" "${args[@]}" \
		--linked "$prof")
	;;
plugin)
	out=$(CPROF_CPU_HZ=$hz CPROF_CPU_PROFILE=$prof LD_PRELOAD=$CPROF_LIB \
		"$PROGRAMS/cpu_shares" "${args[@]}" \
		--plugin "$PROGRAMS/libtest_plugin.so")
	;;
*) fail "unknown mode $mode" ;;
esac
echo "$out"
[[ -s $prof ]] || fail "no profile written to $prof"

val() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$out"; }
alpha=$(val alpha) beta=$(val beta) gamma=$(val gamma) total=$(val total)
plugin=$(val plugin)

top=$(pprof_top "$prof")
echo "$top" | head -20
total_ms=$(pprof_total_ms "$top")
[[ -n $total_ms ]] || fail "go tool pprof printed no total"

want_ms=$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 1e6 }')
tol_ms=$(awk -v t="$total" 'BEGIN { printf "%.1f", t / 1e6 * 0.05 }')
assert_near "total CPU ms at ${hz} Hz" "$total_ms" "$want_ms" "$tol_ms"

for f in alpha beta gamma; do
	want=$(awk -v a="${!f}" -v t="$total" 'BEGIN { printf "%.2f", 100 * a / t }')
	got=$(pprof_flat_pct "$top" "burn_$f")
	assert_near "burn_$f share %" "$got" "$want" 3
done

if [[ $mode == plugin ]]; then
	want=$(awk -v a="$plugin" -v t="$total" 'BEGIN { printf "%.2f", 100 * a / t }')
	got=$(pprof_flat_pct "$top" plugin_burn)
	assert_near "plugin_burn (dlopen'ed) share %" "$got" "$want" 3
fi
