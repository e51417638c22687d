// cdp.js - a headless Chromium driven over the DevTools protocol, for the
// page tests (browser.js: the flame graph; timeline.js: the trace
// timeline).
//
//   const cdp = require('./cdp');
//   cdp.run(chromium, page, async (b) => { ... b.check(ok, what) ... });
//
// Talks the protocol over --remote-debugging-pipe (fd 3 and 4,
// NUL-separated JSON), so it needs nothing but node and chromium: no npm
// package, no network. Input goes through the browser's input pipeline
// (Input.dispatchMouseEvent / insertText / dispatchKeyEvent), as a user's
// would. run() loads the page at 1200x700, calls the test with helpers,
// and exits 0 when it resolves, 1 (with the reason) when it throws or
// after 60 s.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function run(chromium, page, test) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cprof-chromium-'));
  const browser = spawn(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio',
    '--user-data-dir=' + userDir, '--remote-debugging-pipe', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  const pending = new Map(), waiters = [];
  let stderr = '', nextId = 1, buffered = '';

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

  const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];
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

  async function main() {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget',
      { targetId, flatten: true });
    const s = (m, p) => send(m, p, sessionId);
    const b = {
      s, sleep,
      check(ok, what) {
        if (!ok) throw new Error(what);
        console.log('ok: ' + what);
      },
      async js(expr) {
        const r = await s('Runtime.evaluate',
          { expression: expr, returnByValue: true, awaitPromise: true });
        if (r.exceptionDetails) throw new Error('page: ' + expr + ': ' +
          JSON.stringify(r.exceptionDetails.exception || r.exceptionDetails));
        return r.result.value;
      },
      async mouse(type, x, y, extra) {
        return s('Input.dispatchMouseEvent', Object.assign({
          type, x, y, button: type === 'mouseMoved' ? 'none' : 'left',
          buttons: type === 'mousePressed' ? 1 : 0, clickCount: 1,
        }, extra || {}));
      },
      async click(x, y) {
        await b.mouse('mouseMoved', x, y);
        await b.mouse('mousePressed', x, y);
        await b.mouse('mouseReleased', x, y);
      },
      async key(key, code, keyCode) {
        await s('Input.dispatchKeyEvent', { type: 'keyDown', key, code,
          windowsVirtualKeyCode: keyCode });
        await s('Input.dispatchKeyEvent', { type: 'keyUp', key, code,
          windowsVirtualKeyCode: keyCode });
      },
      // the RGBA of the canvas #canvas at client point (x, y)
      async pixel(x, y) {
        return b.js(`(function () {
          var c = document.getElementById('canvas'), r = c.getBoundingClientRect();
          var d = window.devicePixelRatio || 1;
          return Array.from(c.getContext('2d').getImageData(
            Math.round((${x} - r.left) * d), Math.round((${y} - r.top) * d), 1, 1).data);
        })()`);
      },
      async screenshot(file) {
        const png = await s('Page.captureScreenshot', { format: 'png' });
        fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        fs.writeFileSync(file, Buffer.from(png.data, 'base64'));
        console.log('ok: screenshot written to ' + file);
      },
    };
    await s('Page.enable');
    await s('Runtime.enable');
    await s('Emulation.setDeviceMetricsOverride',
      { width: 1200, height: 700, deviceScaleFactor: 1, mobile: false });
    const loaded = event('Page.loadEventFired');
    const start = Date.now();
    await s('Page.navigate', { url: 'file://' + path.resolve(page) });
    await loaded;
    b.loadMs = Date.now() - start;
    await sleep(100);
    await test(b);
  }
  main().then(() => { clearTimeout(watchdog); finish(0); },
    (e) => { clearTimeout(watchdog); finish(1, e.message); });
}

module.exports = { run };
