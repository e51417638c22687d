#!/usr/bin/env bash
# cprof run: the command runs with libcprof preloaded, its profiles land
# in -o DIR named KIND.PID.pb.gz, cprof says where, and the exit status is
# the command's.
source "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/out"

CPROF_LIB=$CPROF_LIB "$CLI" run -o "$TMP/out" -- \
	"$PROGRAMS/cpu_shares" --unit-ms 100 >"$TMP/stdout" 2>"$TMP/stderr" ||
	fail "run: exit status $? ($(cat "$TMP/stderr"))"
grep -q '^thread_cpu_ns ' "$TMP/stdout" || fail "the program's output is lost"
cpu=$(ls "$TMP"/out/cpu.*.pb.gz) || fail "no cpu profile: $(cat "$TMP/stderr")"
heap=$(ls "$TMP"/out/heap.*.pb.gz) || fail "no heap profile"
grep -qx "cprof: wrote $TMP/out/$(basename "$cpu")" "$TMP/stderr" ||
	fail "run did not say where: $(cat "$TMP/stderr")"
"$CLI" folded "$cpu" | grep -q burn_gamma || fail "the cpu profile lacks burn_gamma"
"$CLI" folded -sample_index=alloc_space "$heap" >/dev/null || fail "heap profile"
pass "run wrote $(basename "$cpu") and $(basename "$heap"), and said so"

# -kinds, the environment passing through, the exit status
rm -f "$TMP"/out/*
rc=0
CPROF_CPU_HZ=250 "$CLI" run -o "$TMP/out" -kinds cpu -- sh -c \
	'[ "$CPROF_CPU_HZ" = 250 ] && case $LD_PRELOAD in *libcprof*) exit 3;; esac' \
	2>"$TMP/stderr" || rc=$?
[[ $rc -eq 3 ]] || fail "exit status $rc, want 3 ($(cat "$TMP/stderr"))"
ls "$TMP"/out/heap.* 2>/dev/null && fail "-kinds cpu wrote a heap profile"
pass "the command's exit status, LD_PRELOAD and CPROF_* pass through, -kinds"

# a child process writes its own profile (%p)
rm -f "$TMP"/out/*
"$CLI" run -o "$TMP/out" -kinds cpu -- sh -c \
	"\"$PROGRAMS/cpu_shares\" --unit-ms 20 >/dev/null; exit 0" 2>"$TMP/stderr"
grep -q "(a child process)" "$TMP/stderr" || fail "child's profile not reported: $(cat "$TMP/stderr")"
pass "children's profiles are listed"

expect_bad "run: no command" "$CLI" run -o "$TMP/out"
expect_bad "run: unknown kind" "$CLI" run -kinds cpu,nope -- true
expect_bad "run: command not found" "$CLI" run -o "$TMP/out" -- "$TMP/no-such-program"
expect_bad "run: bad -o" "$CLI" run -o "$TMP/no-such-dir" -- true
CPROF_LIB=$TMP/nope.so expect_bad "run: no library" "$CLI" run -- true
