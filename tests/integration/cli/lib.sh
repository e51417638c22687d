# lib.sh - what the cli tests share, on top of ../lib.sh: $CPROF_CLI, a
# Go pprof server program built into $TMP/cliprof, and the error check.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
: "${CPROF_CLI:?}"
here=$(cd "$(dirname "$0")" && pwd)
cd "$TMP"

(cd "$here/goprof" && go build -o "$TMP/cliprof" .)

# expect_error WANT_TEXT ARGS...: status 2, one line containing WANT_TEXT.
expect_error() {
	local want=$1 rc lines
	shift
	set +e
	timeout 60 "$CPROF_CLI" "$@" >out 2>err
	rc=$?
	set -e
	lines=$(wc -l <err)
	if [[ $rc != 2 || $lines != 1 ]] || ! grep -qF -- "$want" err; then
		fail "cprof $*: status $rc, $lines stderr lines (want 2, 1 with '$want'): $(cat err)"
	fi
	pass "cprof $*: $(cat err)"
}
