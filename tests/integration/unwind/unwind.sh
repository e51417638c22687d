# unwind.sh MODE: the CPU profile of tests/integration/unwind/unwind_prog
# (built with frame pointers, busy inside Debian's libraries built without
# them) under LD_PRELOAD=libcprof.so with the default unwinder (CFI),
# decoded by pprof_dump. Checks, per MODE (see unwind_prog.c):
#   all, thread, tiny  >= 99 % of samples end at the outermost frame
#                      (_start, or clone3 for threads), and >= 97 % hold
#                      the workload's own function (the caller chain through
#                      the library is right); each workload >= 95 %.
#                      For `all` the same run with CPROF_UNWIND=fp is shown
#                      for comparison, and each profile names its unwinder.
#   deep               walks stop at the depth limit (64 frames), cleanly
#   dlopen             a library loaded, unloaded and loaded again: its
#                      samples are whole; the run exits normally
source "$(dirname "$0")/../lib.sh"
mode=$1
: "${UNWIND_PROG:?}" "${UNWIND_PLUGIN:?}" "${PPROF_DUMP:?}"
hz=250
secs=0.4

# run UNWINDER OUT ARGS...: the program under cprof; its profile in OUT.
run() {
	local unwinder=$1 out=$2
	shift 2
	CPROF_UNWIND=$unwinder CPROF_CPU_HZ=$hz CPROF_CPU_PROFILE=$out \
		LD_PRELOAD=$CPROF_LIB "$UNWIND_PROG" "$@" ||
		fail "unwind_prog $* exited with $?"
	[[ -s $out ]] || fail "no profile written to $out"
}

# stacks FILE: one line per sample: its count, a space, then its frames
# leaf first separated by ';'.
stacks() {
	local dump
	dump=$("$PPROF_DUMP" "$1") || fail "pprof_dump $1 failed"
	awk -F' \\| ' 'started { split($1, v, " "); print v[1], $2 }
		/^samples: / { started = 1 }' <<<"$dump"
}

# score STACKS ROOT_RE THREAD_FN: per workload and overall, the share of
# samples that end at a root matching ROOT_RE and hold THREAD_FN, and the
# share that hold their workload's function. Prints a table, then a last
# line "TOTAL n complete_pct tagged_pct min_complete_pct min_tagged_pct".
score() {
	awk -F';' -v root="$2" -v fn="$3" '
	{
		w = $1 + 0
		sub(/^[0-9]+ /, "", $1)
		tag = "(other)"
		has_fn = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^wl_(qsort|snprintf|regexec|zlib|cxx|bn|memcpy|vdso|sighandler|altstack)$/)
				tag = $i
			if ($i == fn)
				has_fn = 1
		}
		ok = ($NF ~ root) && has_fn
		n[tag] += w; c[tag] += w * ok; t[tag] += w * (tag != "(other)")
		N += w; C += w * ok; T += w * (tag != "(other)")
	}
	END {
		mc = 100; mt = 100
		for (k in n) {
			printf "  %-14s %5d samples  complete %5.1f%%  caller-ok %5.1f%%\n",
				k, n[k], 100 * c[k] / n[k], 100 * t[k] / n[k]
			if (k != "(other)" && n[k] >= 10) {
				if (100 * c[k] / n[k] < mc) mc = 100 * c[k] / n[k]
				if (100 * t[k] / n[k] < mt) mt = 100 * t[k] / n[k]
			}
		}
		if (N == 0) N = 1
		printf "TOTAL %d %.2f %.2f %.2f %.2f\n", N, 100 * C / N, 100 * T / N, mc, mt
	}' <<<"$1"
}

check_score() {
	local what=$1 table=$2 total
	echo "$table"
	total=$(tail -1 <<<"$table")
	read -r _ n complete tagged min_c min_t <<<"$total"
	(( n >= 100 )) || fail "$what: only $n samples"
	assert_ge "$what: samples whole (end at the root)" "$complete" 99
	assert_ge "$what: samples holding their workload" "$tagged" 97
	assert_ge "$what: worst workload, whole" "$min_c" 95
	assert_ge "$what: worst workload, caller chain" "$min_t" 95
}

assert_ge() {
	if awk -v g="$2" -v w="$3" 'BEGIN { exit !(g >= w) }'; then
		pass "$1: $2% (want >= $3%)"
	else
		fail "$1: $2% (want >= $3%)"
	fi
}

assert_comment() {
	local dump
	dump=$("$PPROF_DUMP" "$1") || fail "pprof_dump $1 failed"
	grep -qx "comment: cprof unwinder: $2" <<<"$dump" ||
		fail "profile does not say 'cprof unwinder: $2'"
	pass "profile says 'cprof unwinder: $2'"
}

# symbolizers differ on aliases (__clone3, __GI___clone3): accept them
main_root='^(__GI_)?_*(_start|main|libc_start_main|libc_start_call_main)$'
thread_root='^(__GI_)?_*(clone3|clone|start_thread)$'

case $mode in
all)
	run cfi "$TMP/cfi.pb.gz" all $secs
	assert_comment "$TMP/cfi.pb.gz" cfi
	check_score "cfi, main thread" \
		"$(score "$(stacks "$TMP/cfi.pb.gz")" "$main_root" main)"
	run fp "$TMP/fp.pb.gz" all $secs
	assert_comment "$TMP/fp.pb.gz" fp
	echo "for comparison, CPROF_UNWIND=fp on the same program:"
	score "$(stacks "$TMP/fp.pb.gz")" "$main_root" main
	;;
thread)
	run cfi "$TMP/cfi.pb.gz" thread $secs
	check_score "cfi, pthread" \
		"$(score "$(stacks "$TMP/cfi.pb.gz")" "$thread_root" \
			unwind_prog_thread)"
	;;
tiny)
	run cfi "$TMP/cfi.pb.gz" tiny 1
	check_score "cfi, tiny thread stack" \
		"$(score "$(stacks "$TMP/cfi.pb.gz")" "$thread_root" \
			unwind_prog_thread)"
	;;
deep)
	run cfi "$TMP/cfi.pb.gz" deep 1
	# 300 frames deep: every walk in the workload is cut at 64 frames,
	# the leaf end kept: the root frame is a recursion level (or a
	# truncation marker), and at least 64 frames are named (the
	# symbolizer may add inlined ones)
	table=$(stacks "$TMP/cfi.pb.gz" | awk -F';' -v root="$main_root" '
		/wl_qsort/ { w = $1 + 0; n += w
			if (NF >= 64 && $NF !~ root) cut += w }
		END { printf "%d %.2f\n", n, n ? 100 * cut / n : 0 }')
	read -r n pct <<<"$table"
	(( n >= 100 )) || fail "deep: only $n samples in the workload"
	assert_ge "deep: walks cut at the depth limit" "$pct" 99
	;;
dlopen)
	run cfi "$TMP/cfi.pb.gz" dlopen 0.6 "$UNWIND_PLUGIN"
	# The first load's frames may not symbolize (the library is gone
	# when the profile is built): whole means "ends at the root".
	table=$(stacks "$TMP/cfi.pb.gz" | awk -F';' -v root="$main_root" '
		{ w = $1 + 0; n += w; if ($NF ~ root) c += w }
		/cfi_plugin_spin/ { p += w; if ($NF ~ root) pc += w }
		END { printf "%d %.2f %d %.2f\n", n, 100 * c / n, p,
			p ? 100 * pc / p : 0 }')
	read -r n pct p ppct <<<"$table"
	echo "samples $n, whole $pct%; in the reloaded library $p, whole $ppct%"
	(( p >= 50 )) || fail "dlopen: only $p samples in the plugin"
	assert_ge "dlopen: samples whole, across load/unload/reload" "$pct" 99
	assert_ge "dlopen: plugin samples whole" "$ppct" 99
	;;
*) fail "unknown mode $mode" ;;
esac
