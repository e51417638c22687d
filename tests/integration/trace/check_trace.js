// check_trace.js FILE [THREAD...] - checks that a cprof trace obeys the
// Chrome Trace Event Format's rules and prints what the tests assert on.
//
// Checks (exit 1 with one line on the first failure): the file parses with
// JSON.parse (gunzipped first when it is gzip); every event has the fields
// its phase requires; on every thread, timestamps never go backwards and
// B/E pairs are balanced and nested with matching names; every task end
// has its begin; every "sf" and stack frame parent exists.
//
// Prints key=value lines: events, duration_ms, min_ts_us, max_ts_us,
// dropped (otherData) and dropped_instants, threads (names), thread_exits
// (thread exit events), and for each
// THREAD named on the command line: <name>_cpu_ms (its CPU samples times the
// period), then regions_n, region_p50_ms, region_max_ms, waits_n and per
// wait name: wait_<name>_n, _ms (total), _cat, _stack (the frames of its
// first wait with a stack, leaf first),
// tasks (name:parent-name pairs), logs_<category> counts, and per thread
// name T and wait name W: wait_T_W_n, wait_T_W_ms, wait_T_W_cat and
// wait_T_W_stack (of its first wait).
"use strict";
const fs = require("fs");
const zlib = require("zlib");

function fail(msg) {
	console.error("FAIL: " + msg);
	process.exit(1);
}

let raw = fs.readFileSync(process.argv[2]);
if (raw[0] === 0x1f && raw[1] === 0x8b) raw = zlib.gunzipSync(raw);
let t;
try {
	t = JSON.parse(raw.toString("utf8"));
} catch (e) {
	fail("not JSON: " + e.message);
}
if (!Array.isArray(t.traceEvents)) fail("no traceEvents array");
if (!["ns", "ms"].includes(t.displayTimeUnit)) fail("bad displayTimeUnit");
const frames = t.stackFrames || {};
for (const [id, f] of Object.entries(frames)) {
	if (typeof f.name !== "string") fail(`frame ${id} has no name`);
	if (f.parent !== undefined && !(f.parent in frames))
		fail(`frame ${id}: unknown parent ${f.parent}`);
}
function stack(sf) {
	const out = [];
	for (let id = sf, n = 0; id !== undefined; id = frames[id].parent) {
		if (!(id in frames)) fail(`unknown stack frame ${id}`);
		if (++n > 10000) fail("stack frame cycle");
		out.push(frames[id].name);
	}
	return out;
}

const isNum = (x) => typeof x === "number" && isFinite(x);
const threads = new Map(); // tid -> state
const names = new Map();
const tasks = new Map(); // id -> {name, parent}
const cpu = new Map(), regions = [], waits = [], logs = {}, pairs = [];
const allocs = [];
let exits = 0, dropped = 0, minTs = Infinity, maxTs = -Infinity;

t.traceEvents.forEach((e, i) => {
	const where = `event ${i} (${JSON.stringify(e).slice(0, 120)})`;
	if (typeof e.ph !== "string") fail(`${where}: no ph`);
	if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid))
		fail(`${where}: pid and tid must be integers`);
	if (typeof e.name !== "string") fail(`${where}: no name`);
	if (e.ph === "M") {
		if (!e.args || typeof e.args.name !== "string")
			fail(`${where}: metadata without args.name`);
		if (e.name === "thread_name") names.set(e.tid, e.args.name);
		return;
	}
	if (!isNum(e.ts)) fail(`${where}: no numeric ts`);
	minTs = Math.min(minTs, e.ts);
	maxTs = Math.max(maxTs, e.ts);
	if (!"BEXibe".includes(e.ph) || e.ph.length !== 1)
		fail(`${where}: unexpected phase`);
	if (e.sf !== undefined) stack(e.sf);
	let th = threads.get(e.tid);
	if (!th) threads.set(e.tid, (th = { last: -Infinity, open: [] }));
	if (e.ts < th.last) fail(`${where}: ts goes backwards on thread ${e.tid}`);
	th.last = e.ts;
	const name = () => names.get(e.tid) || String(e.tid);
	switch (e.ph) {
	case "B":
		th.open.push(e);
		break;
	case "E": {
		const b = th.open.pop();
		if (!b) fail(`${where}: E without B`);
		if (b.name !== e.name) fail(`${where}: E closes ${b.name}`);
		regions.push({ thread: e.tid, name: b.name, ms: (e.ts - b.ts) / 1e3 });
		break;
	}
	case "X":
		if (!isNum(e.dur) || e.dur < 0) fail(`${where}: X without dur`);
		waits.push({ thread: e.tid, name: e.name, cat: e.cat, ms: e.dur / 1e3,
			stack: e.sf !== undefined ? stack(e.sf) : [] });
		break;
	case "i":
		if (!["t", "p", "g"].includes(e.s)) fail(`${where}: bad scope`);
		if (e.cat === "cpu")
			cpu.set(e.tid, (cpu.get(e.tid) || 0) + e.args.periods);
		if (e.cat === "log") logs[e.name] = (logs[e.name] || 0) + 1;
		if (e.cat === "alloc") allocs.push(e);
		if (e.cat === "cprof") dropped += e.args.count;
		if (e.name === "thread exit") exits++;
		break;
	case "b":
		if (e.id === undefined || e.cat === undefined)
			fail(`${where}: async event without id or cat`);
		tasks.set(e.id, { name: e.name, parent: e.args.parent });
		break;
	case "e":
		if (!tasks.has(e.id)) fail(`${where}: task end without begin`);
		break;
	}
});
for (const [tid, th] of threads)
	if (th.open.length) fail(`thread ${tid}: ${th.open.length} regions left open`);

const period = Number(t.otherData.cpu_period_ns) / 1e6;
const out = {
	events: t.traceEvents.length,
	duration_ms: Number(t.otherData.duration_ns) / 1e6,
	min_ts_us: minTs,
	max_ts_us: maxTs,
	dropped: Number(t.otherData.dropped_events),
	dropped_instants: dropped,
	threads: [...names.values()].join(","),
	thread_exits: exits,
	// Sampled allocations, and those on a named thread at a time inside
	// the trace (records without thread or time must not get here).
	alloc_n: allocs.length,
	alloc_placed_n: allocs.filter((e) => names.has(e.tid) && e.ts >= 0 &&
		e.ts <= Number(t.otherData.duration_ns) / 1e3).length,
};
const byName = (n) => [...names].filter(([, v]) => v === n).map(([k]) => k);
for (const who of process.argv.slice(3)) {
	const tids = byName(who);
	out[`${who}_cpu_ms`] = tids.reduce((s, tid) => s + (cpu.get(tid) || 0), 0) * period;
}
const r = regions.map((x) => x.ms).sort((a, b) => a - b);
out.regions_n = r.length;
out.region_p50_ms = r.length ? r[Math.ceil(r.length / 2) - 1] : 0;
out.region_max_ms = r.length ? r[r.length - 1] : 0;
out.waits_n = waits.length;
for (const w of waits) {
	const k = `wait_${w.name}`;
	out[`${k}_n`] = (out[`${k}_n`] || 0) + 1;
	out[`${k}_ms`] = (out[`${k}_ms`] || 0) + w.ms;
	out[`${k}_cat`] = w.cat;
	if (!out[`${k}_stack`]) out[`${k}_stack`] = w.stack.join(";");
}
out.tasks = [...tasks.values()]
	.map((x) => `${x.name}:${x.parent ? (tasks.get(String(x.parent)) || { name: "?" }).name : "-"}`)
	.join(",");
for (const [k, v] of Object.entries(logs)) out[`logs_${k}`] = v;
for (const w of waits) {
	const key = `wait_${names.get(w.thread) || w.thread}_${w.name}`;
	if (out[`${key}_n`] === undefined) {
		out[`${key}_n`] = 0;
		out[`${key}_ms`] = 0;
		out[`${key}_stack`] = w.stack.join(";");
		out[`${key}_cat`] = w.cat;
	}
	out[`${key}_n`]++;
	out[`${key}_ms`] += w.ms;
}
for (const [k, v] of Object.entries(out)) console.log(`${k}=${v}`);
