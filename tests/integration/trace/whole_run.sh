# whole_run.sh - CPROF_TRACE traces a program with a known ground truth
# (tests/programs/trace_truth.c) for its whole run, written at exit.
# Asserted, through a standard JSON parser (node) and through `cprof trace`:
# the format's rules (check_trace.js); the burner's CPU time, the regions'
# median and longest length, the waits' total, each within 10 % of what the
# program measured; the sleeper's nanosleeps and the locker's waits in
# pthread_mutex_lock, recorded by cprof's own hooks, within 10 % too and
# with the waiting function on top of their stacks, and their kinds; the
# task's parent; the logs; the thread names; the -pprof profiles as go
# tool pprof reads them; a .gz path gives a gzip'd trace.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_trace.sh"

CPROF_TRACE=$TMP/trace.json "$TRUTH" --burn-ms 300 --regions 10 \
	--region-ms 30 --waits 5 --wait-ms 40 >"$TMP/truth"
cat "$TMP/truth"
[[ -s $TMP/trace.json ]] || fail "CPROF_TRACE wrote nothing at exit"
check "$TMP/trace.json" burner
cat "$TMP/summary"

within "burner CPU ms" "$(val burner_cpu_ms)" \
	"$(awk -v n="$(val burner_cpu_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
within "region p50 ms" "$(val region_p50_ms)" \
	"$(awk -v n="$(val region_p50_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
within "region max ms" "$(val region_max_ms)" \
	"$(awk -v n="$(val region_max_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
[[ $(val regions_n) == 10 ]] || fail "regions: $(val regions_n), want 10"
[[ $(val wait_fake_lock_n) == 5 && $(val wait_fake_lock_cat) == lock ]] ||
	fail "fake_lock waits: $(val wait_fake_lock_n) of kind $(val wait_fake_lock_cat)"
within "fake_lock wait total ms" "$(val wait_fake_lock_ms)" \
	"$(awk -v n="$(val wait_total_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
[[ $(val wait_fake_lock_stack) == fake_lock_wait\;waiter\;* ]] ||
	fail "the fake_lock wait's stack is $(val wait_fake_lock_stack)"
pass "fake_lock stack $(val wait_fake_lock_stack)"
# A wait the program timed itself (cprof_trace_wait): its length, its kind,
# and a stack that starts where the program called.
[[ $(val wait_timed_sleep_n) == 1 && $(val wait_timed_sleep_cat) == sleep ]] ||
	fail "timed_sleep: $(val wait_timed_sleep_n) of kind $(val wait_timed_sleep_cat)"
within "timed_sleep ms" "$(val wait_timed_sleep_ms)" \
	"$(awk -v n="$(val timed_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 1
[[ $(val wait_timed_sleep_stack) == timed_sleep_wait\;waiter\;* ]] ||
	fail "the timed_sleep stack is $(val wait_timed_sleep_stack)"
pass "timed_sleep stack $(val wait_timed_sleep_stack)"

# The waits cprof's hooks record: nanosleep (kind sleep) and a contended
# pthread_mutex_lock (kind lock), each stack starting at the host's call.
ms() { awk -v n="$(val "$1" "$TMP/truth")" 'BEGIN { print n / 1e6 }'; }
[[ $(val wait_sleeper_nanosleep_n) == 5 ]] ||
	fail "sleeper: $(val wait_sleeper_nanosleep_n) nanosleeps, want 5"
within "sleeper nanosleep ms" "$(val wait_sleeper_nanosleep_ms)" "$(ms sleep_total_ns)" 10
[[ $(val wait_sleeper_nanosleep_stack) == sleep_ms\;sleep_once\;sleeper\;* ]] ||
	fail "the nanosleep's stack is $(val wait_sleeper_nanosleep_stack)"
[[ $(val wait_locker_pthread_mutex_lock_n) == 5 ]] ||
	fail "locker: $(val wait_locker_pthread_mutex_lock_n) lock waits, want 5"
within "locker pthread_mutex_lock ms" "$(val wait_locker_pthread_mutex_lock_ms)" \
	"$(ms lock_wait_ns)" 10
[[ $(val wait_locker_pthread_mutex_lock_stack) == lock_wait\;locker\;* ]] ||
	fail "the lock wait's stack is $(val wait_locker_pthread_mutex_lock_stack)"
[[ $(val wait_sleeper_nanosleep_cat) == sleep && $(val wait_locker_pthread_mutex_lock_cat) == lock &&
	$(val wait_locker_read_cat) == syscall ]] ||
	fail "wait kinds: nanosleep $(val wait_sleeper_nanosleep_cat), pthread_mutex_lock $(val wait_locker_pthread_mutex_lock_cat), read $(val wait_locker_read_cat)"
pass "hooks: nanosleep $(val wait_sleeper_nanosleep_stack), pthread_mutex_lock $(val wait_locker_pthread_mutex_lock_stack)"
[[ $(val tasks) == *job:request* ]] || fail "tasks: $(val tasks)"
[[ $(val logs_progress) == 10 && $(val logs_start) == 1 ]] ||
	fail "logs: progress $(val logs_progress), start $(val logs_start)"
for t in burner regions waiter sleeper holder locker; do
	[[ ,$(val threads), == *,$t,* ]] || fail "no thread named $t"
done
# The three joined threads exited before the program wrote the trace.
(( $(val thread_exits) >= 3 )) || fail "thread exits: $(val thread_exits), want >= 3"
pass "tasks $(val tasks), logs, thread names $(val threads)"

# Sampled allocations (every one, at CPROF_MEM_RATE=1: at least the
# stdout buffer's) carry their thread and a time inside the trace.
CPROF_TRACE=$TMP/alloc.json CPROF_MEM_RATE=1 "$TRUTH" --burn-ms 20 \
	--regions 1 --region-ms 1 --waits 1 --wait-ms 1 >"$TMP/truth_alloc"
check "$TMP/alloc.json"
(( $(val alloc_n) >= 1 )) || fail "no sampled allocation in the trace"
[[ $(val alloc_placed_n) == "$(val alloc_n)" ]] ||
	fail "allocations: $(val alloc_placed_n) of $(val alloc_n) on a named thread inside the trace"
pass "$(val alloc_n) sampled allocations, each on its thread and in time"

# The CLI's analysis of the same file.
"$CLI" trace "$TMP/trace.json" >"$TMP/report" || fail "cprof trace failed"
cat "$TMP/report"
row() { awk -v n="$1" '$2 == n' "$TMP/report"; }   # a thread
span() { awk -v n="$1" '$1 == n' "$TMP/report"; }  # a region or task
within "cprof trace: burner running ms" "$(row burner | awk '{ print $4 }')" \
	"$(awk -v n="$(val burner_cpu_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
within "cprof trace: waiter locks ms" "$(row waiter | awk '{ print $5 }')" \
	"$(awk -v n="$(val wait_total_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
within "cprof trace: waiter sleeping ms" "$(row waiter | awk '{ print $7 }')" \
	"$(awk -v n="$(val timed_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
within "cprof trace: locker locks ms" "$(row locker | awk '{ print $5 }')" \
	"$(ms lock_wait_ns)" 10
within "cprof trace: sleeper sleeping ms" "$(row sleeper | awk '{ print $7 }')" \
	"$(ms sleep_total_ns)" 10
within "cprof trace: region work p50 ms" "$(span work | awk '{ print $3 }')" \
	"$(awk -v n="$(val region_p50_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
within "cprof trace: region work max ms" "$(span work | awk '{ print $6 }')" \
	"$(awk -v n="$(val region_max_ns "$TMP/truth")" 'BEGIN { print n / 1e6 }')" 10
[[ $(span job | awk '{ print $2 }') == 1 ]] || fail "cprof trace: no task job"
grep -q '^Threads alive' "$TMP/report" || fail "no thread count over time"

# Profiles derived from the trace, read by go tool pprof and cprof top.
"$CLI" trace -pprof sync -o "$TMP/sync.pb.gz" "$TMP/trace.json" ||
	fail "-pprof sync failed"
top=$(pprof_top "$TMP/sync.pb.gz")
echo "$top" | head -8
# cum ms of a function in -top -unit=ms
cum_ms() { awk -v f="$1" '$6 == f { sub("ms", "", $4); print $4 }' <<<"$top"; }
within "sync profile: fake_lock_wait ms" "$(cum_ms fake_lock_wait)" "$(ms wait_total_ns)" 10
within "sync profile: lock_wait ms" "$(cum_ms lock_wait)" "$(ms lock_wait_ns)" 10
"$CLI" trace -pprof cpu -o "$TMP/cpu.pb.gz" "$TMP/trace.json" ||
	fail "-pprof cpu failed"
"$CLI" top "$TMP/cpu.pb.gz" | grep -q burn_cpu || fail "cprof top: no burn_cpu"
pct=$(pprof_cum_pct "$(pprof_top "$TMP/cpu.pb.gz")" burn_cpu)
assert_near "cpu profile: burn_cpu cum %" "$pct" 100 5
rc=0
"$CLI" trace -pprof net "$TMP/trace.json" 2>"$TMP/err" >/dev/null || rc=$?
[[ $rc == 2 ]] && grep -q 'not sync, syscall, sleep or cpu' "$TMP/err" ||
	fail "-pprof net: status $rc, $(cat "$TMP/err")"
echo '{"traceEvents": [' >"$TMP/bad.json"
rc=0
"$CLI" trace "$TMP/bad.json" 2>"$TMP/err" >/dev/null || rc=$?
[[ $rc == 2 && $(wc -l <"$TMP/err") == 1 ]] ||
	fail "a truncated file: status $rc, $(cat "$TMP/err")"
pass "bad input: $(cat "$TMP/err")"

# A .gz path: gzip'd, and the CLI reads it as is.
CPROF_TRACE=$TMP/trace.json.gz "$TRUTH" --burn-ms 20 --regions 2 \
	--region-ms 5 --waits 1 --wait-ms 5 >/dev/null
gzip -t "$TMP/trace.json.gz" || fail "the .gz trace is not gzip"
check "$TMP/trace.json.gz"
"$CLI" trace "$TMP/trace.json.gz" | grep -q '^  work ' ||
	fail "cprof trace cannot read the .gz trace"
pass "CPROF_TRACE=*.gz writes gzip"
