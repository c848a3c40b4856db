// The Projection tab end to end (real worker PCA): heading, legend, keyboard selection and
// readout, zoom saved with the panel's state and reset, switching to hidden states. Written to
// pin the tab's behaviour across its split into webview/views/projection/ (issue 10, item 13):
// it passes on the single-file version and must pass on the split one.
import { SEED } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

test('projection: heading, legend, ] selects with a readout, + zooms (saved), 0 resets, hidden states on request', async ({ open, encode, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  await panel.showResult(await encode(SEED));
  const page = panel.page;
  const asked = panel.waitFor('project', m => m.what === 'embeddings');
  await panel.openTab('projection');
  eq((await asked).vocabSample, 0, 'no vocabulary sample by default');
  const canvas = page.locator('.pj-canvas');
  await page.locator('.pj-canvas[data-draw-ms]').waitFor({ state: 'attached' });
  eq((await page.locator('.pj-heading').textContent())?.trim(), 'PCA of the embeddings (8, 5) \u2192 (8, 2)', 'heading');
  const legend = await page.locator('.pj-legend li').allTextContents();
  ok(legend.includes('token of the text (5)'), legend.join(' | '));
  ok(legend.some(l => /^pad rows \(3 share one point\)$/.test(l)), `the three pads share one point: ${legend.join(' | ')}`);
  ok(/PC1 explains \d+\.\d%, PC2 \d+\.\d% of the variance/.test((await canvas.getAttribute('aria-label')) ?? ''), 'canvas label states the variance');
  // Keyboard: ] selects the first token, the readout names it.
  await canvas.focus();
  await page.keyboard.press(']');
  await page.locator('.pj-readout', { hasText: 'token 0, id 320' }).waitFor();
  ok(((await page.locator('.pj-readout').textContent()) ?? '').startsWith('selected '), 'readout');
  eq((await panel.state())?.selectedToken ?? 0, 0, 'the selection is the panel\u2019s');
  // + zooms by 1.25 and is saved (after a short pause); 0 resets.
  await page.keyboard.press('+');
  await page.waitForFunction(() => /** @type {any} */ (window).__lensState()?.projection?.view?.zoom === 1.25, undefined, { timeout: 5000 });
  await page.keyboard.press('0');
  await page.waitForFunction(() => /** @type {any} */ (window).__lensState()?.projection?.view?.zoom === 1, undefined, { timeout: 5000 });
  // Hidden states: the choice goes to the host and the heading follows.
  const hidden = panel.waitFor('project', m => m.what === 'hidden');
  await page.locator('#pj-what').evaluate(el => {
    /** @type {any} */ (el).value = 'hidden';
    el.dispatchEvent(new Event('change'));
  });
  const m = await hidden;
  eq({ layer: m.layer, direction: m.direction, vocabSample: m.vocabSample }, { layer: 0, direction: 0, vocabSample: 0 }, 'hidden-state request');
  await page.locator('.pj-heading', { hasText: 'PCA of the hidden states' }).waitFor();
  eq(/** @type {any} */ (await panel.state())?.projection?.what, 'hidden', 'the choice is saved');
  ok(await page.locator('#pj-sample').evaluate(el => /** @type {any} */ (el).disabled === true), 'no vocabulary sample for hidden states');
});

test('projection: hovering a point shows its row in the readout; clicking it selects its token', async ({ open, encode, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  await panel.showResult(await encode(SEED));
  await panel.openTab('projection');
  const page = panel.page;
  await page.locator('.pj-canvas[data-draw-ms]').waitFor({ state: 'attached' });
  // Find where token 1 is drawn: move the pointer over the plot (in the page, one pointermove per
  // spot) until the readout names it.
  const found = await page.locator('.pj-canvas').evaluate(c => {
    const r = c.getBoundingClientRect();
    const readout = /** @type {HTMLElement} */ (document.querySelector('.pj-readout'));
    for (let y = 14; y < r.height - 40; y += 2) {
      for (let x = 54; x < r.width - 14; x += 2) {
        c.dispatchEvent(new PointerEvent('pointermove', { clientX: r.left + x, clientY: r.top + y, bubbles: true }));
        const text = readout.textContent ?? '';
        if (/token 1, id 1028/.test(text)) return { x, y, text };
      }
    }
    return null;
  });
  const box = /** @type {{ x: number, y: number }} */ (await page.locator('.pj-canvas').boundingBox());
  ok(found, 'hovering finds the point of token 1 ("refrigerator", id 1028)');
  ok(/click to select/.test(found.text), found.text);
  await page.mouse.click(box.x + found.x, box.y + found.y);
  await page.waitForFunction(() => /** @type {any} */ (window).__lensState()?.selectedToken === 1, undefined, { timeout: 5000 });
});
