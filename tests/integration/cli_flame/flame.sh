#!/usr/bin/env bash
# cprof flame: a self-contained page (no external reference at all) whose
# data is the profile's call tree, then the page itself in headless
# Chromium: it renders, zooms on a click, shows tooltips, highlights a
# search (browser.js). Leaves a screenshot in the build tree:
# test-artifacts/cli_flame/flame.png. Skips (exit 77) only when chromium
# or node is not installed.
source "$(dirname "$0")/lib.sh"
known_profiles

"$CLI" flame "$TMP/new.pb.gz" -o "$TMP/new.html"
page=$TMP/new.html
[[ -s $page ]] || fail "no page written"
grep -qiE '<(link|img|iframe)|<script[^>]* src=|@import|url\(' "$page" &&
	fail "the page references something outside itself"
grep -qE '(src|href)=["'\'']?(https?:)?//' "$page" && fail "the page loads from the network"
[[ $(grep -c '<script' "$page") -eq 2 ]] || fail "want exactly the data and the code scripts"
pass "the page is self-contained ($(wc -c <"$page") bytes)"

# The embedded data: the known tree, all sample types, cpu shown first.
if [[ -n ${NODE:-} ]]; then
	"$NODE" -e '
		const html = require("fs").readFileSync(process.argv[1], "utf8");
		const m = /<script id="cprof-data" type="application\/json">([^]*?)<\/script>/.exec(html);
		const d = JSON.parse(m[1]);
		const fail = (w) => { console.error("FAIL: " + w); process.exit(1); };
		if (d.types.length !== 2 || d.types[d.dflt][0] !== "cpu") fail("types " + JSON.stringify(d));
		const at = (n) => d.name.findIndex((x) => d.names[x] === n);
		if (d.values[1][0] !== 180000000 || d.values[0][0] !== 18) fail("root totals");
		if (d.values[1][at("serve")] !== 100000000) fail("serve total");
		if (d.depth[at("memcpy")] !== 4) fail("memcpy depth");
		if (!d.names.includes("weird?name")) fail("names not sanitized");
	' "$page" || fail "the page's data"
	pass "the page's data is the known call tree"
fi
"$CLI" flame -sample_index=samples -title='a <b>&"title' "$TMP/new.pb.gz" >"$TMP/s.html"
grep -q '"dflt":0,' "$TMP/s.html" || fail "-sample_index=samples not shown first"
grep -q 'a \\u003cb\\u003e\\u0026\\"title' "$TMP/s.html" || fail "-title not escaped"
pass "-sample_index and -title (escaped) reach the page"

need_browser
mkdir -p "$CLI_FLAME_ARTIFACTS"
rm -f "$CLI_FLAME_ARTIFACTS/flame.png"
"$NODE" "$here/browser.js" "$CHROMIUM" "$page" \
	"$CLI_FLAME_ARTIFACTS/flame.png" || fail "the page in Chromium"
expect_png "$CLI_FLAME_ARTIFACTS/flame.png"
