# dl_host.sh: the host sees the same dl* results under libcprof as without
# it (return values, errno, dlerror text, a bare name found through the
# program's RUNPATH, dlmopen), and the CPU profile of the run is written.
source "$(dirname "$0")/../lib.sh"
: "${DL_HOST:?}" "${UNWIND_PLUGIN:?}" "${DL_RUNPATH_NAME:?}"

"$DL_HOST" "$UNWIND_PLUGIN" "$DL_RUNPATH_NAME" >"$TMP/plain.out" ||
	fail "dl_host failed without cprof"
grep -q "dlopen bare name via RUNPATH: ok" "$TMP/plain.out" ||
	fail "the RUNPATH library is not found even without cprof"
CPROF_CPU_PROFILE=$TMP/cpu.pb.gz LD_PRELOAD=$CPROF_LIB \
	"$DL_HOST" "$UNWIND_PLUGIN" "$DL_RUNPATH_NAME" >"$TMP/cprof.out" ||
	fail "dl_host failed under cprof"
cat "$TMP/cprof.out"
diff -u "$TMP/plain.out" "$TMP/cprof.out" ||
	fail "the host sees a difference under cprof"
[[ -s $TMP/cpu.pb.gz ]] || fail "no profile written"
pass "dlopen/dlmopen/dlclose look the same with and without cprof"
