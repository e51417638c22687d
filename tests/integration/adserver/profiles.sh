# profiles.sh: a few seconds of wrk load on each mode of the ad server,
# its profiles fetched meanwhile; the naive mode's bottlenecks are named
# by the profile that should show each, and are gone in the tuned mode:
#
#   thread per statistic    threadcreate (the creating function on top),
#                           CPU (pthread_create)
#   one SET per key         CPU (store_set_one)
#   JSON document tree      allocs, alloc_objects (json_tree_decision)
#   worst-case buffer       allocs, alloc_space (naive_respond)
#
# and the request labels (endpoint, slot) are on the samples.
# Checked with our CLI (cprof top) and, for threadcreate and alloc_space,
# with go tool pprof. The expectations are one table below: a new profile
# (block, mutex) is a new line. No speed is asserted.
source "$(dirname "$0")/lib.sh"
ads_redis 20000 2000
# A sampled allocation every 16 KiB on average (not 512 KiB): the tuned
# JSON buffers, ~700 bytes each, are then sampled dozens of times even in
# a slow run (cprof_start reads CPROF_* for the options it is not given).
export CPROF_MEM_RATE=16384
cprof=$CPROF_BUILD_DIR/src/cli/cprof

# profile MODE: loads MODE for 5 s; meanwhile CPU and allocs over 3 s,
# then threadcreate; into $TMP/MODE.
profile() {
	local mode=$1 dir=$TMP/$1 wrk_pid cpu_pid
	mkdir -p "$dir"
	ads_start "$CPROF_BUILD_DIR" "$mode" "$dir"
	wrk -t2 -c8 -d5s -s "$ADS_SRC/load.lua" "http://127.0.0.1:$ADS_PORT" -- 20000 \
		>"$dir/wrk.txt" 2>&1 &
	wrk_pid=$!
	sleep 1
	curl -sS -f -o "$dir/cpu.pb.gz" "$ADS_PPROF/profile?seconds=3" &
	cpu_pid=$!
	curl -sS -f -o "$dir/allocs.pb.gz" "$ADS_PPROF/allocs?seconds=3" ||
		fail "$mode: fetching allocs"
	wait "$cpu_pid" || fail "$mode: fetching the CPU profile"
	curl -sS -f -o "$dir/threadcreate.pb.gz" "$ADS_PPROF/threadcreate" ||
		fail "$mode: fetching threadcreate"
	wait "$wrk_pid" || fail "$mode: wrk: $(tail -2 "$dir/wrk.txt")"
	grep -q "Requests/sec" "$dir/wrk.txt" || fail "$mode: wrk printed no rate"
	ads_stop
}

# pct FILE INDEX FUNCTION flat|cum: FUNCTION's share in cprof top (0 when
# absent); INDEX is a sample_index or - for the default.
pct() {
	local args=(-nodecount=1000000 -nodefraction=0)
	[[ $2 != - ]] && args+=(-sample_index="$2")
	"$cprof" top "${args[@]}" "$1" 2>/dev/null | awk -v f="$3" -v c="$4" '
		!found && $6 == f { v = (c == "flat") ? $2 : $5; sub("%", "", v); print v; found = 1 }
		END { if (!found) print 0 }'   # reads to the end: no SIGPIPE upstream
}

# check MODE KIND INDEX FUNCTION flat|cum OP LIMIT
check() {
	local mode=$1 kind=$2 index=$3 fn=$4 col=$5 op=$6 limit=$7 got
	got=$(pct "$TMP/$mode/$kind.pb.gz" "$index" "$fn" "$col")
	if awk -v g="$got" -v l="$limit" -v op="$op" 'BEGIN {
		exit !((op == ">=" && g + 0 >= l + 0) || (op == "<=" && g + 0 <= l + 0)) }'; then
		pass "$mode $kind ${index/#-/}: $fn $col $got% ($op $limit%)"
	else
		"$cprof" top -nodecount=15 ${index/#-/-sample_index=cpu} "$TMP/$mode/$kind.pb.gz" >&2 || true
		fail "$mode $kind ${index/#-/}: $fn $col $got%, want $op $limit%"
	fi
}

profile naive
profile tuned

while read -r line; do
	[[ -z $line || $line == \#* ]] && continue
	check $line
done <<'EOF_TABLE'
# mode  profile       sample_index   function             col   op  limit
naive   threadcreate  -              naive_spawn_subtask  flat  >=  90
naive   cpu           -              pthread_create       cum   >=  8
naive   cpu           -              store_set_one        cum   >=  2
naive   allocs        alloc_objects  json_tree_decision   cum   >=  5
naive   allocs        alloc_space    naive_respond        cum   >=  50
tuned   threadcreate  -              naive_spawn_subtask  cum   <=  0
tuned   cpu           -              pthread_create       cum   <=  0.5
tuned   cpu           -              store_set_one        cum   <=  0
tuned   cpu           -              tuned_handle         cum   >=  10
tuned   allocs        alloc_objects  json_tree_decision   cum   <=  0
tuned   allocs        alloc_objects  json_decision_write  cum   >=  0.1
tuned   allocs        alloc_space    naive_respond        cum   <=  0
EOF_TABLE

# Labels: requests run under endpoint=/ad and slot=NAME, and the naive
# statistics threads inherit them, so they label their creation too.
tag_share() {
	"$cprof" top -tagfocus="$2" -nodecount=1000000 -nodefraction=0 "$1" 2>/dev/null |
		sed -n 's/^Showing nodes accounting for .*, \([0-9.]*\)% of .*/\1/p' | head -1
}
for f in naive/cpu tuned/cpu naive/threadcreate; do
	got=$(tag_share "$TMP/$f.pb.gz" 'endpoint=/ad')
	awk -v g="${got:-0}" 'BEGIN { exit !(g >= 30) }' ||
		fail "$f: samples labelled endpoint=/ad: ${got:-0}%, want >= 30%"
	pass "$f: ${got}% of the samples labelled endpoint=/ad"
done
feed=$(tag_share "$TMP/naive/cpu.pb.gz" 'slot=feed')
awk -v g="${feed:-0}" 'BEGIN { exit !(g > 5 && g < 60) }' ||
	fail "naive cpu: slot=feed holds ${feed:-0}% (about 3/11 of the requests)"
pass "naive cpu: slot=feed holds ${feed}% of the samples"

# The tuned mode creates its threads once, from main: the HTTP pool and
# the writers (our decoder: every stack goes through main).
dump=$("$CPROF_BUILD_DIR/tests/tools/pprof_dump" "$TMP/tuned/threadcreate.pb.gz")
tc=$(awk -F' [|] ' '/ [|] / { n += $1 } END { print n + 0 }' <<<"$dump")
((tc >= 3 && tc <= 12)) || fail "tuned mode: $tc threads created (want the pools only, 3..12): $dump"
if grep ' | ' <<<"$dump" | grep -v -q ';main;'; then
	fail "tuned mode: a thread created outside main: $dump"
fi
pass "tuned threadcreate: $tc threads, all created from main"

# go tool pprof reads the same tops.
top=$(go tool pprof -top -nodecount=3 "$TMP/naive/threadcreate.pb.gz" 2>/dev/null)
awk 'f { print $6; exit } /flat%/ { f = 1 }' <<<"$top" | grep -qx naive_spawn_subtask ||
	fail "go tool pprof: naive_spawn_subtask is not the top of threadcreate: $top"
top=$(go tool pprof -top -sample_index=alloc_space -nodecount=3 "$TMP/naive/allocs.pb.gz" 2>/dev/null)
awk 'f { print $6; exit } /flat%/ { f = 1 }' <<<"$top" | grep -qx naive_respond ||
	fail "go tool pprof: naive_respond is not the top of alloc_space: $top"
pass "go tool pprof: threadcreate and alloc_space name the same functions"
