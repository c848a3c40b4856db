// Issue 11, item 1 (panel side): a GGUF model as Ollama keeps it, found by its reference
// (`ollama:NAME:TAG`) and by its path. The worker (dist/worker.js, started with OLLAMA_MODELS
// pointing at a temp Ollama folder) loads it; the header names the file (full path in the
// tooltip), the architecture, vocabulary size, E, the quantization and the reference; the
// matrix says "dequantized from Q4_K" next to its real badge, and so does the value under the pointer.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Core, hostSettings } from './harness.mjs';
import { ollamaGgufModel } from './models.mjs';
import { eq, ok, test } from './suite.mjs';

const CANVAS = 'vscode-tab-panel[data-panel="matrix"] .heatmap-canvas';
const TEXT = 'Hello, Ollama! def add(a, b): return a + b';

/**
 * A worker of our own whose environment names the temp Ollama folder (a worker thread copies
 * process.env when it starts), closed by the caller.
 * @param {string} ollamaRoot
 */
function coreWithOllama(ollamaRoot) {
  const before = process.env.OLLAMA_MODELS;
  process.env.OLLAMA_MODELS = ollamaRoot;
  try {
    return new Core();
  } finally {
    if (before === undefined) delete process.env.OLLAMA_MODELS;
    else process.env.OLLAMA_MODELS = before;
  }
}

/** The text of each header fact (data-fact) and its tooltip. @param {import('playwright-core').Page} page */
async function facts(page) {
  return page.locator('.pipeline [data-part="origin"] .fact').evaluateAll(els => Object.fromEntries(els.map(e => [e.getAttribute('data-fact'), { text: e.firstChild?.textContent ?? '', title: e.getAttribute('title') ?? '' }])));
}

test('a Q4_K GGUF found as ollama:NAME:TAG: the header names the reference, file, arch, vocab, E and Q4_K; the matrix says "dequantized from Q4_K"', async ({ open }) => {
  const m = ollamaGgufModel();
  const core = coreWithOllama(m.root);
  try {
    const result = await core.encode(TEXT, { ref: { model: m.reference } });
    // What the worker says (ModelSummary.origin): the header must show these, not its own guesses.
    eq(result.model.origin?.format, 'gguf', 'origin.format');
    eq(result.model.origin?.reference, m.reference, 'origin.reference');
    eq(result.model.origin?.path, m.blob, 'origin.path is the Ollama blob');
    const panel = await open({ viewport: { width: 1100, height: 720 } });
    await panel.send({ type: 'didChangeSettings', settings: hostSettings(m.reference) });
    await panel.showResult(result, { source: { uri: null, label: 'typed text', offset: 0 } });
    const page = panel.page;
    const f = await facts(page);
    // Would catch a header that drops the reference, shows the full blob path as the name, or
    // reads the vocabulary, width or type from anywhere but the reply.
    eq(f.reference?.text, m.reference, 'the reference');
    const blobName = path.basename(m.blob);
    ok(f.file && f.file.text.startsWith(blobName.slice(0, 20)) && f.file.text.length <= 40, `the file: its base name, cut in the middle (${f.file?.text})`);
    ok(f.file?.title.startsWith(m.blob), `the file's tooltip is its full path: ${f.file?.title}`);
    eq(f.arch?.text, 'llama', 'the architecture (general.architecture)');
    eq(f.vocab?.text, `vocab ${m.vocab.toLocaleString('en-US')}`, 'the vocabulary size');
    eq(f.dim?.text, `E = ${m.dim}`, 'E');
    eq(f.quant?.text, 'Q4_K', 'the quantization type');
    // A screen reader hears the path the tooltip shows.
    ok(((await page.locator('.pipeline [data-fact="file"] .sr-only').textContent()) ?? '').includes(m.blob), 'the file fact speaks its full path');
    // No input layer for a GGUF: no stage row, no selector.
    eq(await page.locator('.pipeline .input-stages').count(), 0, 'no input-layer row for a GGUF model');
    await panel.screenshot('gguf-ollama-tokens', { of: page.locator('#app'), margin: 12, docsName: 'webview-gguf' });

    await panel.openTab('matrix');
    const heading = page.locator('vscode-tab-panel[data-panel="matrix"] h3');
    const headingText = (await heading.textContent()) ?? '';
    ok(headingText.includes(`shape (${result.embeddings.rows}, ${m.dim})`) && headingText.includes('token_embd.weight Q4_K'), `the heading names the tensor and its type: ${headingText}`);
    eq(await heading.locator('.badge.real').count(), 1, 'the real badge next to the matrix');
    eq(await page.locator('#matrix-note').textContent(), 'dequantized from Q4_K as ggml does', 'the note beside the badge (the label\'s)');
    eq(await page.locator('vscode-tab-panel[data-panel="matrix"] .matrix-controls').isHidden(), true, 'no stage selector without an input layer');
    // The value under the pointer says it was dequantized, and is the worker's float32 of that cell.
    const g = JSON.parse(await page.locator(CANVAS).evaluate(c => /** @type {HTMLElement} */ (c).dataset.geometry ?? '{}'));
    const row = 1;
    const col = 3;
    await page.locator(CANVAS).hover({ position: { x: g.left + (col - g.firstCol + 0.5) * g.cellWidth, y: g.top + (row - g.firstRow + 0.5) * g.cellHeight } });
    const readout = (await page.locator('vscode-tab-panel[data-panel="matrix"] .heatmap-readout').textContent()) ?? '';
    ok(readout.startsWith(`row ${row} (Hello), column ${col}`) && readout.endsWith('(dequantized from Q4_K as ggml does)'), `readout: ${readout}`);
    const shown = /: (\S+) \(dequantized/.exec(readout)?.[1];
    const value = new Float32Array(result.embeddings.data)[row * m.dim + col];
    eq(Math.fround(Number(shown)), value, `the readout's number ${shown} is the cell of the reply`);
    await panel.screenshot('gguf-ollama-matrix', { of: page.locator('#app'), margin: 12, docsName: 'webview-gguf-matrix' });
  } finally {
    await core.close();
    rmSync(m.root, { recursive: true, force: true });
  }
});

test('a Q4_K GGUF by its path: the header names the file (no reference) and the model by general.name', async ({ open }) => {
  const m = ollamaGgufModel();
  const core = coreWithOllama(m.root);
  try {
    const result = await core.encode('Hello', { ref: { model: m.file } });
    const panel = await open();
    await panel.showResult(result);
    const page = panel.page;
    const f = await facts(page);
    // Would catch a reference shown for a model that was given by path, or the file named by its folder.
    eq(f.reference, undefined, 'no reference for a model given by path');
    eq(f.file?.text, path.basename(m.file), 'the file\'s base name');
    ok(f.file?.title.startsWith(m.file), `tooltip: ${f.file?.title}`);
    eq(f.quant?.text, 'Q4_K', 'the quantization type');
    ok(((await page.locator('.pipeline .parts strong').textContent()) ?? '').startsWith('Llama 3 tokenizer, random Q4_K rows'), 'the model is named by general.name');
  } finally {
    await core.close();
    rmSync(m.root, { recursive: true, force: true });
  }
});
