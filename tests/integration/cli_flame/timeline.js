// timeline.js - drives the trace timeline page in headless Chromium.
//
//   node timeline.js CHROMIUM PAGE.html TRACE.json TRUTH SCREENSHOT.png
//
// TRACE.json is the trace the page was made from, read here with node's
// own JSON parser; TRUTH the `truth` line trace_truth printed. Through
// cdp.js (input as a user's), it checks from the page's state
// (window.cprofTimeline) and its pixels:
//   1. a lane per thread of the trace, with its name, ordered by tid, and
//      the tasks' lane;
//   2. the sleeper's nanosleeps, the locker's pthread_mutex_lock waits and
//      the regions "work" are drawn where the trace has them (their ends,
//      read back through the time axis, within 10 % of their length) and
//      as long as the program measured them (totals and median within
//      10 %), in their kind's colour;
//   3. a click on a nanosleep shows its details and its stack
//      (sleep_once, sleeper);
//   4. the wheel zooms around the pointer, + zooms in, a drag pans by the
//      distance dragged, Escape shows the whole trace again;
//   5. a search for "sleep_once" highlights the waits whose stack holds it
//      and not the lock waits.
// Then a screenshot (searched, a wait selected). Exit 0 when all pass.
'use strict';
const fs = require('fs');
const cdp = require('./cdp');

const [chromium, page, tracePath, truthPath, shot] = process.argv.slice(2);
const trace = JSON.parse(fs.readFileSync(tracePath, 'utf8'));
const truth = {};
fs.readFileSync(truthPath, 'utf8').replace(/(\w+)=(\d+)/g,
  (m, k, v) => { truth[k] = +v; });

const names = new Map(); // tid -> name
for (const e of trace.traceEvents)
  if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid, e.args.name);
const tidOf = (n) => [...names].find(([, v]) => v === n)[0];
const ns = (us) => Math.round(us * 1000);
function waits(tid, name) {
  return trace.traceEvents.filter((e) => e.ph === 'X' && e.tid === tid &&
    e.name === name).map((e) => ({ start: ns(e.ts), dur: ns(e.dur) }));
}
function regions(tid, name) {
  const out = [], open = [];
  for (const e of trace.traceEvents) {
    if (e.tid !== tid || e.cat !== 'region') continue;
    if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b.name === name) out.push({ start: ns(b.ts), dur: ns(e.ts) - ns(b.ts) });
    }
  }
  return out;
}
const near = (got, want, pct) => Math.abs(got - want) <= want * pct / 100;
const rgb = (p) => p.slice(0, 3).join(',');
const SLEEP = '173,181,189', LOCK = '232,89,12', MATCH = '217,70,239';

cdp.run(chromium, page, async (b) => {
  const { js, mouse, click, check, sleep, pixel, s } = b;
  const T = (expr) => js('cprofTimeline.' + expr);

  // 1. lanes
  const lanes = await T('lanes()');
  const tids = lanes.filter((l) => l.tid !== null).map((l) => l.tid);
  check(tids.length === names.size && tids.every((t, i) => !i || tids[i - 1] < t),
    'one lane per thread, by tid: ' + lanes.map((l) => l.name).join(', '));
  for (const l of lanes)
    if (l.tid !== null && l.name !== names.get(l.tid))
      throw new Error('lane ' + l.tid + ' is named ' + l.name);
  for (const n of ['burner', 'regions', 'waiter', 'sleeper', 'holder', 'locker'])
    check(lanes.some((l) => l.name === n), 'the lane of ' + n);
  check(lanes[lanes.length - 1].name === 'tasks', 'the tasks lane comes last');

  // 2. intervals where the trace has them, as long as the program measured
  async function drawn(tid, what, name, want, colour) {
    const rects = await T(`rects(${tid}, ${JSON.stringify(what)}, ${JSON.stringify(name)})`);
    check(rects.length === want.length && want.length > 0,
      `${names.get(tid)}: ${rects.length} ${name} drawn, ${want.length} in the trace`);
    let total = 0;
    const durs = [];
    for (let i = 0; i < rects.length; i++) {
      const r = rects[i], a = await T(`timeAt(${r.x0})`), z = await T(`timeAt(${r.x1})`);
      if (Math.abs(a - want[i].start) > 0.1 * want[i].dur ||
          Math.abs(z - want[i].start - want[i].dur) > 0.1 * want[i].dur)
        throw new Error(`${name} ${i} drawn at ${a}..${z} ns, the trace has ` +
          `${want[i].start}+${want[i].dur}`);
      const p = await pixel((r.x0 + r.x1) / 2, r.y0 + 1);
      if (colour && rgb(p) !== colour)
        throw new Error(`${name} ${i} is painted ${rgb(p)}, want ${colour}`);
      if (!colour && (rgb(p) === '255,255,255' || rgb(p) === '241,243,245'))
        throw new Error(`${name} ${i} is not painted`);
      total += z - a;
      durs.push(z - a);
    }
    check(true, `${name}: drawn at the trace's times, ${(total / 1e6).toFixed(1)} ms in all`);
    return { total, durs, rects };
  }
  const sleeper = tidOf('sleeper'), locker = tidOf('locker'), reg = tidOf('regions');
  const nano = await drawn(sleeper, 'wait', 'nanosleep', waits(sleeper, 'nanosleep'), SLEEP);
  check(near(nano.total, truth.sleep_total_ns, 10), 'nanosleeps: ' +
    (nano.total / 1e6).toFixed(1) + ' ms drawn, the program slept ' +
    (truth.sleep_total_ns / 1e6).toFixed(1) + ' ms');
  const lock = await drawn(locker, 'wait', 'pthread_mutex_lock',
    waits(locker, 'pthread_mutex_lock'), LOCK);
  check(near(lock.total, truth.lock_wait_ns, 10), 'lock waits: ' +
    (lock.total / 1e6).toFixed(1) + ' ms drawn, the program waited ' +
    (truth.lock_wait_ns / 1e6).toFixed(1) + ' ms');
  const work = await drawn(reg, 'region', 'work', regions(reg, 'work'), null);
  const med = work.durs.sort((x, y) => x - y)[(work.durs.length + 1) / 2 - 1 | 0];
  check(near(med, truth.region_p50_ns, 10), 'regions: median ' +
    (med / 1e6).toFixed(2) + ' ms drawn, the program measured ' +
    (truth.region_p50_ns / 1e6).toFixed(2) + ' ms');
  const tasks = await T('rects(0, "task")');
  check(tasks.some((t) => t.name === 'request') && tasks.some((t) => t.name === 'job'),
    'tasks request and job are drawn');

  // 3. a click on a wait: its details and stack
  // whole pixels: the browser rounds the pointer's position
  const r0 = nano.rects[0], cx = Math.round((r0.x0 + r0.x1) / 2);
  const cy = Math.round((r0.y0 + r0.y1) / 2);
  await mouse('mouseMoved', cx, cy);
  await sleep(30);
  const tip = await js("document.getElementById('tip').textContent");
  check(/nanosleep/.test(tip) && /sleep wait/.test(tip), 'hover shows ' + JSON.stringify(tip));
  await click(cx, cy);
  await sleep(30);
  let st = await T('state()');
  check(st.selected === 'nanosleep' && /sleep_once/.test(st.details) &&
    /sleeper/.test(st.details) && /duration/.test(st.details),
    'a click shows the wait and its stack: ' + JSON.stringify(st.details.slice(0, 160)));

  // 4. zoom and pan
  const full = st.t1 - st.t0, under = await T(`timeAt(${cx})`);
  await s('Input.dispatchMouseEvent', { type: 'mouseWheel', x: cx, y: cy,
    deltaX: 0, deltaY: -600 });
  await sleep(50);
  st = await T('state()');
  const span = st.t1 - st.t0;
  const after = await T(`timeAt(${cx})`);
  check(span < full * 0.5 && Math.abs(after - under) < span / 2000,
    'the wheel zooms around the pointer (' + (full / 1e6).toFixed(1) + ' -> ' +
    (span / 1e6).toFixed(1) + ' ms shown; under the pointer ' + (under / 1e6).toFixed(3) +
    ' -> ' + (after / 1e6).toFixed(3) + ' ms)');
  const wide = (await T(`rects(${sleeper}, "wait", "nanosleep")`))[0];
  check(wide.x1 - wide.x0 > (r0.x1 - r0.x0) * 2, 'the nanosleep widened (' +
    (r0.x1 - r0.x0).toFixed(0) + ' -> ' + (wide.x1 - wide.x0).toFixed(0) + ' px)');
  const plus = await js(`(function () { var r = document.getElementById('zin')
    .getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`);
  await click(plus[0], plus[1]);
  await sleep(30);
  st = await T('state()');
  check(Math.abs((st.t1 - st.t0) / span - 0.5) < 0.01, 'the + button halves the range');
  const before = st.t0, perPx = (st.t1 - st.t0) / (await T('xAt(' + st.t1 + ')') -
    await T('xAt(' + st.t0 + ')'));
  await mouse('mousePressed', 700, cy);
  await mouse('mouseMoved', 600, cy, { buttons: 1 });
  await mouse('mouseMoved', 500, cy, { buttons: 1 });
  await mouse('mouseReleased', 500, cy);
  await sleep(30);
  st = await T('state()');
  check(Math.abs(st.t0 - before - 200 * perPx) < 2 * perPx,
    'a drag of 200 px pans by ' + ((st.t0 - before) / 1e6).toFixed(2) + ' ms (' +
    (200 * perPx / 1e6).toFixed(2) + ' ms wanted)');
  await b.key('Escape', 'Escape', 27);
  await sleep(30);
  st = await T('state()');
  check(Math.abs(st.t1 - st.t0 - full) < 1, 'Escape shows the whole trace');

  // 5. search
  const box = await js(`(function () { var r = document.getElementById('search')
    .getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`);
  await click(box[0], box[1]);
  await s('Input.insertText', { text: 'sleep_once' });
  await sleep(50);
  st = await T('state()');
  check(st.search === 'sleep_once' && st.matched >= nano.rects.length,
    'the search matched ' + st.matched + ' events');
  for (const r of await T(`rects(${sleeper}, "wait", "nanosleep")`))
    if (rgb(await pixel((r.x0 + r.x1) / 2, r.y0 + 1)) !== MATCH)
      throw new Error('a nanosleep is not highlighted');
  for (const r of await T(`rects(${locker}, "wait", "pthread_mutex_lock")`))
    if (rgb(await pixel((r.x0 + r.x1) / 2, r.y0 + 1)) !== LOCK)
      throw new Error('a lock wait is highlighted or not drawn');
  check(true, 'the nanosleeps are highlighted, the lock waits are not');
  await click(cx, cy);
  await b.screenshot(shot);
});
