// The Export… menu: every format posts { type: 'export', requestId, format }; PNG carries a real
// PNG of the view on screen (the heatmap canvas, or the chips drawn when the tab has no canvas);
// the outcome (path, cancelled, failure) is shown; the menu works from the keyboard.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SEED, canvasPixels, loadTheme, outputDir } from './harness.mjs';
import { eq, hexRgb, near, ok, test } from './suite.mjs';

const FORMATS = ['npy', 'safetensors', 'csv', 'json', 'png', 'python', 'projector'];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk. @param {ArrayBuffer} png */
function pngSize(png) {
  const v = new DataView(png);
  eq(Array.from(new Uint8Array(png, 0, 8)), PNG_SIGNATURE, 'PNG signature');
  eq(String.fromCharCode(...new Uint8Array(png, 12, 4)), 'IHDR', 'first chunk');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/**
 * Decodes a PNG in the page and reads pixels of it (device pixels).
 * @param {import('playwright-core').Page} page
 * @param {ArrayBuffer} png
 * @param {{ x: number, y: number }[]} points
 * @returns {Promise<number[][]>}
 */
function pngPixels(page, png, points) {
  return page.evaluate(async ({ b64, pts }) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = /** @type {OffscreenCanvasRenderingContext2D} */ (c.getContext('2d'));
    ctx.drawImage(bmp, 0, 0);
    return pts.map(p => Array.from(ctx.getImageData(p.x, p.y, 1, 1).data));
  }, { b64: Buffer.from(png).toString('base64'), pts: points });
}

/**
 * Opens the menu and clicks a format; resolves with the posted export message.
 * @param {import('./harness.mjs').PanelPage} panel
 * @param {string} format
 */
async function exportAs(panel, format) {
  const posted = panel.waitFor('export', m => m.format === format);
  await panel.page.locator('#export-button').click();
  await panel.page.locator('#export-menu').waitFor();
  await panel.page.locator(`#export-menu [data-format="${format}"]`).click();
  return posted;
}

test('each export format posts { type: "export", requestId, format }; the worker builds the files', async ({ open, encode, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  await panel.showResult(await encode(SEED));
  const ids = new Set();
  for (const format of FORMATS) {
    const done = panel.waitFor('export', m => m.format === format);
    const m = await exportAs(panel, format);
    await done;
    eq(typeof m.requestId, 'number', `${format}: requestId`);
    ids.add(m.requestId);
    if (format === 'png') ok(m.png instanceof ArrayBuffer, 'png: an ArrayBuffer');
    else eq(m.png, undefined, `${format}: no image`);
    // serveAsHost had the worker build the files and answered didExport with a path.
    await panel.page.locator('.export-status.done', { hasText: `/tmp/embedding-lens.${format === 'python' ? 'check.py' : format}` }).waitFor();
  }
  eq(ids.size, FORMATS.length, 'a fresh requestId per export');
  eq(await panel.page.locator('#export-menu').isHidden(), true, 'the menu closes after a choice');
});

test('PNG of the padded matrix tab is the heatmap canvas, pixel for pixel', async ({ open, encode }) => {
  const panel = await open({ deviceScaleFactor: 2 });
  await panel.showResult(await encode(SEED));
  await panel.openTab('matrix');
  const canvas = 'vscode-tab-panel[data-panel="matrix"] .heatmap-canvas';
  const size = await panel.page.locator(canvas).evaluate(c => ({ width: /** @type {HTMLCanvasElement} */ (c).width, height: /** @type {HTMLCanvasElement} */ (c).height }));
  const m = await exportAs(panel, 'png');
  eq(pngSize(m.png), size, 'PNG size = the heatmap canvas (device pixels)');
  // Cell (0,0) = 10, in device pixels: the positive end of the scale (see heatmap.test.mjs).
  const cssHeight = await panel.page.locator(canvas).evaluate(c => c.getBoundingClientRect().height);
  const scale = (cssHeight - 22) / 8;
  const [px] = await pngPixels(panel.page, m.png, [{ x: Math.round((120 + scale / 2) * 2), y: Math.round((18 + scale / 2) * 2) }]);
  near(/** @type {number[]} */ (px), hexRgb(/** @type {string} */ (loadTheme('dark-modern').variables['--vscode-charts-orange'])), 2, 'PNG cell (0,0)');
  const [live] = await canvasPixels(panel.page, canvas, [{ x: 120 + scale / 2, y: 18 + scale / 2 }]);
  near(/** @type {number[]} */ (px), /** @type {number[]} */ (live), 0, 'PNG = canvas');
  // The menu named the view it would save.
  await panel.page.locator('#export-button').click();
  eq((await panel.page.locator('#export-menu [data-format="png"] .export-label').textContent())?.trim(), 'PNG of \u201cPadded matrix\u201d', 'PNG item label');
  await panel.page.keyboard.press('Escape');
});

test('PNG of the tokens tab (no canvas) draws the chips', async ({ open, encode }) => {
  const panel = await open();
  await panel.showResult(await encode(SEED));
  const m = await exportAs(panel, 'png');
  const { width, height } = pngSize(m.png);
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(path.join(outputDir, 'export-tokens-tab.png'), Buffer.from(m.png));
  const box = await panel.page.locator('vscode-tab-panel[data-panel="tokens"]').boundingBox();
  ok(box, 'tokens panel box');
  ok(Math.abs(width - box.width) <= 2 && height >= 60, `PNG ${width}×${height} for a ${box.width}×${box.height} panel`);
  // The first chip's box is drawn with the chip's background where the chip is.
  const chip = await panel.page.locator('.chip[data-index="0"]').boundingBox();
  ok(chip, 'chip box');
  const inside = { x: Math.round(chip.x - box.x + 2), y: Math.round(chip.y - box.y + chip.height - 3) };
  const [drawn] = await pngPixels(panel.page, m.png, [inside]);
  const [onScreen] = await canvasLessPixel(panel, chip.x + 2, chip.y + chip.height - 3);
  near(/** @type {number[]} */ (drawn), /** @type {number[]} */ (onScreen), 6, 'chip background in the PNG vs on screen');
  // And text: the chip's area is not one flat colour (its label is drawn).
  const row = Array.from({ length: Math.floor(chip.width) - 4 }, (_, k) => ({ x: Math.round(chip.x - box.x + 2 + k), y: Math.round(chip.y - box.y + chip.height * 0.3) }));
  const px = await pngPixels(panel.page, m.png, row);
  ok(new Set(px.map(p => p.join())).size > 2, 'the chip\'s text is drawn');
});

/**
 * A pixel of the page as rendered (a screenshot), for comparing with the drawn snapshot.
 * @param {import('./harness.mjs').PanelPage} panel @param {number} x @param {number} y
 */
async function canvasLessPixel(panel, x, y) {
  const shot = await panel.page.screenshot({ clip: { x, y, width: 1, height: 1 } });
  return pngPixels(panel.page, new Uint8Array(shot).buffer, [{ x: 0, y: 0 }]);
}

test('export outcome: saved path, cancelled, failed', async ({ open, encode }) => {
  const panel = await open();
  await panel.showResult(await encode(SEED));
  const status = panel.page.locator('.export-status');
  panel.respond('export', m => ({ type: 'didExport', requestId: m.requestId, path: '/work/out/result.npy' }));
  await exportAs(panel, 'npy');
  await status.filter({ hasText: 'Saved /work/out/result.npy' }).waitFor();
  panel.respond('export', m => ({ type: 'didExport', requestId: m.requestId, path: null }));
  await exportAs(panel, 'csv');
  await status.filter({ hasText: 'Export cancelled' }).waitFor();
  panel.respond('export', m => ({ type: 'didFail', requestId: m.requestId, message: 'EACCES: permission denied', reason: 'internal' }));
  await exportAs(panel, 'json');
  await status.filter({ hasText: 'Export failed: EACCES: permission denied' }).waitFor();
  // A reply to someone else's request id changes nothing.
  await panel.send({ type: 'didExport', requestId: 42, path: '/elsewhere' });
  await panel.frames(1);
  ok(!((await status.textContent()) ?? '').includes('/elsewhere'), 'a stray didExport is ignored');
  eq(await status.getAttribute('role'), 'status', 'the outcome is announced (role=status)');
});

// Issue 10, item 8: "an old 'Saved …' message stays after new results" (it did before show() cleared it).
test('a new result clears the last export\'s "Saved …" message', async ({ open, encode }) => {
  const panel = await open();
  await panel.showResult(await encode(SEED));
  const status = panel.page.locator('.export-status');
  panel.respond('export', m => ({ type: 'didExport', requestId: m.requestId, path: '/work/out/result.vectors.tsv' }));
  await exportAs(panel, 'projector');
  await status.filter({ hasText: 'Saved /work/out/result.vectors.tsv' }).waitFor();
  await panel.showResult(await encode('Refrigerator is white.'));
  eq(((await status.textContent()) ?? '').trim(), '', 'no "Saved" about the previous result');
  eq(await status.getAttribute('class'), 'export-status ', 'no done/error style left');
});

test('the export menu works from the keyboard (ArrowDown opens, arrows move, Enter picks, Escape returns)', async ({ open, encode }) => {
  const panel = await open();
  await panel.showResult(await encode(SEED));
  const page = panel.page;
  const button = page.locator('#export-button');
  eq(await button.getAttribute('aria-haspopup'), 'menu', 'aria-haspopup');
  eq(await button.getAttribute('aria-expanded'), 'false', 'closed');
  await button.focus();
  await page.keyboard.press('ArrowDown');
  eq(await button.getAttribute('aria-expanded'), 'true', 'ArrowDown opens');
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-format'));
  eq(await focused(), 'npy', 'the first item has focus');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  eq(await focused(), 'csv', 'two down: CSV');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  eq(await focused(), 'python', 'up from the first wraps to the last');
  await page.keyboard.press('Escape');
  eq(await button.getAttribute('aria-expanded'), 'false', 'Escape closes');
  eq(await page.evaluate(() => document.activeElement?.id), 'export-button', 'focus back on the button');
  await page.keyboard.press('Enter');
  eq(await button.getAttribute('aria-expanded'), 'true', 'Enter on the button opens');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowUp');
  const posted = panel.waitFor('export');
  await page.keyboard.press('Enter');
  eq((await posted).format, 'png', 'End, Up, Enter: PNG');
  eq(await page.locator('#export-menu [role="menuitem"]').count(), FORMATS.length, 'menu items');
});

test('Export is disabled until there is a result', async ({ open }) => {
  const panel = await open();
  ok(await panel.page.locator('#export-button').isHidden(), 'hidden with the empty state');
  eq(await panel.page.locator('#export-button').getAttribute('disabled'), '', 'disabled before a result');
});
