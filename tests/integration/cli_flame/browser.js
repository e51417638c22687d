// browser.js - drives the flame graph page in headless Chromium.
//
//   node browser.js CHROMIUM PAGE.html SCREENSHOT.png
//
// Talks the DevTools protocol over --remote-debugging-pipe (fd 3 and 4,
// NUL-separated JSON), so it needs nothing but node and chromium: no npm
// package, no network. Every interaction goes through the browser's input
// pipeline (Input.dispatchMouseEvent / insertText / dispatchKeyEvent), as
// a user's would. Checks, in order:
//   1. the page renders: the canvas has drawn frames, "serve" is laid out
//      at 10/18 of the width (the profile's share, see make_profile.c);
//   2. hovering a frame shows a tooltip with its value and percentage;
//   3. a click on "serve" zooms: it spans the whole width, its callee
//      "compress" widens, frames outside it disappear;
//   4. typing "memcpy" in the search box highlights it (its pixels turn
//      the match colour) and reports the matched share;
//   5. Escape zooms back out.
// Then it writes a screenshot (zoomed and searched, the interesting
// state) to SCREENSHOT.png. Exit 0 when all pass, 1 otherwise.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, page, shot] = process.argv.slice(2);
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cprof-chromium-'));
const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio',
  '--user-data-dir=' + userDir, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });

let stderr = '';
browser.stderr.on('data', (d) => { stderr += d; });

function finish(code, why) {
  if (why) console.error('FAIL: ' + why);
  try { browser.kill('SIGKILL'); } catch (e) { /* gone already */ }
  try { fs.rmSync(userDir, { recursive: true, force: true }); } catch (e) {}
  process.exit(code);
}
const watchdog = setTimeout(() => finish(1, 'timed out after 60 s\n' +
  stderr.split('\n').slice(-10).join('\n')), 60000);
browser.on('exit', (code) => {
  if (pending.size) finish(1, 'chromium exited (' + code + ')\n' + stderr);
});

// --- the protocol ---
const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];
const pending = new Map(), waiters = [];
let nextId = 1, buffered = '';
fromBrowser.on('data', (chunk) => {
  buffered += chunk.toString('utf8');
  let nul;
  while ((nul = buffered.indexOf('\0')) >= 0) {
    const msg = JSON.parse(buffered.slice(0, nul));
    buffered = buffered.slice(nul + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject, method } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(method + ': ' + msg.error.message));
      else resolve(msg.result);
    } else if (msg.method) {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].method === msg.method) {
          waiters[i].resolve(msg.params);
          waiters.splice(i, 1);
        }
      }
    }
  }
});
function send(method, params, sessionId) {
  const id = nextId++;
  const msg = { id, method, params: params || {} };
  if (sessionId) msg.sessionId = sessionId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, method });
    toBrowser.write(JSON.stringify(msg) + '\0');
  });
}
function event(method) {
  return new Promise((resolve) => waiters.push({ method, resolve }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function check(ok, what) {
  if (!ok) throw new Error(what);
  console.log('ok: ' + what);
}

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget',
    { targetId, flatten: true });
  const s = (m, p) => send(m, p, sessionId);
  const js = async (expr) => {
    const r = await s('Runtime.evaluate',
      { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('page: ' + expr + ': ' +
      JSON.stringify(r.exceptionDetails.exception || r.exceptionDetails));
    return r.result.value;
  };
  const mouse = async (type, x, y) => s('Input.dispatchMouseEvent', {
    type, x, y, button: type === 'mouseMoved' ? 'none' : 'left',
    buttons: type === 'mousePressed' ? 1 : 0, clickCount: 1,
  });
  const click = async (x, y) => {
    await mouse('mouseMoved', x, y);
    await mouse('mousePressed', x, y);
    await mouse('mouseReleased', x, y);
  };
  const rect = (name) => js('cprofFlame.frameRect(' + JSON.stringify(name) + ')');
  const pixel = (x, y) => js(`(function () {
    var c = document.getElementById('canvas'), b = c.getBoundingClientRect();
    var d = window.devicePixelRatio || 1;
    return Array.from(c.getContext('2d').getImageData(
      Math.round((${x} - b.left) * d), Math.round((${y} - b.top) * d), 1, 1).data);
  })()`);

  await s('Page.enable');
  await s('Runtime.enable');
  await s('Emulation.setDeviceMetricsOverride',
    { width: 1200, height: 700, deviceScaleFactor: 1, mobile: false });
  const loaded = event('Page.loadEventFired');
  await s('Page.navigate', { url: 'file://' + path.resolve(page) });
  await loaded;
  await sleep(100);

  // 1. renders
  const nodes = await js('window.cprofFlame ? cprofFlame.nodes : 0');
  check(nodes > 5, 'the page loaded its call tree (' + nodes + ' nodes)');
  const painted = await js(`(function () {
    var c = document.getElementById('canvas');
    var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
    for (var i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n / (c.width * c.height);
  })()`);
  check(painted > 0.05, 'the canvas is painted (' + (100 * painted).toFixed(1) + '% of it)');
  const canvasW = await js("document.getElementById('canvas').getBoundingClientRect().width");
  const serve = await rect('serve');
  check(serve && Math.abs(serve.w / canvasW - 10 / 18) < 0.01,
    'serve takes 10/18 of the width (' + (serve && (serve.w / canvasW).toFixed(3)) + ')');
  const compressBefore = await rect('compress');

  // 2. tooltip
  await mouse('mouseMoved', serve.x + serve.w / 2, serve.y + serve.h / 2);
  await sleep(50);
  const tip = await js(`(function () {
    var t = document.getElementById('tip');
    return { shown: getComputedStyle(t).display !== 'none', text: t.textContent };
  })()`);
  check(tip.shown && /serve/.test(tip.text) && /100 ms/.test(tip.text) &&
    /55\.56%/.test(tip.text), 'hovering serve shows its tooltip: ' +
    JSON.stringify(tip.text));

  // 3. zoom on click
  await click(serve.x + serve.w / 2, serve.y + serve.h / 2);
  await sleep(50);
  const st = await js('cprofFlame.state()');
  check(st.zoom === 'serve', 'a click on serve zooms to it');
  const zServe = await rect('serve'), zCompress = await rect('compress');
  check(Math.abs(zServe.w - canvasW) < 1, 'serve spans the whole width');
  check(zCompress.w > compressBefore.w * 1.7,
    'compress widened (' + compressBefore.w.toFixed(0) + ' -> ' +
    zCompress.w.toFixed(0) + ' px)');
  check((await rect('lookup')) === null, 'frames outside serve are gone');

  // 4. search highlights
  const box = await js(`(function () {
    var b = document.getElementById('search').getBoundingClientRect();
    return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
  })()`);
  await click(box.x, box.y);
  await s('Input.insertText', { text: 'memcpy' });
  await sleep(50);
  const st2 = await js('cprofFlame.state()');
  check(st2.search === 'memcpy' && st2.matchedFrames === 1 &&
    st2.matchedValue === 50000000, 'the search matched memcpy (' +
    JSON.stringify(st2) + ')');
  const m = await rect('memcpy');
  const px = await pixel(m.x + m.w / 2, m.y + 2);
  check(px[0] === 0xd9 && px[1] === 0x46 && px[2] === 0xef,
    'memcpy is painted in the match colour (rgb ' + px.slice(0, 3) + ')');
  const other = await rect('compress');
  const px2 = await pixel(other.x + other.w / 2, other.y + 2);
  check(!(px2[0] === 0xd9 && px2[1] === 0x46 && px2[2] === 0xef),
    'compress is not highlighted');
  const label = await js("document.getElementById('matched').textContent");
  check(/50 ms/.test(label) && /50%/.test(label),
    'the matched share is shown: ' + JSON.stringify(label));

  // the screenshot: zoomed, searched, tooltip over memcpy
  await mouse('mouseMoved', m.x + m.w / 2, m.y + m.h / 2);
  await sleep(50);
  const png = await s('Page.captureScreenshot', { format: 'png' });
  fs.mkdirSync(path.dirname(path.resolve(shot)), { recursive: true });
  fs.writeFileSync(shot, Buffer.from(png.data, 'base64'));
  console.log('ok: screenshot written to ' + shot);

  // 5. Escape zooms out (after leaving the search box)
  await click(5, 690);
  await s('Input.dispatchKeyEvent', { type: 'keyDown', key: 'Escape',
    code: 'Escape', windowsVirtualKeyCode: 27 });
  await s('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Escape',
    code: 'Escape', windowsVirtualKeyCode: 27 });
  await sleep(50);
  check((await js('cprofFlame.state()')).zoom === 'root', 'Escape zooms out');
}

main().then(() => { clearTimeout(watchdog); finish(0); },
  (e) => { clearTimeout(watchdog); finish(1, e.message); });
