#!/usr/bin/env bash
# cprof trace -html: the timeline page of a trace of a program with a known
# ground truth (tests/programs/trace_truth.c). The page is self-contained;
# in headless Chromium (timeline.js) its lanes, the intervals it draws, a
# click's details, zoom, pan and search are checked against the trace and
# the program's own measurements. Leaves a screenshot in the build tree:
# test-artifacts/cli_flame/timeline.png. Bad input: one line, exit status
# 2, no page. Skips (exit 77) only when chromium or node is missing,
# outside CI.
source "$(dirname "$0")/lib.sh"

CPROF_TRACE=$TMP/trace.json "$PROGRAMS/trace_truth" --burn-ms 150 \
	--regions 5 --region-ms 30 --waits 3 --wait-ms 40 --sleeps 3 \
	--sleep-ms 40 --locks 3 --lock-ms 40 >"$TMP/truth"
cat "$TMP/truth"
"$CLI" trace -html -o "$TMP/t.html" "$TMP/trace.json" || fail "-html failed"
page=$TMP/t.html
[[ -s $page ]] || fail "no page written"
grep -qiE '<(link|img|iframe)|<script[^>]* src=|@import|url\(' "$page" &&
	fail "the page references something outside itself"
grep -qE '(src|href)=["'\'']?(https?:)?//' "$page" && fail "the page loads from the network"
[[ $(grep -c '<script' "$page") -eq 2 ]] || fail "want exactly the data and the code scripts"
pass "the page is self-contained ($(wc -c <"$page") bytes, trace $(wc -c <"$TMP/trace.json") bytes)"

# stdout (not a terminal) gets the same page; -title is escaped
"$CLI" trace -html "$TMP/trace.json" | cmp -s - "$page" || fail "stdout differs from -o"
"$CLI" trace -html -title 'a <b>&"title' -o "$TMP/title.html" "$TMP/trace.json"
grep -q '"title":"a \\u003cb\\u003e\\u0026\\"title"' "$TMP/title.html" ||
	fail "-title not escaped"
pass "stdout and -o agree; -title reaches the page escaped"

# The page's data holds every event of the trace (counted by kind), and
# the drops: a tiny buffer overflows under a burst of logs.
CPROF_TRACE_BUFFER=1024 CPROF_TRACE=$TMP/drops.json "$PROGRAMS/trace_truth" \
	--burn-ms 10 --regions 20 --region-ms 0 --waits 1 --wait-ms 1 \
	--burst 20000 >/dev/null
"$CLI" trace -html -o "$TMP/drops.html" "$TMP/drops.json" || fail "-html failed"
grep -q '"dropped":0,' "$TMP/drops.html" && fail "no drops in the drops trace"
for t in trace drops; do
	[[ -n ${NODE:-} ]] || break
	[[ $t == trace ]] && html=$page || html=$TMP/drops.html
	"$NODE" -e '
		const fs = require("fs");
		const html = fs.readFileSync(process.argv[1], "utf8");
		const d = JSON.parse(/<script id="cprof-data" type="application\/json">([^]*?)<\/script>/.exec(html)[1]);
		const tr = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
		const ev = tr.traceEvents, n = (f) => ev.filter(f).length;
		const sum = (k, stride, f) => d.threads.reduce((a, t) => {
			for (let i = 0; i < t[k].length; i += stride) a += f(t[k], i);
			return a; }, 0);
		const got = {
			waits: sum("w", 5, () => 1), samples: sum("s", 3, () => 1),
			regions: sum("r", 5, () => 1), logs: sum("m", 5, (m, i) => m[i + 1] === 0),
			dropped: sum("m", 5, (m, i) => m[i + 1] === 1 ? m[i + 4] : 0) +
				d.marks.filter((x, i) => i % 5 === 4).reduce((a, x) => a + x, 0),
			tasks: d.tasks.length / 6, threads: d.threads.length };
		const want = {
			waits: n((e) => e.ph === "X"), samples: n((e) => e.cat === "cpu"),
			regions: n((e) => e.ph === "E"), logs: n((e) => e.cat === "log"),
			dropped: +tr.otherData.dropped_events, tasks: n((e) => e.ph === "b"),
			threads: n((e) => e.name === "thread_name") };
		if (JSON.stringify(got) !== JSON.stringify(want)) {
			console.error("page " + JSON.stringify(got) + "\ntrace " + JSON.stringify(want));
			process.exit(1);
		}
		console.log(JSON.stringify(got));
	' "$html" "$TMP/$t.json" >"$TMP/counts" || fail "$t: the page lacks events"
	pass "$t: the page has every event: $(cat "$TMP/counts")"
done

# Bad input: one line, status 2, and no page, not even an empty one.
head -c 3000 "$TMP/trace.json" >"$TMP/cut.json"
expect_bad "truncated trace" "$CLI" trace -html -o "$TMP/bad.html" "$TMP/cut.json"
[[ ! -e $TMP/bad.html ]] || fail "a page was written for a truncated trace"
printf '\037\213\010\000garbage' >"$TMP/bad.gz"
expect_bad "corrupt gzip" "$CLI" trace -html -o "$TMP/bad.html" "$TMP/bad.gz"
echo '{"traceEvents":[{"ph":"X","name":"read","tid":7}]}' >"$TMP/nots.json"
expect_bad "an event without ts" "$CLI" trace -html -o "$TMP/bad.html" "$TMP/nots.json"
echo '{"traceEvents":[{"ph":"i","cat":"cpu","ts":1,"tid":7,"sf":"9"}],"stackFrames":{}}' >"$TMP/nosf.json"
expect_bad "an unknown stack frame" "$CLI" trace -html -o "$TMP/bad.html" "$TMP/nosf.json"
[[ ! -e $TMP/bad.html ]] || fail "a page was written for bad input"
expect_bad "-html with -pprof" "$CLI" trace -html -pprof sync "$TMP/trace.json"
expect_bad "-title without -html" "$CLI" trace -title x "$TMP/trace.json"

need_browser
mkdir -p "$CLI_FLAME_ARTIFACTS"
rm -f "$CLI_FLAME_ARTIFACTS/timeline.png"
"$NODE" "$here/timeline.js" "$CHROMIUM" "$page" "$TMP/trace.json" \
	"$TMP/truth" "$CLI_FLAME_ARTIFACTS/timeline.png" || fail "the page in Chromium"
expect_png "$CLI_FLAME_ARTIFACTS/timeline.png"
