// Heatmap paint at T = 2048, E = 768, in headless Chromium with the real built panel, against the
// naive reference (one fillRect per cell on a canvas of the same size) measured in the same run.
//
// The matrix is a real result: builtin:glove-100d, max length 2048, through a random Elman RNN
// with hidden size 768 (labelled random in the panel), so the Hidden states heatmap is (2048, 768).
//
// Measured (medians over --runs, default 20; the naive reference over --naive-runs, default the same;
// each side after one unmeasured warm-up run):
//   paint    Heatmap.lastPaintMs: value → LUT colour → ImageData → bitmap (webview/views/heatmap.ts,
//            the same class bundled on its own and run in the panel's page)
//   draw     setData + draw() + a pixel read (forces the raster), between performance marks
//   naive    fillRect per cell into a 768 × 2048 canvas, same LUT colours, same pixel read
//   panel    the whole panel: didEncode posted → every view shown → `rendered` → two frames
//   theme    a live theme switch: every canvas of the panel repainted → two frames
// Tests never assert on time (CONTRIBUTING.md, "Tests"); this prints, and exits 1 only if it could not measure.
//
// Usage: node bench/heatmap.mjs [--runs N] [--naive-runs N]     (after `npm run build`)
import path from 'node:path';
import { readFileSync } from 'node:fs';
import esbuild from 'esbuild';
import { exitAfterCleanup } from '../test/e2e/cleanup.mjs';
import { Core, PanelPage, launchBrowser, repoRoot } from '../test/webview/harness.mjs';

const arg = (/** @type {string} */ name, /** @type {number} */ fallback) => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} wants a positive integer`);
  return v;
};
const RUNS = arg('--runs', 20);
// The reference gets the same number of runs as ours unless asked otherwise (then the output says so).
const NAIVE_RUNS = arg('--naive-runs', RUNS);
const T = 2048;
const H = 768;

/** @param {number[]} xs */
const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? /** @type {number} */ (s[m]) : (/** @type {number} */ (s[m - 1]) + /** @type {number} */ (s[m])) / 2;
};
/** @param {number} ms */
const fmt = ms => `${ms.toFixed(1)} ms`;

const core = new Core();
const { browser, close } = await launchBrowser('bench');
let code = 0;
try {
  // A text of more than T GloVe tokens: the sample workspace's prose and code, repeated.
  const ws = path.join(repoRoot, 'test', 'fixtures', 'workspace');
  const piece = `${readFileSync(path.join(ws, 'prose.md'), 'utf8')}\n${readFileSync(path.join(ws, 'code.ts'), 'utf8')}\n`;
  const text = piece.repeat(Math.ceil((T * 8) / piece.length));
  const t0 = Date.now();
  const result = await core.encode(text, { ref: { model: 'builtin:glove-100d' }, options: { maxLength: T, random: { cell: 'rnn', nonlinearity: 'tanh', hiddenSize: H, numLayers: 1, seed: 0 } } });
  const out = result.rnn.output;
  if (out.rows !== T || out.cols !== H) throw new Error(`expected an output of (${T}, ${H}), got (${out.rows}, ${out.cols})`);
  console.log(`bench: result from the core in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${result.tokens.count} GloVe tokens, output (${out.rows}, ${out.cols}), ${result.encoder.real ? 'real' : 'random'} encoder`);

  const panel = await PanelPage.open(browser, { viewport: { width: 1400, height: 900 } });
  await panel.showResult(result);
  await panel.openTab('hidden');
  const hiddenCanvas = panel.page.locator('vscode-tab-panel[data-panel="hidden"] .heatmap-canvas');
  if ((await hiddenCanvas.count()) === 0) throw new Error('the Hidden states tab has no heatmap canvas');

  // The Heatmap class on its own, from the same source, in the same page (its instances in the
  // panel are private to the bundle). Playwright's evaluate is not subject to the page's CSP.
  const bundle = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'webview', 'views', 'heatmap.ts')],
    bundle: true, format: 'iife', globalName: '__benchHeatmap', platform: 'browser', target: 'chrome120', write: false, logLevel: 'warning',
  });
  await panel.page.evaluate(`${/** @type {import('esbuild').OutputFile} */ (bundle.outputFiles[0]).text};\nwindow.__benchHeatmap = __benchHeatmap;`);

  const heat = await panel.page.evaluate(async ({ runs, naiveRuns }) => {
    const w = /** @type {any} */ (window);
    const msg = w.__lensLastDelivered;
    const o = msg.result.rnn.output;
    const mat = { rows: o.rows, cols: o.cols, data: new Float32Array(o.data) };
    const frame = () => new Promise(r => requestAnimationFrame(() => r(undefined)));
    const host = document.createElement('div');
    host.style.width = '1200px';
    document.body.append(host);
    const hm = new w.__benchHeatmap.Heatmap({ label: 'bench', rowLabel: (/** @type {number} */ r) => String(r), isPadRow: () => false });
    host.append(hm.element);
    const canvas = /** @type {HTMLCanvasElement} */ (hm.element.querySelector('canvas'));
    const flush = () => /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')).getImageData(0, 0, 1, 1);
    /** @type {number[]} */ const paint = [];
    /** @type {number[]} */ const draw = [];
    hm.setData(mat); // warm-up (JIT, first canvas allocation)
    hm.draw();
    for (let i = 0; i < runs; i++) {
      await frame();
      performance.mark('heatmap-start');
      hm.setData(mat);
      hm.draw();
      flush();
      performance.mark('heatmap-end');
      draw.push(performance.measure('heatmap', 'heatmap-start', 'heatmap-end').duration);
      paint.push(hm.lastPaintMs);
    }
    // The naive reference: one fillRect per cell, on a canvas of the same size, same colours.
    let max = 0;
    for (const v of mat.data) if (Math.abs(v) > max) max = Math.abs(v);
    const colours = Array.from({ length: 256 }, (_, k) => {
      const c = hm.colorOf(((k / 255) * 2 - 1) * max);
      return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
    });
    const naiveCanvas = document.createElement('canvas');
    naiveCanvas.width = mat.cols;
    naiveCanvas.height = mat.rows;
    const ctx = /** @type {CanvasRenderingContext2D} */ (naiveCanvas.getContext('2d'));
    /** @type {number[]} */ const naive = [];
    const scale = 255 / (2 * max);
    const naivePaint = () => {
      for (let r = 0; r < mat.rows; r++) {
        for (let c = 0; c < mat.cols; c++) {
          const k = Math.max(0, Math.min(255, Math.round((/** @type {number} */ (mat.data[r * mat.cols + c]) + max) * scale)));
          ctx.fillStyle = /** @type {string} */ (colours[k]);
          ctx.fillRect(c, r, 1, 1);
        }
      }
      ctx.getImageData(0, 0, 1, 1);
    };
    naivePaint(); // warm-up, as ours had one above (JIT, first raster of this canvas)
    for (let i = 0; i < naiveRuns; i++) {
      await frame();
      performance.mark('naive-start');
      naivePaint();
      performance.mark('naive-end');
      naive.push(performance.measure('naive', 'naive-start', 'naive-end').duration);
    }
    host.remove();
    return { paint, draw, naive };
  }, { runs: RUNS, naiveRuns: NAIVE_RUNS });

  // The whole panel, as the host drives it: the same didEncode again, timed to `rendered` + 2 frames.
  const panelRuns = await panel.page.evaluate(async runs => {
    const w = /** @type {any} */ (window);
    const msg = w.__lensLastDelivered;
    const frame = () => new Promise(r => requestAnimationFrame(() => r(undefined)));
    /** @type {number[]} */ const show = [];
    /** @type {number[]} */ const theme = [];
    for (let i = 0; i < runs; i++) {
      await frame();
      const id = 5000 + i;
      const rendered = new Promise(resolve => { w.__lensOnPost = (/** @type {any} */ m) => { if (m.type === 'rendered' && m.requestId === id) resolve(undefined); }; });
      performance.mark('panel-start');
      window.postMessage({ ...msg, requestId: id }, '*');
      await rendered;
      await frame();
      await frame();
      performance.mark('panel-end');
      show.push(performance.measure('panel', 'panel-start', 'panel-end').duration);
    }
    // A live theme switch (VS Code changes the body class): every view repaints its canvases.
    const body = document.body;
    for (let i = 0; i < runs; i++) {
      await frame();
      performance.mark('theme-start');
      body.classList.toggle('vscode-dark');
      body.classList.toggle('vscode-dark');
      await frame();
      await frame();
      performance.mark('theme-end');
      theme.push(performance.measure('theme', 'theme-start', 'theme-end').duration);
    }
    w.__lensOnPost = undefined;
    return { show, theme };
  }, RUNS);
  panel.assertNoErrors();
  await panel.close();

  const paint = median(heat.paint);
  const draw = median(heat.draw);
  const naive = median(heat.naive);
  console.log(`bench: heatmap ${T} × ${H} in Chromium (${path.basename(process.env.CHROMIUM_BIN ?? '/usr/bin/chromium')}, headless, software raster), medians:`);
  console.log(`  paint  Heatmap.lastPaintMs            ${fmt(paint).padStart(10)}   (${RUNS} runs, min ${fmt(Math.min(...heat.paint))}, max ${fmt(Math.max(...heat.paint))})`);
  console.log(`  draw   setData + draw() + raster       ${fmt(draw).padStart(10)}   (${RUNS} runs)`);
  console.log(`  naive  fillRect per cell (reference)   ${fmt(naive).padStart(10)}   (${NAIVE_RUNS} runs)`);
  console.log(`  panel  didEncode → rendered + 2 frames ${fmt(median(panelRuns.show)).padStart(10)}   (${RUNS} runs; every view, all tabs)`);
  console.log(`  theme  live theme switch + 2 frames    ${fmt(median(panelRuns.theme)).padStart(10)}   (${RUNS} runs; every canvas repainted)`);
  if (NAIVE_RUNS !== RUNS) console.log(`  note   the reference ran ${NAIVE_RUNS} times, ours ${RUNS}: medians of different N`);
  console.log(`  ratio  naive / paint = ${(naive / paint).toFixed(1)}×, naive / draw = ${(naive / draw).toFixed(1)}×   (target: paint under ~100 ms: ${paint < 100 ? 'met' : 'NOT met'})`);
} catch (err) {
  console.error(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  code = 1;
}
await close();
await core.close();
await exitAfterCleanup(code);
