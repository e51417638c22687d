// browser.js - drives the flame graph page in headless Chromium.
//
//   node browser.js CHROMIUM PAGE.html SCREENSHOT.png
//
// Through cdp.js (the DevTools protocol, input as a user's). Checks, in
// order:
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
const cdp = require('./cdp');

const [chromium, page, shot] = process.argv.slice(2);

cdp.run(chromium, page, async (b) => {
  const { s, js, mouse, click, check, sleep, pixel } = b;
  const rect = (name) => js('cprofFlame.frameRect(' + JSON.stringify(name) + ')');

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
  await b.screenshot(shot);

  // 5. Escape zooms out (after leaving the search box)
  await click(5, 690);
  await b.key('Escape', 'Escape', 27);
  await sleep(50);
  check((await js('cprofFlame.state()')).zoom === 'root', 'Escape zooms out');
});
