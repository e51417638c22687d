# wrappers.sh: every interposed blocking call (and its _FORTIFY_SOURCE
# variant) returns the same value and leaves the same errno with cprof as
# without it, in success, failure and signal cases (wrappers.c).
source "$(dirname "$0")/../lib.sh"
prog=$CPROF_BUILD_DIR/tests/integration/threads/wrappers
"$prog" >"$TMP/plain" || fail "wrappers failed without cprof"
LD_PRELOAD=$CPROF_LIB "$prog" >"$TMP/cprof" || fail "wrappers failed under cprof"
diff "$TMP/plain" "$TMP/cprof" || fail "return values or errno differ under cprof"
[[ $(wc -l <"$TMP/plain") -ge 40 ]] || fail "only $(wc -l <"$TMP/plain") calls ran"
exports=$(nm -D "$CPROF_LIB")
grep -q " T __read_chk$" <<<"$exports" || fail "__read_chk is not interposed"
undefs=$(nm "$prog")
grep -q " U __read_chk" <<<"$undefs" || fail "the program does not call __read_chk"
pass "$(wc -l <"$TMP/plain") calls: same return values and errno with and without cprof"
