// Issue 11, item 3 (panel side): a BERT's input layer — word + position + type embeddings, then
// LayerNorm — as extra stages in the header and a stage selector in the matrix tab. The model is
// test/fixtures/input-layer/bert_prefixed with a WordPiece tokenizer written so that two texts
// give id sequences that fixture's expected.json has torch's stages for: every number the panel
// prints for a stage is checked against torch (scripts/fixtures/input_layer.py), and against the
// worker's reply. Also: an input longer than the position table (the stages are skipped, one line
// says why) and the chosen stage kept across a reload (checked when read back).
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SEED, hostSettings } from './harness.mjs';
import { BERT_FIXTURE, bertInputLayerModel } from './models.mjs';
import { eq, ok, test } from './suite.mjs';

const STAGES = ['word', '+ position', '+ type', 'LayerNorm'];
const PANEL = 'vscode-tab-panel[data-panel="matrix"]';

/** torch's stages (expected.json) for one id sequence. @param {number[]} ids @returns {Record<string, number[][]>} */
function torchStages(ids) {
  const fixture = JSON.parse(readFileSync(path.join(BERT_FIXTURE, 'expected.json'), 'utf8'));
  const seq = fixture.sequences.find((/** @type {{ input_ids: number[] }} */ s) => JSON.stringify(s.input_ids) === JSON.stringify(ids));
  if (!seq) throw new Error(`expected.json has no sequence ${JSON.stringify(ids)}`);
  return seq.stages;
}

/**
 * The matrix tab's printout as rows of numbers and the label after each row's `#`.
 * @param {import('playwright-core').Page} page
 */
async function printout(page) {
  const text = (await page.locator('#matrix-printout').textContent()) ?? '';
  const rows = text.split('\n\n')[0]?.split('\n') ?? [];
  return rows.map(line => {
    const m = /^\s*\[?\[(.*?)\]\]?,?\s+# (.*)$/.exec(line);
    if (!m) throw new Error(`not a printout row: ${line}`);
    return { values: (m[1] ?? '').split(', ').map(Number), label: m[2] ?? '' };
  });
}

/**
 * Throws unless the printed rows equal torch's within float32 rounding (the panel prints the
 * shortest decimal of each float32, torch's JSON holds the float64 of the same float32).
 * @param {{ values: number[] }[]} printed @param {number[][]} want @param {string} what
 */
function sameAsTorch(printed, want, what) {
  eq(printed.length, want.length, `${what}: rows`);
  printed.forEach((row, t) => {
    const w = /** @type {number[]} */ (want[t]);
    eq(row.values.length, w.length, `${what}: row ${t} columns`);
    row.values.forEach((v, j) => {
      const x = /** @type {number} */ (w[j]);
      if (Math.abs(v - x) > 2e-6 * Math.max(1, Math.abs(x))) throw new Error(`${what}: row ${t} column ${j} is ${v}, torch has ${x}`);
    });
  });
}

/** Picks a stage in the matrix tab's selector, as the control's change event reports a pick. @param {import('playwright-core').Page} page @param {string} name */
async function chooseStage(page, name) {
  await page.locator('#matrix-stage').evaluate((el, v) => {
    /** @type {any} */ (el).value = v;
    el.dispatchEvent(new Event('change'));
  }, name);
}

test('a BERT: four real stages after the lookup in the header; the stage selector shows each stage\'s numbers, torch\'s', async ({ open, core }) => {
  const dir = bertInputLayerModel();
  try {
    const result = await core.encode('White cats purr', { ref: { model: dir } });
    eq(Array.from(new Int32Array(result.inputIds)), [2, 17, 5, 9, 3], 'the ids of the fixture\'s first sequence');
    const torch = torchStages([2, 17, 5, 9, 3]);
    const panel = await open({ viewport: { width: 1100, height: 900 } });
    await panel.send({ type: 'didChangeSettings', settings: hostSettings(dir) });
    await panel.showResult(result, { source: { uri: null, label: 'typed text', offset: 0 } });
    const page = panel.page;

    // The header: the stages in order after the lookup, each with its label's badge, and the line
    // that says what the encoder reads. Would catch stages dropped on the way or shown as random.
    const stages = page.locator('.pipeline .input-stages .stage');
    eq(await stages.locator('.stage-name').allTextContents(), STAGES, 'the stages in the header');
    eq(await stages.locator('.badge.real').count(), 4, 'each stage is badged real');
    eq(await stages.locator('.stage-shape').allTextContents(), STAGES.map(() => '(5, 8)'), 'each stage is (T, E)');
    ok(((await page.locator('.pipeline .input-stages').textContent()) ?? '').includes('the encoder reads the word rows'), 'the header says the encoder reads the word rows');
    ok(((await stages.nth(3).getAttribute('title')) ?? '').includes('bert.embeddings.LayerNorm.weight'), 'the LayerNorm stage\'s tooltip names its tensors');
    eq(await page.locator('.pipeline [data-fact="model-type"]').textContent(), 'bert', 'the model_type of config.json');

    await panel.openTab('matrix');
    eq(await page.locator('#matrix-stage vscode-option').allTextContents(), STAGES, 'the selector offers the stages');
    eq(await page.locator('#matrix-stage').evaluate(el => /** @type {any} */ (el).value), 'word', 'the word rows first');
    ok(((await page.locator('#matrix-stage-encoder').textContent()) ?? '') === 'the encoder reads the word rows', 'the line under the selector');
    const labels = ['[CLS]', 'White', 'cats', 'purr', '[SEP]'];
    const wire = Object.fromEntries((result.inputLayer && 'stages' in result.inputLayer ? result.inputLayer.stages : []).map(s => [s.name, new Float32Array(s.matrix.data)]));
    for (const name of STAGES) {
      if (name !== 'word') await chooseStage(page, name);
      await panel.frames(2);
      const rows = await printout(page);
      eq(rows.map(r => r.label), labels, `${name}: the rows are labelled as the word rows are`);
      // The numbers are the stage's, not the word rows' again: torch's, and the worker's floats.
      sameAsTorch(rows, /** @type {number[][]} */ (torch[name]), name);
      eq(rows.flatMap(r => r.values).map(v => Math.fround(v)), Array.from(/** @type {Float32Array} */ (wire[name])), `${name}: the printout is the reply's float32s`);
      const heading = (await page.locator(`${PANEL} h3`).textContent()) ?? '';
      ok(heading.startsWith(name === 'word' ? 'embeddings \u2014 shape (5, 8)' : `${name} \u2014 shape (5, 8)`), `${name}: heading ${heading}`);
      // The heatmap shows the stage too: its colour scale is the stage's largest |value|.
      const max = Number(await page.locator(`${PANEL} .heatmap-legend`).getAttribute('data-max'));
      eq(max, Math.max(...Array.from(/** @type {Float32Array} */ (wire[name]), Math.abs)), `${name}: the heatmap's scale`);
      const info = (await page.locator('#matrix-stage-info').textContent()) ?? '';
      const added = { word: 'bert.embeddings.word_embeddings.weight', '+ position': 'bert.embeddings.position_embeddings.weight', '+ type': 'bert.embeddings.token_type_embeddings.weight', LayerNorm: 'bert.embeddings.LayerNorm.weight and bert.embeddings.LayerNorm.bias' }[name];
      ok(added && info.includes(added), `${name}: the line under the selector names what it adds: ${info}`);
      // The eps and where it is from, the model's folder left out of the path.
      if (name === 'LayerNorm') ok(info.endsWith('eps 1e-12 (config.json "layer_norm_eps")'), `LayerNorm: the eps: ${info}`);
      if (name === '+ position') ok(info.endsWith('position ids 0\u2026T-1'), `+ position: the position ids: ${info}`);
    }
    await panel.screenshot('bert-input-layer', { of: page.locator('#app'), margin: 12, docsName: 'webview-input-layer' });
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('input-layer stages keep the pad marking: "white" padded to 6, LayerNorm rows of the pads are torch\'s and marked', async ({ open, core }) => {
  const dir = bertInputLayerModel();
  try {
    const result = await core.encode('white', { ref: { model: dir }, options: { maxLength: 6, paddingSide: 'right' } });
    eq(Array.from(new Int32Array(result.inputIds)), [2, 17, 3, 0, 0, 0], 'the ids of the fixture\'s second sequence');
    const panel = await open();
    await panel.showResult(result);
    const page = panel.page;
    await panel.openTab('matrix');
    await chooseStage(page, 'LayerNorm');
    await panel.frames(2);
    const rows = await printout(page);
    eq(rows.map(r => r.label), ['[CLS]', 'white', '[SEP]', '[PAD]', '[PAD]', '[PAD]'], 'pads labelled as in the word rows');
    sameAsTorch(rows, /** @type {number[][]} */ (torchStages([2, 17, 3, 0, 0, 0]).LayerNorm), 'LayerNorm with pads');
    // A pad row of the stage is marked in the heatmap's readout, as on the word rows.
    const canvas = page.locator(`${PANEL} .heatmap-canvas`);
    const g = JSON.parse(await canvas.evaluate(c => /** @type {HTMLElement} */ (c).dataset.geometry ?? '{}'));
    await canvas.hover({ position: { x: g.left + (1 - g.firstCol + 0.5) * g.cellWidth, y: g.top + (4 - g.firstRow + 0.5) * g.cellHeight } });
    const readout = (await page.locator(`${PANEL} .heatmap-readout`).textContent()) ?? '';
    ok(readout.startsWith('row 4 ([PAD]) pad, column 1'), `readout of a pad row: ${readout}`);
    eq(Math.fround(Number(readout.slice(readout.lastIndexOf(': ') + 2))), Math.fround(/** @type {number} */ (rows[4]?.values[1])), 'the readout is the LayerNorm value');
    ok(!readout.includes('dequantized'), 'no dequantization note on a float32 table');
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('an input longer than the position table: no stages, one quiet line says why, the matrix is the word rows', async ({ open, core }) => {
  const dir = bertInputLayerModel();
  try {
    const text = 'the white cats and the black dogs sing at night in the day';
    const result = await core.encode(text, { ref: { model: dir } });
    ok(result.inputLayer && 'skipped' in result.inputLayer, 'the worker skipped the input layer');
    const why = /** @type {{ skipped: string }} */ (result.inputLayer).skipped;
    ok(why.includes('12 rows'), `why: ${why}`);
    const panel = await open();
    await panel.showResult(result);
    const page = panel.page;
    // Would catch a header that shows empty stages, or says nothing about why there are none.
    eq(await page.locator('.pipeline .input-stages .stage').count(), 0, 'no stages in the header');
    eq(await page.locator('#input-layer-skipped').textContent(), `input layer not computed: ${why}`, 'the header\'s line');
    await panel.openTab('matrix');
    eq(await page.locator(`${PANEL} .matrix-controls`).isHidden(), true, 'no stage selector');
    eq(await page.locator('#matrix-stage-skipped').textContent(), `No input layer stages for this text: ${why}`, 'the matrix tab\'s line');
    ok(((await page.locator(`${PANEL} h3`).textContent()) ?? '').startsWith(`embeddings \u2014 shape (${result.embeddings.rows}, 8)`), 'the word rows');
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('the chosen stage survives a reload; a saved stage the result does not have shows the word rows', async ({ open, core }) => {
  const dir = bertInputLayerModel();
  try {
    const ref = { model: dir };
    const result = await core.encode('White cats purr', { ref });
    const panel = await open();
    panel.serveAsHost(core, { ref });
    await panel.showResult(result);
    const page = panel.page;
    await panel.openTab('matrix');
    await chooseStage(page, 'LayerNorm');
    await panel.frames(2);
    const state = await panel.state();
    eq(state?.inputStage, 'LayerNorm', 'the saved stage');
    const layerNorm = await printout(page);

    // Would catch a stage that is saved but not read back (the word rows after the reload).
    await panel.reload({ state });
    eq(await page.locator('#matrix-stage').evaluate(el => /** @type {any} */ (el).value), 'LayerNorm', 'the selector after the reload');
    eq(await printout(page), layerNorm, 'the LayerNorm rows after the reload');
    ok(((await page.locator(`${PANEL} h3`).textContent()) ?? '').startsWith('LayerNorm'), 'the heading after the reload');

    // The state is untrusted (the webview wrote it): a name that is no stage of this result is not shown.
    await panel.reload({ state: { ...state, inputStage: '<img src=x onerror=alert(1)>' } });
    eq(await page.locator('#matrix-stage').evaluate(el => /** @type {any} */ (el).value), 'word', 'an unknown saved stage falls back to the word rows');
    ok(((await page.locator(`${PANEL} h3`).textContent()) ?? '').startsWith('embeddings'), 'the word rows are shown');
    eq(await page.locator(`${PANEL} img`).count(), 0, 'the saved name never becomes markup');

    // A model without an input layer: the saved choice is kept for later, the word rows shown.
    await panel.reload({ state });
    await panel.showResult(await core.encode(SEED));
    eq(await page.locator(`${PANEL} .matrix-controls`).isHidden(), true, 'no selector for the seed model');
    ok(((await page.locator(`${PANEL} h3`).textContent()) ?? '').startsWith('embeddings'), 'the seed model\'s embeddings');
    eq((await panel.state())?.inputStage, 'LayerNorm', 'the choice is kept for the next BERT result');
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('at 270 px with an input layer: the header stays one line, nothing overflows sideways in the tokens and matrix tabs', async ({ open, core }) => {
  const dir = bertInputLayerModel();
  try {
    const result = await core.encode('White cats purr', { ref: { model: dir } });
    const panel = await open({ viewport: { width: 270, height: 773 } });
    await panel.showResult(result);
    const page = panel.page;
    // Would catch the stage row wrapping the narrow header onto several lines (issue 10, item 9).
    const header = await page.locator('.pipeline').boundingBox();
    ok(header && header.height <= 40, `the pipeline header is one line (${header?.height} px tall)`);
    for (const tab of ['tokens', 'matrix']) {
      await page.locator(`vscode-tab-header[data-tab="${tab}"]`).scrollIntoViewIfNeeded();
      await panel.openTab(tab);
      const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      ok(w.scroll <= w.client, `${tab}: the page does not scroll sideways (${w.scroll} > ${w.client})`);
    }
    ok(await page.locator('#matrix-stage').isVisible(), 'the stage selector is there');
    // A long tensor name wraps instead of running out of the panel (it was cut off at the edge).
    const info = await page.locator('#matrix-stage-info').evaluate(e => ({ right: e.getBoundingClientRect().right, scroll: e.scrollWidth, client: e.clientWidth, page: document.documentElement.clientWidth }));
    ok(info.right <= info.page && info.scroll <= info.client, `the line under the selector fits: ${JSON.stringify(info)}`);
    await panel.screenshot('bert-input-layer-narrow', { fullPage: false });
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});
