# env_garbage.sh: every CPROF_* variable with garbage in it gets one clear
# line on stderr naming the variable and the default used, and the program
# runs exactly as without cprof (same output, same exit status).
source "$(dirname "$0")/../lib.sh"
prog=("$PROGRAMS/cpu_shares" --unit-ms 20)

check() { # VAR VALUE EXPECTED-STDERR-PATTERN
	local var=$1 value=$2 pattern=$3 rc=0
	env "$var=$value" CPROF_CPU_PROFILE="$TMP/p.pb.gz" LD_PRELOAD="$CPROF_LIB" \
		"${prog[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[[ $rc == 0 ]] || { cat "$TMP/err"; fail "$var=$value: exit status $rc"; }
	grep -q '^thread_cpu_ns ' "$TMP/out" || fail "$var=$value: output changed"
	grep -q -- "$pattern" "$TMP/err" || { cat "$TMP/err"; fail "$var=$value: no clear message"; }
	[[ $(grep -c "$var" "$TMP/err") == 1 ]] || { cat "$TMP/err"; fail "$var=$value: not exactly one line"; }
	pass "$var=$value -> $(head -1 "$TMP/err")"
}

check CPROF_CPU_HZ abc 'CPROF_CPU_HZ="abc" .*default 100'
check CPROF_CPU_HZ 0 'CPROF_CPU_HZ="0" .*default 100'
check CPROF_CPU_HZ 99999999999999999999 'default 100'
check CPROF_CPU_HZ '-5' 'default 100'
check CPROF_SIGNAL SIGKILL 'CPROF_SIGNAL="SIGKILL" .*default SIGPROF'
check CPROF_SIGNAL 9 'default SIGPROF'
check CPROF_SIGNAL '' 'default SIGPROF'
check CPROF_DEBUG yes 'CPROF_DEBUG="yes" .*default 0'
check CPROF_UNWIND magic 'CPROF_UNWIND="magic" .*default cfi'
check CPROF_MEM_RATE lots 'CPROF_MEM_RATE="lots" .*default 524288'
check CPROF_MEM_RATE -1 'CPROF_MEM_RATE="-1" .*default 524288'
check CPROF_LABELS_INHERIT maybe 'CPROF_LABELS_INHERIT="maybe" .*default 1'
check CPROF_MUTEX_FRACTION lots 'CPROF_MUTEX_FRACTION="lots" .*default 10'
check CPROF_MUTEX_FRACTION -3 'CPROF_MUTEX_FRACTION="-3" .*default 10'
check CPROF_BLOCK_RATE 1e5 'CPROF_BLOCK_RATE="1e5" .*default 100000'
check CPROF_BLOCK_RATE 99999999999999999999 'CPROF_BLOCK_RATE=.*default 100000'
check CPROF_HTTP 'not an address' 'CPROF_HTTP="not an address" is not host:port'
check CPROF_HTTP '127.0.0.1:99999' 'default 127.0.0.1:6060'

# A profile path that cannot be written: one line at exit, status unchanged.
rc=0
CPROF_CPU_PROFILE=/nonexistent/dir/p.pb.gz LD_PRELOAD=$CPROF_LIB "${prog[@]}" \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
[[ $rc == 0 ]] || fail "unwritable profile path changed the exit status ($rc)"
grep -q 'cannot write the CPU profile to /nonexistent/dir/p.pb.gz' "$TMP/err" ||
	fail "no message for an unwritable profile path"
pass "unwritable CPROF_CPU_PROFILE -> $(cat "$TMP/err")"
