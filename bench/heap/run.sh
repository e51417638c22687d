#!/usr/bin/env bash
# bench/heap/run.sh BUILD_DIR [ROUNDS] - the memory-profile overhead
# benchmark (issue #4), results in docs/PERFORMANCE.md.
#
# Every run is started under `setarch -R` (no address-space randomisation),
# so each variant gets the same virtual layout in every round.
#
# 1. allocbench (bench/heap/allocbench.c: free a random one of 4096 slots,
#    malloc 16..4095 bytes through a 6-deep call chain) with 1 and 2
#    threads, ROUNDS interleaved rounds (default 7; CPROF_BENCH_ROUNDS also
#    sets it) of every variant: glibc; cprof off (CPROF_MEM_RATE=0), cprof
#    unsampled (a rate so large no allocation is sampled: the fast path
#    every allocation takes), cprof at 512 KiB; tcmalloc alone, with
#    TCMALLOC_SAMPLE_PARAMETER=524288, with cprof (512 KiB and unsampled)
#    in front; the same for jemalloc with MALLOC_CONF=prof:true (512 KiB);
#    heaptrack; gperftools' HEAPPROFILE. The order rotates from round to
#    round. Each run is compared with the run of the same allocator without
#    profiling in its own round (paired): the table gives the median and
#    range over rounds of the difference in ns/op and of the ratio.
#    heaptrack and HEAPPROFILE record every allocation and run fewer ops;
#    ns/op is per op, so they compare.
# 1b. The 5 % target alone: glibc, cprof unsampled and cprof at 512 KiB,
#    1 thread, short runs (CPROF_BENCH_PAIRED_OPS, default 1000000) in
#    CPROF_BENCH_PAIRED_ROUNDS (default 31) rounds of the three back to back,
#    the order alternating. The ratio of each round is of runs less than a
#    second apart, so slow drifts of the machine cancel; the table gives
#    its median, a 95 % confidence interval of that median (order
#    statistics, no assumption on the noise) and its range, and the ratio
#    of each variant's fastest run (interference only ever adds time). Runs
#    are also split by whether they were preempted (involuntary context
#    switches), which is where the spread of a "quiet" machine comes from.
#    CPROF_BENCH_BASELINE_LIB=/path/to/another/libcprof.so adds it to these
#    rounds at 512 KiB ("baseline-512k"): a before/after comparison of two
#    builds in the same paired rounds.
# 2. callgrind: instructions per op (one malloc+free pair and the loop
#    around it) of the allocating thread, from two runs of different
#    lengths (so start-up and exit cancel). Deterministic: the noise-free
#    complement of the timings. Then bench/heap/breakdown.sh: the
#    instructions of one sample, part by part, the collector's included.
# 3. cprof's own resident memory: heaplive (1 GiB live in 1..64 KiB
#    blocks) reports its RSS with everything live, without cprof and with
#    cprof off and at 512 KiB.
#
# Needs gcc, heaptrack, libtcmalloc.so.4 (google-perftools), libjemalloc.so.2
# and valgrind; a missing tool's rows are skipped with a note. No python:
# bash, awk, sort. Run files go to BUILD_DIR/bench/heap/out.
# CPROF_BENCH_OPS (default 2000000 ops per thread), CPROF_BENCH_TRACE_OPS
# (heaptrack, 200000), CPROF_BENCH_GPERF_OPS (HEAPPROFILE, 40000),
# CPROF_BENCH_THREADS ("1 2"), CPROF_BENCH_HEAP_MIB (1024) and
# CPROF_BENCH_CALLGRIND=0 (skip part 2) shorten it for a smoke test;
# CPROF_BENCH_PARTS (default "main target callgrind rss": parts 1, 1b, 2
# and 3) picks parts.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

bench_args 7 "$@"
ops=${CPROF_BENCH_OPS:-2000000}
trace_ops=${CPROF_BENCH_TRACE_OPS:-200000}
gperf_ops=${CPROF_BENCH_GPERF_OPS:-40000}
threads_list=${CPROF_BENCH_THREADS:-1 2}
heap_mib=${CPROF_BENCH_HEAP_MIB:-1024}
do_callgrind=${CPROF_BENCH_CALLGRIND:-1}
paired_rounds=${CPROF_BENCH_PAIRED_ROUNDS:-31}
paired_ops=${CPROF_BENCH_PAIRED_OPS:-1000000}
baseline_lib=${CPROF_BENCH_BASELINE_LIB:-}
parts=${CPROF_BENCH_PARTS:-main target callgrind rss}
want() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }

here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bench/heap
out=$bin/out
lib=$build/libcprof.so
libdir=/usr/lib/x86_64-linux-gnu
tcmalloc=${CPROF_BENCH_TCMALLOC-$libdir/libtcmalloc.so.4}
jemalloc=${CPROF_BENCH_JEMALLOC-$libdir/libjemalloc.so.2}
# A mean so large that no countdown reaches zero in a run: sampling is on
# (the filter exists, every free consults it) but nothing is sampled.
huge_rate=1152921504606846976 # 2^60 bytes

if [ ! -e "$lib" ]; then
	cmake --build "$build" --target cprof >/dev/null || {
		echo "$0: cannot build libcprof.so in $build" >&2
		exit 1
	}
fi
# The programs: the build tree's targets when it has them (configured with
# CPROF_BUILD_TESTS=ON), else compiled here with the same flags.
if ! cmake --build "$build" --target allocbench heaplive >/dev/null 2>&1; then
	mkdir -p "$bin"
	cflags=(-O2 -g -fno-omit-frame-pointer -Wall -Wextra -Wshadow
		-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Werror)
	gcc "${cflags[@]}" -pthread "$here/allocbench.c" -o "$bin/allocbench"
	gcc "${cflags[@]}" "$here/heaplive.c" -o "$bin/heaplive"
fi
rm -rf "$out"
mkdir -p "$out"

have() { [ -n "$1" ] && [ -e "$1" ]; }
norand=(setarch "$(uname -m)" -R)
if ! "${norand[@]}" true 2>/dev/null; then
	echo "$0: setarch -R does not work here; runs keep ASLR" >&2
	norand=()
fi
variants="glibc cprof-off cprof-unsampled cprof-512k"
if have "$tcmalloc"; then
	variants="$variants tcmalloc tcmalloc-sample512k tcmalloc+cprof-unsampled"
	variants="$variants tcmalloc+cprof-512k"
else
	echo "$0: no $tcmalloc; tcmalloc rows skipped" >&2
fi
if have "$jemalloc"; then
	variants="$variants jemalloc jemalloc-prof512k jemalloc+cprof-unsampled"
	variants="$variants jemalloc+cprof-512k"
else
	echo "$0: no $jemalloc; jemalloc rows skipped" >&2
fi
if command -v heaptrack >/dev/null; then
	variants="$variants heaptrack"
else
	echo "$0: no heaptrack (apt-get install heaptrack); row skipped" >&2
fi
have "$tcmalloc" && variants="$variants gperf-heapprofile"
read -r -a vlist <<<"$variants"
nvariants=${#vlist[@]}

# The unprofiled variant each one is compared with.
base_of() {
	case $1 in
	tcmalloc | jemalloc | glibc) echo - ;;
	tcmalloc* | gperf-heapprofile) echo tcmalloc ;;
	jemalloc*) echo jemalloc ;;
	*) echo glibc ;;
	esac
}

ops_of() {
	case $1 in
	heaptrack) echo "$trace_ops" ;;
	gperf-heapprofile) echo "$gperf_ops" ;;
	*) echo "$ops" ;;
	esac
}

# variant_cmd VARIANT TAG: sets cmd to the env(1) command line (and,
# for heaptrack, its wrapper) of a run whose files are named TAG.
variant_cmd() {
	local v=$1 tag=$2 pre=

	case $v in
	baseline-512k) pre=$baseline_lib ;;
	tcmalloc+cprof*) pre="$lib $tcmalloc" ;;
	jemalloc+cprof*) pre="$lib $jemalloc" ;;
	cprof*) pre=$lib ;;
	tcmalloc* | gperf*) pre=$tcmalloc ;;
	jemalloc*) pre=$jemalloc ;;
	esac
	cmd=("${norand[@]}" env)
	[ -n "$pre" ] && cmd+=("LD_PRELOAD=$pre")
	case $v in
	*cprof-off) cmd+=(CPROF_HEAP_PROFILE="$out/$tag.pb.gz" CPROF_MEM_RATE=0) ;;
	*cprof-unsampled) cmd+=(CPROF_HEAP_PROFILE="$out/$tag.pb.gz"
		CPROF_MEM_RATE="$huge_rate") ;;
	*cprof-512k | baseline-512k) cmd+=(CPROF_HEAP_PROFILE="$out/$tag.pb.gz") ;;
	tcmalloc-sample512k) cmd+=(TCMALLOC_SAMPLE_PARAMETER=524288) ;;
	jemalloc-prof512k) cmd+=(MALLOC_CONF="prof:true,prof_prefix:$out/$tag") ;;
	gperf-heapprofile) cmd+=(HEAPPROFILE="$out/$tag.hprof") ;;
	heaptrack) cmd+=(heaptrack -o "$out/$tag") ;;
	esac
}

# steal: the machine's steal time so far (USER_HZ ticks, all CPUs): time
# the hypervisor ran something else on our virtual CPUs.
steal() { awk '/^cpu / { print $9 + 0; exit }' /proc/stat; }

# run VARIANT THREADS ROUND [OPS [FILE]]: one allocbench run; appends
# "variant threads round ns/op cpu_ns/op minflt nivcsw steal" to FILE
# ($results by default).
results=$out/runs.tsv
run() {
	local v=$1 t=$2 r=$3 n=${4:-$(ops_of "$1")} file=${5:-$results} line s0

	variant_cmd "$v" "$v.t$t.r$r"
	s0=$(steal)
	line=$("${cmd[@]}" "$bin/allocbench" "$t" "$n" \
		2>>"$out/stderr.log" | grep '^allocbench ' || true)
	line="$line steal=$(($(steal) - s0))"
	rm -f "$out/$v.t$t.r$r".* # profiles: only the timing matters here
	echo "$line" | awk -v v="$v" -v t="$t" -v r="$r" -v OFS='\t' '
		!/^allocbench / {
			print "allocbench failed under " v > "/dev/stderr"
			exit 1
		}
		{
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			print v, t, r, f["ns/op"], f["cpu_ns/op"], f["minflt"], f["nivcsw"], f["steal"]
		}' >>"$file" || true
}


if want main; then
	echo "## Memory profile overhead: allocbench, $rounds interleaved rounds"
	echo
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs" \
		"($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo));" \
		"kernel $(uname -r); $(ldd --version | head -n 1 | sed 's/^ldd //');" \
		"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	: >"$results"
	for r in $(seq 1 "$rounds"); do
		for t in $threads_list; do
			# Rotate the order so no variant always runs first or last.
			for i in $(seq 0 $((nvariants - 1))); do
				run "${vlist[(i + r - 1) % nvariants]}" "$t" "$r"
			done
		done
		echo "round $r/$rounds done ($(cut -d' ' -f1 /proc/loadavg) load)" >&2
	done
	echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo

	# Paired with the base of the same threads and round:
	# variant threads round ns cpu base dns ratio dcpu cpuratio
	awk -F'\t' -v OFS='\t' -v vars="$variants" '
		function base(v) {
			if (v == "glibc" || v == "tcmalloc" || v == "jemalloc") return "-"
			if (v ~ /^tcmalloc/ || v == "gperf-heapprofile") return "tcmalloc"
			if (v ~ /^jemalloc/) return "jemalloc"
			return "glibc"
		}
		{ ns[$1, $2, $3] = $4; cpu[$1, $2, $3] = $5; row[NR] = $1 OFS $2 OFS $3 OFS $4 OFS $5; v[NR] = $1; t[NR] = $2; r[NR] = $3 }
		END {
			for (i = 1; i <= NR; i++) {
				b = base(v[i])
				if (b == "-" || !((b, t[i], r[i]) in ns)) {
					print row[i], "-", "-", "-", "-", "-"
					continue
				}
				bn = ns[b, t[i], r[i]]; bc = cpu[b, t[i], r[i]]
				n = ns[v[i], t[i], r[i]]; c = cpu[v[i], t[i], r[i]]
				print row[i], b, n - bn, n / bn, c - bc, c / bc
			}
		}' "$results" >"$out/paired.tsv"

	col() { awk -F'\t' -v v="$1" -v t="$2" -v c="$3" \
		'$1 == v && $2 == t && $c != "-" { print $c }' "$out/paired.tsv" | bench_stats; }

	for t in $threads_list; do
		echo "### $t thread(s)"
		echo
		echo "| variant | ops/thread | wall ns/op, median [min … max] | CPU ns/op, median [min … max] | compared with | added wall ns/op, median [range] | added CPU ns/op, median [range] | wall ratio, median [range] | CPU ratio, median [range] |"
		echo "|---|---:|---|---|---|---|---|---|---|"
		for v in $variants; do
			{
				col "$v" "$t" 4; col "$v" "$t" 5; col "$v" "$t" 7
				col "$v" "$t" 9; col "$v" "$t" 8; col "$v" "$t" 10
			} | tr '\n' ' ' | awk -v v="$v" -v o="$(ops_of "$v")" \
				-v b="$(base_of "$v")" '
				function abs3(i) { return sprintf("%.1f [%.1f … %.1f]", $i, $(i + 1), $(i + 2)) }
				function rel3(i) { return sprintf("%+.1f [%+.1f … %+.1f]", $i, $(i + 1), $(i + 2)) }
				function rat3(i) { return sprintf("%.3f [%.3f … %.3f]", $i, $(i + 1), $(i + 2)) }
				{
					if ($1 == "-") { printf "| %s | %s | (no runs) | | | | | | |\n", v, o; exit }
					if (b == "-") {
						printf "| %s | %s | %s | %s | – | – | – | – | – |\n", v, o, abs3(1), abs3(4)
						exit
					}
					printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", v, o,
						abs3(1), abs3(4), b, rel3(7), rel3(10), rat3(13), rat3(16)
				}'
		done
		echo
		# heaptrack against cprof, paired by round: the time ratio, and the
		# ratio of what each adds to glibc.
		awk -F'\t' -v t="$t" '
			$2 == t { ns[$1, $3] = $4; rs[$3] = 1 }
			END {
				for (r in rs) {
					if (!(("heaptrack", r) in ns) || !(("cprof-512k", r) in ns)) continue
					h = ns["heaptrack", r]; c = ns["cprof-512k", r]; g = ns["glibc", r]
					print h / c, (c - g > 0 ? (h - g) / (c - g) : "inf")
				}
			}' "$out/paired.tsv" >"$out/ht.t$t.txt"
		if [ -s "$out/ht.t$t.txt" ]; then
			read -r hm h0 h1 <<<"$(cut -d' ' -f1 "$out/ht.t$t.txt" | bench_stats)"
			read -r am a0 a1 <<<"$(cut -d' ' -f2 "$out/ht.t$t.txt" | { grep -v inf || true; } | bench_stats)"
			ninf=$(grep -c inf "$out/ht.t$t.txt" || true)
			awk -v t="$t" -v hm="$hm" -v h0="$h0" -v h1="$h1" -v am="$am" \
				-v a0="$a0" -v a1="$a1" -v ninf="$ninf" 'BEGIN {
				printf "heaptrack / cprof-512k (%s thread(s)), paired by round: wall ns/op %.1f× [%.1f … %.1f]", t, hm, h0, h1
				if (am != "-") printf "; wall ns/op each adds to glibc %.0f× [%.0f … %.0f]", am, a0, a1
				if (ninf > 0) printf " (%d round(s) where cprof added nothing measurable left out)", ninf
				printf "\n"
			}'
			echo
		fi
	done
	echo "Targets (issue #4): cprof-unsampled at most +3 ns/op over its allocator;" \
		"cprof-512k at most 1.05× glibc; heaptrack at least 50× cprof-512k." \
		"Raw runs: $results"
	echo
fi

# Part 1b: the 5 % target, glibc against cprof in short paired rounds.
# ci_ranks N -> the 1-based ranks of a 95 % confidence interval of the
# median of N values (binomial order statistics, normal approximation).
ci_ranks() { awk -v n="$1" 'BEGIN {
	k = int((n - 1.96 * sqrt(n)) / 2); if (k < 1) k = 1
	print k, n + 1 - k }'; }
if want target && [ "$paired_rounds" -ge 1 ]; then
	pv=(glibc cprof-unsampled cprof-512k)
	[ -n "$baseline_lib" ] && pv+=(baseline-512k)
	npv=${#pv[@]}
	paired=$out/paired-target.tsv
	: >"$paired"
	for r in $(seq 1 "$paired_rounds"); do
		# Rotate, and reverse every other round: each variant is first,
		# middle and last equally often, before and after each other.
		for i in $(seq 0 $((npv - 1))); do
			j=$(((i + r) % npv))
			[ $((r % 2)) = 0 ] && j=$((npv - 1 - j))
			run "${pv[j]}" 1 "$r" "$paired_ops" "$paired"
		done
	done
	read -r lo hi <<<"$(ci_ranks "$paired_rounds")"
	echo "## The 5 % target: glibc and cprof, $paired_rounds paired rounds of allocbench 1 $paired_ops"
	echo
	[ -n "$baseline_lib" ] && echo "baseline-512k: $baseline_lib at 512 KiB." && echo
	echo "Each round runs them back to back (order rotated and reversed from round to round)," \
		"all under setarch -R. Ratio: CPU ns/op of the variant over glibc's in the same round." \
		"95 % CI: ranks $lo and $hi of the $paired_rounds sorted ratios. Raw: $paired"
	echo
	echo "| variant | CPU ns/op, median [min … max] | CPU ratio to glibc, median | 95 % CI of the median | range | ratio of the fastest runs | runs preempted (nivcsw > 0) |"
	echo "|---|---|---:|---|---|---:|---:|"
	for v in "${pv[@]}"; do
		# This variant's CPU ns/op, and its ratios to glibc by round.
		awk -F'\t' -v v="$v" '$1 == v { print $5 }' "$paired" | sort -g >"$out/pt.cpu"
		awk -F'\t' -v v="$v" '{ cpu[$1, $3] = $5; r[$3] = 1 }
			END { for (k in r) if ((v, k) in cpu && ("glibc", k) in cpu)
				print cpu[v, k] / cpu["glibc", k] }' "$paired" |
			sort -g >"$out/pt.ratio"
		gmin=$(awk -F'\t' '$1 == "glibc" { print $5 }' "$paired" | sort -g | head -n 1)
		pre=$(awk -F'\t' -v v="$v" '$1 == v && $7 > 0' "$paired" | wc -l)
		read -r cm c0 c1 <<<"$(bench_stats <"$out/pt.cpu")"
		read -r rm r0 r1 <<<"$(bench_stats <"$out/pt.ratio")"
		n=$(wc -l <"$out/pt.cpu")
		rlo=$(sed -n "${lo}p" "$out/pt.ratio")
		rhi=$(sed -n "${hi}p" "$out/pt.ratio")
		awk -v v="$v" -v cm="$cm" -v c0="$c0" -v c1="$c1" -v rm="$rm" \
			-v r0="$r0" -v r1="$r1" -v rlo="$rlo" -v rhi="$rhi" \
			-v gmin="$gmin" -v pre="$pre" -v n="$n" 'BEGIN {
			if (cm == "-") { printf "| %s | (no runs) | | | | | |\n", v; exit }
			if (v == "glibc") {
				printf "| %s | %.1f [%.1f … %.1f] | – | – | – | – | %d of %d |\n", v, cm, c0, c1, pre, n
				exit
			}
			ci = rlo == "" || rhi == "" ? "–" : sprintf("[%.3f … %.3f]", rlo, rhi)
			printf "| %s | %.1f [%.1f … %.1f] | %.3f | %s | [%.3f … %.3f] | %.3f | %d of %d |\n",
				v, cm, c0, c1, rm, ci, r0, r1, c0 / gmin, pre, n
		}'
	done
	rm -f "$out/pt.cpu" "$out/pt.ratio"
	echo
	# Where the spread comes from: each variant's runs split by whether
	# something else ran on their CPUs (preemption or steal).
	echo "| variant | CPU ns/op of undisturbed runs (no involuntary switch, no steal): median [min … max] (n) | of disturbed runs (n) |"
	echo "|---|---|---|"
	for v in "${pv[@]}"; do
		q=$(awk -F'\t' -v v="$v" '$1 == v && $7 + $8 == 0 { print $5 }' "$paired" | bench_stats)
		p=$(awk -F'\t' -v v="$v" '$1 == v && $7 + $8 > 0 { print $5 }' "$paired" | bench_stats)
		nq=$(awk -F'\t' -v v="$v" '$1 == v && $7 + $8 == 0' "$paired" | wc -l)
		np=$(awk -F'\t' -v v="$v" '$1 == v && $7 + $8 > 0' "$paired" | wc -l)
		awk -v v="$v" -v q="$q" -v p="$p" -v nq="$nq" -v np="$np" 'BEGIN {
			split(q, a, " "); split(p, b, " ")
			f = "%.1f [%.1f … %.1f] (%d)"
			printf "| %s | %s | %s |\n", v,
				a[1] == "-" ? "(none)" : sprintf(f, a[1], a[2], a[3], nq),
				b[1] == "-" ? "(none)" : sprintf(f, b[1], b[2], b[3], np)
		}'
	done
	echo
fi

# Part 2: instructions per op on the allocating thread (callgrind).
cg_ops1=100000
cg_ops2=300000
# cg_ir VARIANT OPS -> "IR HELP": the instructions counted inside
# allocbench_run, and those of them spent in collector_help: drains of a
# full ring that the allocating thread made itself. valgrind runs one thread
# at a time, so the collector falls behind where it would not on the
# hardware; that work is the collector's and is left out of the figure.
cg_ir() {
	local f=$out/cg.$1.$2.out ir help

	variant_cmd "$1" "cg.$1.$2"
	ir=$("${cmd[@]}" valgrind --tool=callgrind --toggle-collect=allocbench_run \
		--callgrind-out-file="$f" "$bin/allocbench" 1 "$2" \
		2>&1 >/dev/null | awk '/Collected :/ { print $NF }')
	[ -n "$ir" ] || return 0
	help=$(callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$f" |
		awk '/:collector_help / { v = $1; gsub(/,/, "", v); if (v + 0 > m) m = v + 0 }
			END { print m + 0 }')
	echo "$ir $help"
}
if want callgrind && [ "$do_callgrind" = 1 ] && command -v valgrind >/dev/null; then
	echo "## Instructions per op (callgrind, 1 thread, allocating thread only)"
	echo
	echo "(Ir($cg_ops2 ops) - Ir($cg_ops1 ops)) / $((cg_ops2 - cg_ops1)):" \
		"start-up, exit and cprof's collector thread are left out, and so are" \
		"the ring drains the allocating thread made itself (valgrind serialises" \
		"threads, so the collector falls behind: last column)."
	echo
	echo "| variant | instructions/op | added vs its allocator | ring drains left out (instructions/op) |"
	echo "|---|---:|---:|---:|"
	cgvars="glibc cprof-off cprof-unsampled cprof-512k"
	have "$jemalloc" && cgvars="$cgvars jemalloc jemalloc+cprof-unsampled jemalloc+cprof-512k jemalloc-prof512k"
	declare -A per
	for v in $cgvars; do
		read -r a ah <<<"$(cg_ir "$v" $cg_ops1)"
		read -r b bh <<<"$(cg_ir "$v" $cg_ops2)"
		if [ -z "$a" ] || [ -z "$b" ]; then
			echo "| $v | (callgrind failed) | | |"
			continue
		fi
		per[$v]=$(awk -v a="$((a - ah))" -v b="$((b - bh))" \
			-v n=$((cg_ops2 - cg_ops1)) 'BEGIN { printf "%.1f", (b - a) / n }')
		drains=$(awk -v a="$ah" -v b="$bh" -v n=$((cg_ops2 - cg_ops1)) \
			'BEGIN { printf "%.1f", (b - a) / n }')
		bv=$(base_of "$v")
		if [ "$bv" = - ] || [ -z "${per[$bv]:-}" ]; then
			echo "| $v | ${per[$v]} | – | $drains |"
		else
			echo "| $v | ${per[$v]} | $(awk -v x="${per[$v]}" \
				-v y="${per[$bv]}" 'BEGIN { printf "%+.1f", x - y }') | $drains |"
		fi
	done
	echo
	echo "## Where the instructions of a sample go (bench/heap/breakdown.sh)"
	echo
	bash "$here/breakdown.sh" "$build" ||
		echo "$0: breakdown.sh failed" >&2
	echo
fi
if want callgrind && [ "$do_callgrind" = 1 ] && ! command -v valgrind >/dev/null; then
	echo "$0: no valgrind; instruction counts skipped" >&2
fi

# Part 3: cprof's own resident memory with a large live heap.
if want rss; then
	echo "## cprof's resident memory: heaplive $heap_mib MiB live (1..64 KiB blocks), 3 interleaved rounds"
	echo
	rss=$out/rss.tsv
	: >"$rss"
	for r in 1 2 3; do
		for v in glibc cprof-off cprof-512k; do
			variant_cmd "$v" "rss.$v.$r"
			"${cmd[@]}" "$bin/heaplive" "$heap_mib" 2>>"$out/stderr.log" |
				awk -v v="$v" -v OFS='\t' '/^heaplive / {
					for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
					print v, f["heap_kib"], f["rss_kib"], f["anon_kib"], f["file_kib"]
				}' >>"$rss"
		done
	done
	# rss_med VARIANT COLUMN -> "median min max"
	rss_med() { awk -F'\t' -v v="$1" -v c="$2" '$1 == v { print $c }' "$rss" | bench_stats; }
	read -r ga _ <<<"$(rss_med glibc 4)"
	read -r gr _ <<<"$(rss_med glibc 3)"
	read -r oa _ <<<"$(rss_med cprof-off 4)"
	echo "| variant | live heap (KiB) | VmRSS (KiB), median [min … max] | RssAnon (KiB) | RssFile (KiB) | VmRSS over glibc (KiB) | RssAnon over glibc (KiB), share of the heap | RssAnon over cprof-off (KiB): the memory-profile state, share of the heap |"
	echo "|---|---:|---|---:|---:|---:|---|---|"
	for v in glibc cprof-off cprof-512k; do
		read -r m m0 m1 <<<"$(rss_med "$v" 3)"
		read -r a _ <<<"$(rss_med "$v" 4)"
		read -r f _ <<<"$(rss_med "$v" 5)"
		h=$(awk -F'\t' -v v="$v" '$1 == v { print $2; exit }' "$rss")
		awk -v v="$v" -v h="$h" -v m="$m" -v m0="$m0" -v m1="$m1" -v a="$a" \
			-v f="$f" -v gr="$gr" -v ga="$ga" -v oa="$oa" 'BEGIN {
			if (m == "-") { printf "| %s | | (no runs) | | | | | |\n", v; exit }
			d = e = p = "–"
			if (v != "glibc") {
				d = sprintf("%+d", m - gr)
				e = sprintf("%+d (%.3f %%)", a - ga, (a - ga) * 100 / h)
			}
			if (v == "cprof-512k" && oa != "-")
				p = sprintf("%+d (%.3f %%)", a - oa, (a - oa) * 100 / h)
			printf "| %s | %d | %d [%d … %d] | %d | %d | %s | %s | %s |\n",
				v, h, m, m0, m1, a, f, d, e, p
		}'
	done
	echo
	echo "Target (issue #4): cprof's own memory under 1 % of the profiled heap" \
		"at the default rate. Read from /proc/self/status with the heap live," \
		"before exit; RssFile is mostly shared library code. Raw: $rss"
fi
