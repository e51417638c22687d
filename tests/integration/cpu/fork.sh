# fork.sh: a profiled program that forks in a loop (children that exit, and
# children that exec a profiled program of their own) neither crashes nor
# hangs; every child exits 0; the parent's profile is valid and shows its
# own work; each exec'd child wrote its own profile (%p in the path).
source "$(dirname "$0")/../lib.sh"
cd "$TMP"
timeout 120 env CPROF_CPU_PROFILE="$TMP/cpu-%p.pb.gz" LD_PRELOAD="$CPROF_LIB" \
	"$PROGRAMS/forker" 200 /bin/true >"$TMP/out" 2>"$TMP/err" &
pid=$!
CLEANUP_PIDS+=("$pid")
wait "$pid" || { cat "$TMP/out" "$TMP/err"; fail "forker failed (status $?)"; }
grep -q 'forked 200' "$TMP/out" || fail "forker did not finish"
[[ ! -s $TMP/err ]] || { cat "$TMP/err"; fail "unexpected messages"; }
parent=
for f in "$TMP"/cpu-*.pb.gz; do
	if pprof_top "$f" | grep -q forker_burn; then
		parent=$f
		break
	fi
done
[[ -n $parent ]] || fail "no profile shows forker_burn"
n=$(ls "$TMP"/cpu-*.pb.gz | wc -l)
# 100 exec'd children (i odd) run /bin/true under LD_PRELOAD and write
# their own (empty) profiles; fork-only children write none.
[[ $n == 101 ]] || fail "expected 101 profiles (parent + 100 exec'd children), found $n"
for f in "$TMP"/cpu-*.pb.gz; do
	go tool pprof -raw "$f" >/dev/null 2>&1 || fail "$f is not a valid profile"
done
pass "200 forks, 100 execs: parent profile $parent valid, $n profiles in all"
