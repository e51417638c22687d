# goroutine.sh: the threads profile (/debug/pprof/goroutine, also
# /debug/pprof/threads) of a program with one thread per kind of blocking
# call (blocked.c). While 21 dumps are taken over about 2 s (debug=0, 1 and
# 2 in turn), no call may return EINTR or come back early (sleep() included);
# every thread's stack must have its known function on top and reach its
# start routine, through our decoder and go tool pprof; debug=2 must name
# each thread's state and call and its creating site; labels come back on
# the goroutine samples; the index page counts the live threads.
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/threads/blocked
dump=$CPROF_BUILD_DIR/tests/tools/pprof_dump
start_pprof "$TMP/out" "$prog" "$TMP/done"
for _ in $(seq 1 100); do grep -q ready "$TMP/out" && break; sleep 0.1; done
grep -q ready "$TMP/out" || fail "blocked never got ready"

# burn (a CPU loop) is checked apart: see below.
kinds="epoll_wait poll nanosleep usleep select clock_nanosleep sleep read accept
	sem_wait fgets write cond_wait labeled"
base=http://127.0.0.1:$port/debug/pprof
for i in $(seq 0 20); do
	case $((i % 3)) in
	0) curl -sS -f --max-time 60 -o "$TMP/g$i.pb.gz" "$base/goroutine" || fail "fetch $i" ;;
	1) curl -sS -f --max-time 60 -o "$TMP/g$i.txt" "$base/goroutine?debug=1" || fail "fetch $i" ;;
	2) curl -sS -f --max-time 60 -o "$TMP/g$i.dump" "$base/goroutine?debug=2" || fail "fetch $i" ;;
	esac
	sleep 0.1
done
curl -sS -f --max-time 60 -o "$TMP/alias.pb.gz" "$base/threads" || fail "fetch /debug/pprof/threads"
index=$(curl -sS -f --max-time 60 "$base/")
# A thread may end between the glob and the read (CI saw it once): it is
# not a live one.
live=$(for t in /proc/"$pid"/task/*; do cat "$t/comm" 2>/dev/null || true; done | grep -c -v '^cprof-')

touch "$TMP/done"
wait "$pid" || fail "blocked exited with $?"
cat "$TMP/out"
# (a) no EINTR, nothing cut short, in any thread (the main thread included)
for k in $kinds burn main; do
	line=$(grep "^kind $k " "$TMP/out") || fail "no result for $k"
	grep -q "calls=[1-9]" <<<"$line" || fail "$k never completed a call: $line"
	grep -q "eintr=0 short=0$" <<<"$line" || fail "$k disturbed: $line"
done
pass "21 dumps: zero EINTR and no early return in $(wc -w <<<"$kinds burn main") threads"

# What the first frame of blocked.c must be, and the thread's state in
# debug=2, per kind.
state_of() {
	case $1 in
	fgets) echo "blocked in unwrapped syscall [0-9]+ \\((read|futex)\\)" ;;
	write) echo "blocked in unwrapped syscall [0-9]+ \\(write\\)" ;;
	cond_wait) echo "blocked in pthread_cond_wait for [0-9.]+s" ;;
	burn) echo "running" ;;
	labeled) echo "sleeping in nanosleep for [0-9.]+s" ;;
	nanosleep | usleep | clock_nanosleep | sleep) echo "sleeping in $1 for [0-9.]+s" ;;
	*) echo "blocked in $1 for [0-9.]+s" ;;
	esac
}

# (c) debug=2: per thread its state, its stack from wait_K down to run_K,
# and "created by main in thread <the main thread>". A thread caught between two calls may show another
# stack once: each kind must be right in at least 5 of the 7 dumps.
check_dump() { # FILE KIND: the thread's block is right
	local name="k-${2:0:13}" block
	block=$(awk -v n="$name" '/^thread [0-9]+ \[/ { on = index($0, ", " n "]:") > 0 }
		on' "$1")
	grep -E -q "^thread [0-9]+ \[$(state_of "$2"), $name\]:$" <<<"$block" || return 1
	[[ $(grep -E -o '^(wait|run)_[a-z_]+' <<<"$block" | head -2 | tr '\n' ' ') == "wait_$2 run_$2 " ]] ||
		return 1
	grep -E -A1 "^created by main in thread $pid$" <<<"$block" | grep -q 'blocked.c:[0-9]' || return 1
}
for k in $kinds; do
	good=0
	for f in "$TMP"/g*.dump; do check_dump "$f" "$k" && good=$((good + 1)); done
	((good >= 5)) || fail "debug=2: thread $k right in $good of 7 dumps; last: $(cat "$TMP/g20.dump")"
done
main_ok=0
for f in "$TMP"/g*.dump; do
	awk '/^thread [0-9]+ \[/ { on = index($0, ", blocked]:") > 0 } on' "$f" >"$TMP/main"
	grep -E -q '^thread [0-9]+ \[sleeping in clock_nanosleep for [0-9.]+s, blocked\]:$' "$TMP/main" &&
		[[ $(grep -E -o '^(wait_main|main)\(' "$TMP/main" | tr '\n' ' ') == "wait_main( main( " ]] &&
		main_ok=$((main_ok + 1))
done
((main_ok >= 5)) || fail "debug=2: the main thread right in $main_ok of 7 dumps"
pass "debug=2: every thread's state, call, stack and creating site (the main thread's too)"

# (b) debug=0 through our decoder: every kind's stack has wait_K as its
# first frame of blocked.c, then run_K; one sample per thread in total.
for f in "$TMP"/g*.pb.gz "$TMP/alias.pb.gz"; do
	"$dump" "$f" >"$f.txt" || fail "pprof_dump $f"
	grep -q '^sample_type: goroutine/count$' "$f.txt" || fail "sample type in $f"
	grep -q '^period_type: goroutine/count$' "$f.txt" || fail "period type in $f"
	total=$(awk -F' [|] ' '/ [|] / { s += $1 } END { print s }' "$f.txt")
	[[ $total == 16 ]] || fail "$f counts $total threads, want 16"
done
for k in $kinds; do
	good=0
	for f in "$TMP"/g*.pb.gz; do
		awk -F' [|] ' '{ print $2 }' "$f.txt" | tr ';' ' ' |
			awk -v k="$k" '{ n = 0; for (i = 1; i <= NF; i++)
				if ($i ~ /^(wait|run)_/) w[++n] = $i
				if (w[1] == "wait_" k && w[2] == "run_" k) found = 1 }
				END { exit !found }' && good=$((good + 1))
	done
	((good >= 5)) || fail "debug=0: $k's stack right in $good of 7 profiles"
done
pass "debug=0 (pprof_dump): every thread's stack from its function to its start routine; total 16"

# ... and through go tool pprof, with the labels
traces=$(go tool pprof -traces "$TMP/g0.pb.gz" 2>/dev/null)
for k in epoll_wait read accept sem_wait fgets cond_wait; do
	grep -q "wait_$k$" <<<"$traces" || fail "go tool pprof -traces: no wait_$k"
done
top=$(go tool pprof -top -tagfocus=worker=labeled "$TMP/g0.pb.gz" 2>/dev/null)
grep -q 'wait_labeled' <<<"$top" || fail "-tagfocus=worker=labeled misses wait_labeled: $top"
! grep -q 'wait_epoll_wait' <<<"$top" || fail "-tagfocus=worker=labeled selects unlabeled threads"
grep -q 'Type: goroutine' <<<"$top" || fail "go tool pprof: type is not goroutine"
pass "go tool pprof: stacks, and -tagfocus=worker=labeled selects the labeled thread only"

# debug=1: Go's aggregated text
grep -q '^goroutine profile: total 16$' "$TMP/g1.txt" || fail "debug=1 header: $(head -1 "$TMP/g1.txt")"
grep -q -E '^1 @( 0x[0-9a-f]+)+$' "$TMP/g1.txt" || fail "debug=1: no '1 @ pcs' record"
grep -q '^# labels: {"worker":"labeled"}$' "$TMP/g1.txt" || fail "debug=1: no labels line"
grep -q -E '^#	0x[0-9a-f]+	wait_epoll_wait\+0x[0-9a-f]+	.*blocked.c:[0-9]+$' "$TMP/g1.txt" ||
	fail "debug=1: no frame line for wait_epoll_wait"
pass "debug=1 text: total, records, labels line, frame lines"

# index page: the live threads, cprof's own excluded
[[ $live == 16 ]] || fail "the program had $live threads of its own, want 16"
grep -q "<td>16</td><td><a href='goroutine?debug=1'>goroutine</a>" <<<"$index" ||
	fail "index page: goroutine count is not 16: $(grep -o "<td>[0-9]*</td><td><a href='goroutine[^<]*" <<<"$index")"
pass "index page counts the 16 live threads"

# The CPU-bound thread is sampled on its own CPU clock within a bounded
# wait; on a loaded machine it may not run long enough in that window, and
# is then "runnable, no sample". Each dump must show one or the other, never
# another stack, and at least one of the 14 must have caught it.
sampled=0
for f in "$TMP"/g*.dump; do
	if check_dump "$f" burn; then
		sampled=$((sampled + 1))
	else
		grep -E -q '^thread [0-9]+ \[runnable, no sample, k-burn\]:$' "$f" ||
			fail "debug=2: k-burn neither sampled nor 'runnable, no sample' in $f"
	fi
done
for f in "$TMP"/g*.pb.gz; do
	st=$(awk -F' [|] ' '$2 ~ /burn/ || $2 ~ /runnable, no sample/ { print $2 }' "$f.txt")
	if grep -q '^wait_burn;run_burn;' <<<"$st"; then
		sampled=$((sampled + 1))
	else
		grep -q '^\[cprof\] runnable, no sample$' <<<"$st" ||
			fail "debug=0: the burn thread has neither its stack nor the no-sample frame: $st"
	fi
done
((sampled >= 1)) || fail "the CPU-bound thread was never sampled in 14 dumps"
pass "the running thread: sampled in $sampled of 14 dumps, 'runnable, no sample' otherwise"
