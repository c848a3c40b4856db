// Issue 10, item 8's small things, each as the user met it (each failed before its fix).
import { SEED, hostSettings } from './harness.mjs';
import { placeholderOverflow } from './layout.mjs';
import { eq, test } from './suite.mjs';

test('the hidden-state units field keeps what is typed (select all, type "0, 9"), also when a result arrives mid-typing', async ({ open, core }) => {
  // Would catch: a redraw while typing writing the applied units back into the field. Typed
  // alone, "0, 9" did not lose characters here nor in code-server 4.100.3 (Ctrl+A, triple click,
  // fill, selectText, typed fast and slow); a result arriving between keystrokes (a re-encode:
  // settings, follow-selection, live text) did overwrite it, before this was fixed.
  const text = 'def f(x):\n    return x + 1';
  /** @type {Parameters<typeof core.encode>[1]} */
  const options = { ref: { model: 'builtin:glove-100d' }, options: { maxLength: null, random: { cell: 'lstm', hiddenSize: 16, seed: 0 } } };
  const result = await core.encode(text, options);
  const again = await core.encode(text, options);
  const panel = await open();
  await panel.showResult(result);
  await panel.openTab('hidden');
  const field = panel.page.locator('#hidden-units');
  const value = () => field.evaluate(el => /** @type {any} */ (el).value);
  await field.click();
  await panel.page.keyboard.press('ControlOrMeta+a');
  await panel.page.keyboard.type('0, ', { delay: 30 });
  // The host re-encodes and the panel redraws while the caret is in the field.
  await panel.showResult(again);
  await panel.page.keyboard.type('9', { delay: 30 });
  eq(await value(), '0, 9', 'the field while typing');
  await panel.page.keyboard.press('Enter');
  await panel.frames(2);
  eq(await value(), '0, 9', 'the field after Enter');
  const chips = await panel.page.locator('.unit-chip').evaluateAll(els => els.map(e => e.getAttribute('data-unit')));
  eq(chips, ['0', '9'], 'the units on the chart');
  // Leaving the field shows the applied units in their short form.
  await field.click();
  await panel.page.keyboard.press('ControlOrMeta+a');
  await panel.page.keyboard.type('3,4,5', { delay: 10 });
  await panel.page.keyboard.press('Enter');
  await panel.page.keyboard.press('Tab');
  await panel.frames(2);
  eq(await value(), '3\u20135', 'the field after leaving it');
});

test('the max-length placeholder fits its field (it read "model defaul")', async ({ open, encode }) => {
  // Would catch: a placeholder cut off by the field's width (or the number spinner) at any width.
  for (const width of [1100, 270]) {
    const panel = await open({ viewport: { width, height: 800 } });
    await panel.send({ type: 'didChangeSettings', settings: hostSettings() });
    await panel.showResult(await encode(SEED));
    await panel.frames(2);
    eq(await placeholderOverflow(panel.page, '.options-bar vscode-textfield'), [], `placeholders cut off at ${width} px`);
  }
});

test('the matrix readout prints float32 values as the printout does', async ({ open, encode }) => {
  // Would catch: the readout printing the float32's float64 expansion ("-1.6016478538513184").
  const result = await encode(SEED);
  const panel = await open();
  await panel.showResult(result);
  await panel.openTab('matrix');
  const canvas = panel.page.locator('vscode-tab-panel[data-panel="matrix"] .heatmap-canvas');
  const g = JSON.parse(await canvas.evaluate(c => /** @type {HTMLElement} */ (c).dataset.geometry ?? '{}'));
  /** @type {string[]} */
  const long = [];
  const data = new Float32Array(result.embeddings.data);
  let measured = 0;
  // Every cell of the seed's (8, 5) matrix, pads included.
  for (let r = 0; r < result.embeddings.rows; r++) for (let c = 0; c < result.embeddings.cols; c++) {
    await canvas.hover({ position: { x: g.left + (c - g.firstCol + 0.5) * g.cellWidth, y: g.top + (r - g.firstRow + 0.5) * g.cellHeight } });
    await panel.frames(1);
    const readout = (await panel.page.locator('vscode-tab-panel[data-panel="matrix"] .heatmap-readout').textContent()) ?? '';
    const m = /row (\d+) .*column (\d+)[^:]*: (\S+)$/.exec(readout);
    if (!m) continue;
    measured++;
    const v = data[Number(m[1]) * result.embeddings.cols + Number(m[2])] ?? NaN;
    // The shortest decimal that reads back as the same float32 (as Python's repr of np.float32).
    let shortest = '';
    for (let p = 1; p <= 9 && !shortest; p++) if (Math.fround(Number(v.toPrecision(p))) === v) shortest = String(Number(v.toPrecision(p)));
    if (m[3] !== shortest) long.push(`${readout} (expected ${shortest})`);
  }
  const cells = result.embeddings.rows * result.embeddings.cols;
  eq(measured, cells, 'cells read out');
  eq(long, [], 'readouts not in their shortest float32 form');
});
