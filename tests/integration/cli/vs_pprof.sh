# vs_pprof.sh: cprof's reports against go tool pprof's, row by row.
#
# The corpus: hand-made profiles (cli_mkprof: mangled C++ names, lines-
# less locations, numeric labels, a negative sample, inlining), profiles Go wrote (goprof/, built now with Debian's Go: CPU
# with two labelled workers and inlined helpers, heap, allocs, mutex,
# block, goroutine with labels) and profiles cprof wrote (a CPU profile of
# tests/programs/cpu_shares and a heap profile of the C++ heap_cxx, both
# under LD_PRELOAD). For each profile, command (top, traces, tree, peek)
# and option set, stdout must be byte-identical, the exit status the same,
# and stderr the same but for cprof's "cprof: " prefix.
source "$(dirname "$0")/../lib.sh"
: "${CPROF_CLI:?}" "${CPROF_MKPROF:?}"
here=$(cd "$(dirname "$0")" && pwd)
corpus=$TMP/corpus
mkdir -p "$corpus"

(cd "$here/goprof" && go build -o "$TMP/cliprof" .)
"$TMP/cliprof" "$corpus"
"$CPROF_MKPROF" "$corpus"
CPROF_CPU_PROFILE=$corpus/cprof_cpu.pb.gz LD_PRELOAD=$CPROF_LIB \
	"$PROGRAMS/cpu_shares" --unit-ms 100 >/dev/null
CPROF_MEM_RATE=1 CPROF_HEAP_PROFILE=$corpus/cprof_heap.pb.gz \
	LD_PRELOAD=$CPROF_LIB "$CPROF_BUILD_DIR/tests/integration/heap/heap_cxx" \
	>/dev/null
# An uncompressed copy: both forms must read the same.
gzip -dc "$corpus/heap.pb.gz" >"$corpus/heap_plain.pb"

cases=0
failed=0
# check CMD ARGS... PROFILE (peek, list: check CMD REGEX ARGS... PROFILE)
check() {
	local want got want_rc got_rc
	cases=$((cases + 1))
	set +e
	if [[ $1 == peek || $1 == list ]]; then
		want=$(go tool pprof "-$1=$2" "${@:3}" 2>"$TMP/want.err")
		want_rc=$?
		set -- "$1" "${@:3:$#-3}" "$2" "${@: -1}"
	else
		want=$(go tool pprof "-$1" "${@:2}" 2>"$TMP/want.err")
		want_rc=$?
	fi
	got=$("$CPROF_CLI" "$@" 2>"$TMP/got.err")
	got_rc=$?
	set -e
	# go tool pprof exits 1 on errors, cprof 2.
	[[ $want_rc == 1 ]] && want_rc=2
	sed -i 's/^cprof: //' "$TMP/got.err"
	if [[ $want != "$got" || $want_rc != "$got_rc" ]] ||
		! cmp -s "$TMP/want.err" "$TMP/got.err"; then
		failed=$((failed + 1))
		echo "MISMATCH: cprof $* (status go=$want_rc cprof=$got_rc)"
		diff <(echo "$want"; cat "$TMP/want.err") \
			<(echo "$got"; cat "$TMP/got.err") | head -20 || true
	fi
}

common=("" -cum -lines -files -addresses -filefunctions -noinlines
	-nodecount=3 -nodefraction=0.2 -trim=false -unit=ms -unit=MB
	-focus=main -ignore=runtime -hide=runtime -show=main
	"-focus=burn|spin" -tagfocus=worker=alpha -tagignore=role=writer
	-tagfocus=beta "-tagfocus=bytes=64b:1kb" -tagignore=4kb
	-tagfocus=shard=eu -tagfocus=request=512b -hide=inner)
for prof in "$corpus"/*.pb.gz "$corpus/heap_plain.pb"; do
	name=$(basename "$prof")
	ntypes=$(go tool pprof -raw "$prof" 2>/dev/null |
		sed -n '2p' | wc -w)
	for opt in "${common[@]}"; do
		for cmd in top traces tree; do
			check $cmd $opt "$prof"
		done
	done
	for ((i = 0; i < ntypes; i++)); do
		check top -sample_index=$i "$prof"
		check traces -sample_index=$i "$prof"
	done
	check peek 'main\.' "$prof"
	check peek 'runtime\.' -lines "$prof"
	check peek . -cum "$prof"
	check peek 'main|alloc' -tagfocus=worker=alpha "$prof"
	check list 'main\.' "$prof"
	check list 'runtime\.main$' -cum "$prof"
	echo "$name: compared"
done
# list from where the Go program's sources are found (pprof trims the
# path up to the current directory's name), and from where they are not
cd "$here/goprof"
check list 'main\.' "$corpus/cpu.pb.gz"
check list 'mix|step' -focus=alpha "$corpus/cpu.pb.gz"
check list alloc "$corpus/allocs.pb.gz"
cd - >/dev/null
check top -sample_index=alloc_space "$corpus/heap.pb.gz"
check top -sample_index=inuse_objects "$corpus/heap.pb.gz"
check top -sample_index=nonesuch "$corpus/heap.pb.gz"
# -show_from: stacks cut above the outermost match (inside an inlined
# location too), after -hide; no match drops every sample
for cmd in top traces tree; do
	check $cmd -show_from=mix "$corpus/cpu.pb.gz"
	check $cmd '-show_from=main\.' -hide=step "$corpus/cpu.pb.gz"
	check $cmd -show_from=runtime "$corpus/heap.pb.gz"
	check $cmd -show_from=nomatch "$corpus/cprof_cpu.pb.gz"
done
check peek . -show_from=mix "$corpus/cpu.pb.gz"
# -tagshow/-taghide: the labels traces prints, the legend, the warnings
for opt in -tagshow=worker -taghide=worker -tagshow=nomatch \
	"-tagshow=w -taghide=tier" "-taghide=worker -tagfocus=worker=alpha"; do
	check traces $opt "$corpus/cpu.pb.gz"
	check top $opt "$corpus/goroutine.pb.gz"
done
check traces -taghide=bytes "$corpus/raw.pb.gz"

[[ $failed == 0 ]] || fail "$failed of $cases comparisons differ"
pass "$cases comparisons with go tool pprof agree"
