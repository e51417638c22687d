# missing.sh WHY: a dependency of a test is missing. Under CI (which
# installs scripts/debian-packages.txt) that is a failure; elsewhere the
# test is skipped (exit 77) with the reason.
if [[ -n ${CI:-} ]]; then
	echo "FAIL: $1" >&2
	exit 1
fi
echo "skipped: $1"
exit 77
