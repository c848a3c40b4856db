// The padded matrix's heatmap, read back pixel by pixel in every captured theme: the largest
// value gets the positive end of the diverging scale (--vscode-charts-orange, as theme.ts blends
// it), a value near 0 the background, and pad rows are hatched.
import { SEED, THEME_NAMES, canvasPixels, loadTheme } from './harness.mjs';
import { eq, hexRgb, near, ok, test } from './suite.mjs';

const CANVAS = 'vscode-tab-panel[data-panel="matrix"] .heatmap-canvas';

/**
 * The colour theme.ts's diverging scale gives `v` on ±limit: the LUT entry (Heatmap.paintBitmap's
 * rounding), blended from the background to the end colour in linear light.
 * @param {number} v @param {number} limit
 * @param {readonly number[]} background @param {readonly number[]} negative @param {readonly number[]} positive
 */
function expectedColour(v, limit, background, negative, positive) {
  const lin = (/** @type {number} */ c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  const srgb = (/** @type {number} */ x) => Math.max(0, Math.min(255, Math.round((x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055) * 255)));
  const k = Math.max(0, Math.min(255, Math.round((Math.fround(v) + limit) * (255 / (2 * limit)))));
  const t = (k - 127.5) / 127.5;
  const end = t < 0 ? negative : positive;
  const a = Math.min(1, Math.abs(t));
  return [0, 1, 2].map(i => srgb(lin(/** @type {number} */ (background[i])) + (lin(/** @type {number} */ (end[i])) - lin(/** @type {number} */ (background[i]))) * a));
}

/**
 * Where cell (row, col) is drawn, in CSS pixels of the canvas: the heatmap states its geometry
 * (label width, header height, cell width and height, first visible row/column) on the canvas.
 * @param {import('playwright-core').Page} page
 * @param {number} _rows
 */
async function cellGeometry(page, _rows) {
  const g = JSON.parse(await page.locator(CANVAS).evaluate(c => /** @type {HTMLElement} */ (c).dataset.geometry ?? '{}'));
  return {
    scale: Math.min(g.cellWidth, g.cellHeight),
    /** @param {number} r @param {number} c @param {number} [dx] @param {number} [dy] fractions of a cell */
    at: (r, c, dx = 0.5, dy = 0.5) => ({ x: g.left + (c - g.firstCol + dx) * g.cellWidth, y: g.top + (r - g.firstRow + dy) * g.cellHeight }),
  };
}

test('heatmap cells have the theme\'s colours in all four themes (live theme switch repaints)', async ({ open, encode }) => {
  const panel = await open({ theme: 'dark-modern' });
  const result = await encode(SEED);
  await panel.showResult(result);
  await panel.openTab('matrix');
  const page = panel.page;
  const e = new Float32Array(result.embeddings.data);
  eq([e[0], e[1]].map(v => Math.round(/** @type {number} */ (v) * 100) / 100), [10, 0.01], 'cells (0,0) and (0,1) of the real result');
  const legend = await page.locator('vscode-tab-panel[data-panel="matrix"] .heatmap-legend').evaluate(l => [Number(/** @type {HTMLElement} */ (l).dataset.min), Number(/** @type {HTMLElement} */ (l).dataset.max)]);
  eq(legend, [-10, 10], 'colour scale limits (the largest |value|)');
  for (const name of THEME_NAMES) {
    if (name !== 'dark-modern') await panel.setTheme(name);
    const theme = loadTheme(name);
    // The positive end is the theme's orange unless its hue is within 60° of the blue (Light High
    // Contrast's "orange" is a blue): then its yellow (theme.ts positiveEnd).
    const hueOf = (/** @type {number[]} */ rgb) => {
      const [r = 0, g = 0, b = 0] = rgb;
      const mx = Math.max(r, g, b);
      const mn = Math.min(r, g, b);
      if (mx === mn) return 0;
      const d = mx - mn;
      const h = mx === r ? ((g - b) / d) % 6 : mx === g ? (b - r) / d + 2 : (r - g) / d + 4;
      return (h * 60 + 360) % 360;
    };
    const blueHue = hueOf(hexRgb(/** @type {string} */ (theme.variables['--vscode-charts-blue'])));
    const apart = (/** @type {string} */ k) => { const d = Math.abs(hueOf(hexRgb(/** @type {string} */ (theme.variables[k]))) - blueHue); return Math.min(d, 360 - d) >= 60; };
    const positiveVar = ['--vscode-charts-orange', '--vscode-charts-yellow', '--vscode-charts-red'].find(apart) ?? '--vscode-charts-orange';
    const positive = hexRgb(/** @type {string} */ (theme.variables[positiveVar]));
    if (name === 'light-high-contrast') eq(positiveVar, '--vscode-charts-yellow', 'Light High Contrast: its "orange" is a blue, so the positive end is its yellow');
    const background = hexRgb(/** @type {string} */ (theme.variables['--vscode-editor-background']));
    const negative = hexRgb(/** @type {string} */ (theme.variables['--vscode-charts-blue']));
    const g = await cellGeometry(page, 8);
    ok(g.scale >= 8, `${name}: cells are ${g.scale} px`);
    const [max, small] = await canvasPixels(page, CANVAS, [g.at(0, 0), g.at(0, 1)]);
    // (0,0) = 10 is the largest |value|: the LUT's last entry, which is the positive colour itself.
    near(/** @type {number[]} */ (max), positive, 2, `${name}: cell (0,0) = 10 is the positive end (${positiveVar} ${theme.variables[positiveVar]})`);
    // (0,1) = 0.01 of ±10: the LUT's entry just above the middle, a hair from the background.
    const expected = expectedColour(0.01, 10, background, negative, positive);
    near(expected, background, 12, `${name}: the expected colour of 0.01 is next to the background`);
    near(/** @type {number[]} */ (small), expected, 1, `${name}: cell (0,1) = 0.01, next to the background (--vscode-editor-background ${theme.variables['--vscode-editor-background']})`);
    // A negative cell: (3,2) = -9.2.
    const [neg] = await canvasPixels(page, CANVAS, [g.at(3, 2)]);
    near(/** @type {number[]} */ (neg), expectedColour(-9.2, 10, background, negative, positive), 1, `${name}: cell (3,2) = -9.2 towards --vscode-charts-blue`);
    // Pad rows (5–7) are hatched: a scan line across a pad cell crosses the hatch; a real row's cell is flat.
    const line = (/** @type {number} */ r) => Array.from({ length: 12 }, (_, k) => g.at(r, 0, 0.05 + k * 0.075, 0.5));
    const padScan = await canvasPixels(page, CANVAS, line(6));
    const realScan = await canvasPixels(page, CANVAS, line(4));
    const spread = (/** @type {number[][]} */ px) => Math.max(...px.map(p => Math.max(...p.slice(0, 3).map((c, i) => Math.abs(c - /** @type {number} */ ((px[0] ?? [])[i]))))));
    ok(spread(realScan) <= 1, `${name}: a real row's cell is one colour (spread ${spread(realScan)})`);
    ok(spread(padScan) >= 16, `${name}: a pad row's cell is hatched (spread ${spread(padScan)})`);
    await panel.screenshot(`heatmap-${name}`, { of: page.locator(CANVAS) });
  }
});

test('hovering a heatmap row reads out the value and highlights the token in the editor', async ({ open, encode }) => {
  const panel = await open();
  const result = await encode(SEED);
  await panel.showResult(result);
  await panel.openTab('matrix');
  const g = await cellGeometry(panel.page, 8);
  const highlight = panel.waitFor('highlightToken', m => m.span !== null);
  const cell = g.at(1, 2);
  await panel.page.locator(CANVAS).hover({ position: cell });
  const m = await highlight;
  const starts = new Int32Array(result.tokens.starts);
  const ends = new Int32Array(result.tokens.ends);
  eq(m.span, { start: starts[1], end: ends[1] }, 'highlightToken span of row 1 (refrigerator)');
  const readout = (await panel.page.locator('vscode-tab-panel[data-panel="matrix"] .heatmap-readout').textContent()) ?? '';
  ok(/row 1 \(refrigerator\), column 2 \(dim 2\): /.test(readout), `readout: ${readout}`);
  // The value as the rest of the panel prints it: the shortest float32 form, the printout's cell
  // (row 1, column 2). Would catch a float64 readout ("-1.6016478538513184" for -1.6016479).
  const shown = readout.slice(readout.lastIndexOf(': ') + 2);
  const value = new Float32Array(result.embeddings.data)[1 * 5 + 2] ?? NaN;
  eq(Math.fround(Number(shown)), value, `the readout's number ${shown} is the cell's float32`);
  const printed = ((await panel.page.locator('#matrix-printout').textContent()) ?? '').split('\n')[1]?.replace(/^\s*\[/, '').split(/[\],]\s*/)[2]?.trim();
  eq(shown, printed, 'the readout prints the cell as the printout does');
});
