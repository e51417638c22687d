# host_signal.sh: a host that uses SIGPROF itself keeps it. cprof samples
# until the host installs its handler, then turns CPU profiling off with one
# line on stderr; the host sees SIG_DFL as the old disposition and none of
# cprof's timer signals. The profile written at exit is still valid.
source "$(dirname "$0")/../lib.sh"
prof=$TMP/cpu.pb.gz
CPROF_CPU_PROFILE=$prof LD_PRELOAD=$CPROF_LIB "$PROGRAMS/own_sigprof" \
	>"$TMP/out" 2>"$TMP/err" || { cat "$TMP/out" "$TMP/err"; fail "host saw a difference"; }
cat "$TMP/out" "$TMP/err"
grep -q 'own_ticks=[1-9][0-9]* foreign_ticks=0' "$TMP/out" || fail "host counts"
[[ $(grep -c 'installed its own handler for signal 27' "$TMP/err") == 1 ]] ||
	fail "expected exactly one line saying CPU profiling is off"
top=$(pprof_top "$prof")
grep -q burn_cpu_ms <<<"$top" || fail "the samples before the takeover are missing"
pass "host keeps its SIGPROF; profile of the time before is valid"
