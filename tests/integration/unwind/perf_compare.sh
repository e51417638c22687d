# perf_compare.sh: the same program profiled by cprof (CFI tables, in the
# process) and by `perf record --call-graph dwarf` (stack copies unwound
# offline with libdw), compared workload by workload: the share of samples
# that reach main, and the caller chain from the workload's function up to
# main, which must be the same in both (wl_X;wl_run;unwind_prog_thread;main).
# Skipped (exit 0 with a note) when perf cannot record here.
source "$(dirname "$0")/../lib.sh"
: "${UNWIND_PROG:?}" "${PPROF_DUMP:?}"
secs=0.4

if ! perf record -q -o "$TMP/probe.data" -e cpu-clock -- true \
	>/dev/null 2>&1; then
	echo "skipped: perf cannot record on this machine"
	exit 0
fi

perf record -q -o "$TMP/perf.data" -e cpu-clock -F 499 --call-graph dwarf \
	-- "$UNWIND_PROG" all $secs >/dev/null 2>&1 ||
	fail "perf record failed"
# one line per sample, frames leaf first separated by ';' (as pprof_dump)
perf script -i "$TMP/perf.data" -F ip,sym 2>/dev/null | awk '
	/^$/ { if (s != "") print "1 " s; s = ""; next }
	{ sym = $2; if (sym == "") sym = "?"
	  sub(/\+0x[0-9a-f]+$/, "", sym)
	  s = (s == "") ? sym : s ";" sym }
	END { if (s != "") print "1 " s }' >"$TMP/perf.txt"

CPROF_CPU_HZ=250 CPROF_CPU_PROFILE=$TMP/cprof.pb.gz LD_PRELOAD=$CPROF_LIB \
	"$UNWIND_PROG" all $secs >/dev/null || fail "unwind_prog failed"
dump=$("$PPROF_DUMP" "$TMP/cprof.pb.gz") || fail "pprof_dump failed"
awk -F' \\| ' 'started { split($1, v, " "); print v[1], $2 }
	/^samples: / { started = 1 }' <<<"$dump" >"$TMP/cprof.txt"

# summary FILE: per workload "wl_X weight reach_main_pct chain" where chain
# is the most frequent path from wl_X up to main.
summary() {
	awk -F';' '
	{
		w = $1 + 0; sub(/^[0-9]+ /, "", $1)
		tag = ""; chain = ""; main = 0
		for (i = 1; i <= NF; i++) {
			if (tag == "" && $i ~ /^wl_(qsort|snprintf|regexec|zlib|cxx|bn|memcpy|vdso|sighandler|altstack)$/)
				tag = $i
			if (tag != "" && !main)
				chain = (chain == "") ? $i : chain ";" $i
			if ($i == "main") main = 1
		}
		if (tag == "") next
		n[tag] += w; m[tag] += w * main
		if (main) cc[tag SUBSEP chain] += w
	}
	END {
		for (k in cc) {
			split(k, p, SUBSEP)
			if (cc[k] > best[p[1]]) { best[p[1]] = cc[k]; ch[p[1]] = p[2] }
		}
		for (t in n)
			printf "%s %d %.1f %s\n", t, n[t], 100 * m[t] / n[t], ch[t]
	}' "$1" | sort
}

summary "$TMP/perf.txt" >"$TMP/perf.sum"
summary "$TMP/cprof.txt" >"$TMP/cprof.sum"
printf '%-14s %22s %22s\n' workload "perf dwarf: n, main%" "cprof cfi: n, main%"
join "$TMP/perf.sum" "$TMP/cprof.sum" | awk '{ printf "%-14s %12d %8.1f%% %12d %8.1f%%\n", $1, $2, $3, $5, $6 }'

while read -r wl n pct chain; do
	read -r _ pn ppct pchain < <(grep "^$wl " "$TMP/perf.sum" || echo "- 0 0 -")
	(( n >= 20 )) || continue
	assert_near "$wl: cprof reaches main (% of samples)" "$pct" 100 1
	[[ $pchain == "-" ]] && continue
	[[ $chain == "$pchain" ]] ||
		fail "$wl: caller chain differs: cprof $chain, perf $pchain"
	pass "$wl: caller chain as perf sees it: $chain"
done <"$TMP/cprof.sum"
