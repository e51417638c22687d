# lib.sh - what the cli_flame tests share, on top of ../lib.sh.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
: "${CPROF_CLI:?run through ctest}"
CLI=$CPROF_CLI

# known_profiles: $TMP/new.pb.gz and $TMP/base.pb.gz (make_profile.c).
known_profiles() {
	"$CLI_FLAME_MAKE_PROFILE" new "$TMP/new.pb.gz"
	"$CLI_FLAME_MAKE_PROFILE" base "$TMP/base.pb.gz"
}

# expect_bad NAME CMD...: CMD exits 2 with exactly one line on stderr,
# starting "cprof: ", and nothing on stdout.
expect_bad() {
	local name=$1 rc=0
	shift
	"$@" >"$TMP/bad.out" 2>"$TMP/err" </dev/null || rc=$?
	[[ $rc -eq 2 ]] || fail "$name: exit status $rc, want 2 ($(cat "$TMP/err"))"
	[[ $(wc -l <"$TMP/err") -eq 1 ]] ||
		fail "$name: want one line on stderr, got: $(cat "$TMP/err")"
	grep -q '^cprof: ' "$TMP/err" || fail "$name: stderr: $(cat "$TMP/err")"
	[[ ! -s $TMP/bad.out ]] || fail "$name: wrote to stdout: $(head -c 200 "$TMP/bad.out")"
	pass "$name: $(cat "$TMP/err")"
}

# need_browser: exit 77 (skip) without chromium and node; CI installs both
# (scripts/debian-packages.txt), so there a missing browser is a failure.
need_browser() {
	[[ -n ${CHROMIUM:-} && -x ${CHROMIUM:-} && -n ${NODE:-} ]] && return 0
	[[ -z ${CI:-} ]] || fail "chromium or node is missing"
	echo "SKIP: the browser test needs chromium and node" \
		"(apt-get install chromium nodejs)"
	exit 77
}

# expect_png FILE: FILE is a PNG (a page's screenshot).
expect_png() {
	[[ $(head -c 8 "$1" | od -An -tx1 | tr -d ' ') == 89504e470d0a1a0a ]] ||
		fail "the screenshot $1 is not a PNG"
	pass "screenshot: $1"
}
