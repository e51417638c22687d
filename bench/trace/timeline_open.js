// timeline_open.js - opens a timeline page (cprof trace -html) in headless
// Chromium and prints what it took, one line of key=value:
//
//   node timeline_open.js CHROMIUM PAGE.html
//
//   load_ms      navigation to the load event: reading the file, parsing
//                the page and running its script (JSON.parse, decoding,
//                the first draw), as a user opening the file waits for it
//   parse_ms decode_ms first_draw_ms   the page's own parts of that
//   draw_full_ms the median of 5 redraws of the whole trace
//   draw_zoom_ms the median of 5 redraws zoomed in 64x at the middle
//   heap_mb      the page's JavaScript heap after loading
//   events       the events the page holds
// Drives the page through tests/integration/cli_flame/cdp.js.
'use strict';
const path = require('path');
const cdp = require(path.join(__dirname, '../../tests/integration/cli_flame/cdp'));

const [chromium, page] = process.argv.slice(2);
const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];

cdp.run(chromium, page, async (b) => {
  const st = await b.js('cprofTimeline.state()');
  const redraws = async (key) => {
    const v = [];
    for (let i = 0; i < 5; i++) {
      // Fit twice redraws the same view: the second draw is the one timed
      await b.js("document.getElementById('fit').click()");
      if (key) for (let z = 0; z < 6; z++) await b.js("document.getElementById('zin').click()");
      v.push((await b.js('cprofTimeline.state()')).drawMs);
    }
    return median(v);
  };
  const full = await redraws(false), zoom = await redraws(true);
  const heap = await b.s('Runtime.getHeapUsage');
  const t = st.timings;
  console.log(`load_ms=${b.loadMs} parse_ms=${t.parseMs.toFixed(0)} ` +
    `decode_ms=${t.decodeMs.toFixed(0)} first_draw_ms=${t.firstDrawMs.toFixed(1)} ` +
    `draw_full_ms=${full.toFixed(1)} draw_zoom_ms=${zoom.toFixed(1)} ` +
    `heap_mb=${(heap.usedSize / 1048576).toFixed(0)} ` +
    `events=${await b.js('cprofTimeline.events')}`);
});
