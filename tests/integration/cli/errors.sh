# errors.sh: bad input gets one clear line on stderr and exit status 2,
# never a crash or a hang: truncated, corrupt, empty and non-pprof files,
# a missing file, wrong options, an unknown command, an unreachable URL,
# an HTTP error from a Go pprof endpoint (its X-Go-Pprof text shown as go
# tool pprof shows it), and a few hundred mangled copies of a profile.
# Also: help for every command, and a profile read over HTTP.
source "$(dirname "$0")/lib.sh"
mkdir corpus
"$TMP/cliprof" corpus
good=corpus/heap.pb.gz

head -c 200 "$good" >truncated.pb.gz
gzip -dc "$good" | head -c 300 >truncated.pb
printf 'hello, this is not a profile\n' >text.txt
: >empty.pb
head -c 4096 /dev/urandom >random.bin
expect_error "truncated.pb.gz:" top truncated.pb.gz
expect_error "truncated.pb:" top truncated.pb
expect_error "text.txt:" top text.txt
expect_error "empty.pb: empty input" top empty.pb
expect_error "random.bin:" traces random.bin
expect_error "nonexistent.pb: No such file or directory" top nonexistent.pb
expect_error "is a directory" top corpus
expect_error 'invalid value "abc" for flag -nodecount' top -nodecount=abc "$good"
expect_error "flag provided but not defined: -nosuch" top -nosuch "$good"
expect_error "flag needs an argument: -focus" top "$good" -focus
expect_error 'sample_index "nonesuch" must be one of' top -sample_index=nonesuch "$good"
expect_error "parsing focus regexp" top "-focus=a(" "$good"
expect_error "no matches found for regexp: nomatch" peek nomatch "$good"
expect_error "usage: cprof top" top
expect_error "usage: cprof peek" peek "$good"
expect_error 'unknown command "nonesuch"' nonesuch
expect_error "http fetch: dial tcp 127.0.0.1:1" top http://127.0.0.1:1/debug/pprof/heap
expect_error "http fetch: dial tcp 127.0.0.1:1" top https://127.0.0.1:1/debug/pprof/heap

# Help: `cprof help`, `cprof help CMD` and `cprof CMD --help` for every one.
"$CPROF_CLI" help >help.txt
commands=$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' help.txt)
[[ -n $commands ]] || fail "cprof help lists no commands"
for c in $commands; do
	"$CPROF_CLI" "$c" --help | grep -q "^usage: cprof $c" ||
		fail "cprof $c --help"
	"$CPROF_CLI" help "$c" | grep -q "^usage: cprof $c" ||
		fail "cprof help $c"
done
pass "help for: $(echo $commands)"

# Over HTTP, from Go's own net/http/pprof.
"$TMP/cliprof" serve "$TMP/port" &
CLEANUP_PIDS+=($!)
for _ in $(seq 1 100); do
	[[ -s $TMP/port ]] && break
	sleep 0.1
done
port=$(cat "$TMP/port")
url=http://127.0.0.1:$port/debug/pprof
timeout 30 "$CPROF_CLI" top "$url/heap" >heap.txt ||
	fail "cprof top $url/heap failed"
grep -q '^Type: inuse_space$' heap.txt || fail "no heap report over HTTP"
timeout 30 "$CPROF_CLI" top "127.0.0.1:$port/debug/pprof/goroutine" |
	grep -q '^Type: goroutine$' || fail "host:port/path is not read as a URL"
pass "profiles over HTTP"
want=$(go tool pprof -top "$url/nosuch" 2>&1 | grep 'server response' || true)
[[ -n $want ]] || fail "go tool pprof printed no server response"
expect_error "$want" top "$url/nosuch"

# Mangled profiles: every outcome is 0 or 2, never a signal.
gzip -dc "$good" >plain.pb
size=$(stat -c %s plain.pb)
for i in $(seq 1 150); do
	cp plain.pb mangled.pb
	case $((i % 3)) in
	0) head -c $((RANDOM * size / 32768)) plain.pb >mangled.pb ;;
	*) for _ in 1 2 3 4; do
		printf "\\x$(printf %02x $((RANDOM % 256)))" |
			dd of=mangled.pb bs=1 seek=$((RANDOM * size / 32768)) \
				conv=notrunc status=none
	   done ;;
	esac
	for cmd in top traces; do
		set +e
		timeout 30 "$CPROF_CLI" $cmd mangled.pb >/dev/null 2>err
		rc=$?
		set -e
		if [[ $rc != 0 && $rc != 2 ]]; then
			cp mangled.pb "$CPROF_BUILD_DIR/cli-crash.pb"
			fail "cprof $cmd on a mangled profile: status $rc (kept as cli-crash.pb)"
		fi
		if [[ $rc == 2 && $(wc -l <err) != 1 ]]; then
			fail "cprof $cmd on a mangled profile: $(cat err)"
		fi
	done
done
pass "150 mangled profiles: no crash"

# diff on a terminal (script(1) gives it one): top's rows of the
# difference, growth red and shrink green; the same rows, uncoloured, as
# `cprof top` of the difference written to a file. NO_COLOR: no colours.
"$CPROF_CLI" merge -o twice.pb.gz corpus/cpu.pb.gz corpus/cpu.pb.gz
tty_diff() {
	script -qec "$(printf '%q ' "$CPROF_CLI" diff -base "$@")" /dev/null |
		tr -d '\r'
}
for dir in grow shrink; do
	if [[ $dir == grow ]]; then
		old=corpus/cpu.pb.gz new=twice.pb.gz colour=$'\e[31m'
	else
		old=twice.pb.gz new=corpus/cpu.pb.gz colour=$'\e[32m'
	fi
	tty_diff "$old" "$new" >tty.txt
	"$CPROF_CLI" diff -base "$old" -o delta.pb.gz "$new"
	{ "$CPROF_CLI" top -nodecount=20 delta.pb.gz
	  echo "(the first 20 entries; -o FILE writes the difference as a profile)"
	} >want.txt
	sed 's/\x1b\[[0-9]*m//g' tty.txt | diff - want.txt >/dev/null ||
		fail "diff on a terminal ($dir) is not top's report: $(diff <(sed 's/\x1b\[[0-9]*m//g' tty.txt) want.txt)"
	nonzero=$(awk '/^ +flat +flat%/ { on = 1; next } on && $1 != "0" && !/^\(/' want.txt | wc -l)
	coloured=$(grep -cF -- "$colour" tty.txt || true)
	[[ $nonzero -gt 0 && $coloured == "$nonzero" ]] ||
		fail "diff on a terminal ($dir): $coloured coloured rows of $nonzero"
	NO_COLOR=1 tty_diff "$old" "$new" | grep -q $'\e' &&
		fail "diff on a terminal ($dir): colours despite NO_COLOR"
	pass "diff on a terminal ($dir): $coloured rows in colour, as top shows them"
done
