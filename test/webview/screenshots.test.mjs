// Screenshots: the seed example in the four captured themes (test-output/webview/), and with
// --update-docs the README's pictures (docs/screenshots/): the seed example, a GPT-2 tokenization
// and the hidden-state traces of a code selection. Each is checked for what it should show first.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEED, THEME_NAMES, hostSettings, repoRoot } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

test('the seed example in the four themes', async ({ open, encode }) => {
  const result = await encode(SEED);
  for (const theme of THEME_NAMES) {
    const panel = await open({ theme, viewport: { width: 1000, height: 620 } });
    await panel.send({ type: 'didChangeSettings', settings: hostSettings() });
    await panel.showResult(result, { source: { uri: null, label: 'the seed example', offset: 0 } });
    // Body classes and variables are VS Code's (captured): the panel's CSS sees the real theme.
    const cls = await panel.page.evaluate(() => document.body.className);
    ok(cls.includes(theme.includes('high-contrast') ? 'vscode-high-contrast' : theme.startsWith('light') ? 'vscode-light' : 'vscode-dark'), `${theme}: body class ${cls}`);
    await panel.screenshot(`seed-${theme}`, { of: panel.page.locator('#app'), margin: 12, ...(theme === 'dark-modern' ? { docsName: 'webview-seed' } : {}) });
    await panel.openTab('matrix');
    await panel.screenshot(`seed-matrix-${theme}`);
    await panel.close();
  }
});

/**
 * A model folder made for the picture: GPT-2's tokenizer.json and a seeded random F32 embedding
 * table with a row for each of its 50 257 ids. Its folder name says it is random (the panel shows
 * the folder name as the model's name). Removed by the caller.
 */
function gpt2RandomModel() {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'embedding-lens-gpt2-')), 'GPT-2 tokenizer + random embedding (seed 1)');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'tokenizer.json'), readFileSync(path.join(repoRoot, 'assets', 'tokenizers', 'gpt2', 'tokenizer.json')));
  const rows = 50257;
  const dim = 32;
  const data = new Float32Array(rows * dim);
  // mulberry32, seed 1: test data only, but never Math.random (CONTRIBUTING.md, "Numbers").
  let s = 1;
  for (let i = 0; i < data.length; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    data[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) * 0.2;
  }
  let header = JSON.stringify({ __metadata__: { note: 'random, seed 1 (for a screenshot)' }, 'embedding.weight': { dtype: 'F32', shape: [rows, dim], data_offsets: [0, data.byteLength] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, Buffer.from(header), Buffer.from(data.buffer)]));
  return dir;
}

test('a GPT-2 tokenization: byte-level pieces, respelled spaces, no pads', async ({ open, core }) => {
  const dir = gpt2RandomModel();
  try {
    const ref = { model: dir };
    const text = 'The caf\u00e9\u2019s na\u00efve coder wrote: const answer = 42; // d\u00e9j\u00e0 vu';
    const result = await core.encode(text, { ref });
    ok(result.model.name.includes('random'), `model name says random: ${result.model.name}`);
    const panel = await open({ viewport: { width: 1000, height: 560 } });
    await panel.send({ type: 'didChangeSettings', settings: hostSettings(dir) });
    await panel.showResult(result, { source: { uri: null, label: 'typed text', offset: 0 } });
    const chips = panel.page.locator('.chip:not(.pad)');
    eq(await chips.count(), result.tokens.count, 'one chip per GPT-2 token');
    eq(await panel.page.locator('.chip.pad').count(), 0, 'no pads (GPT-2 has no pad token)');
    // \u2019 is 3 bytes: byte-level BPE splits it into pieces that share its span.
    ok(await panel.page.locator('.chip.partial').count() >= 2, 'the byte pieces of \u2019 are marked partial');
    await panel.screenshot('gpt2-tokens', { of: panel.page.locator('#app'), margin: 12, docsName: 'webview-gpt2' });
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});

test('hidden-state traces of a code selection (builtin:glove-100d)', async ({ open, core }) => {
  const ref = { model: 'builtin:glove-100d' };
  const file = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'workspace', 'code.ts'), 'utf8');
  // The cache's get(): a selection of a few dozen tokens.
  const start = file.indexOf('  get(key');
  const end = file.indexOf('\n  }\n', file.indexOf('  get(')) + 4;
  ok(start > 0 && end > start, 'the selection is in code.ts');
  const text = file.slice(start, end);
  const result = await core.encode(text, { ref, options: { maxLength: null, random: { cell: 'gru', hiddenSize: 16, seed: 0 } } });
  const panel = await open({ viewport: { width: 1100, height: 1000 } });
  panel.serveAsHost(core, { ref });
  await panel.send({ type: 'didChangeSettings', settings: hostSettings('builtin:glove-100d', { random: { cell: 'gru', hiddenSize: 16, seed: 0 } }) });
  await panel.showResult(result, { source: { uri: 'file:///workspace/code.ts', label: `code.ts:${file.slice(0, start).split('\n').length}`, offset: start } });
  await panel.openTab('hidden');
  await panel.page.waitForTimeout(300);
  const heading = (await panel.page.locator('vscode-tab-panel[data-panel="hidden"]').textContent()) ?? '';
  ok(heading.includes('GRU'), 'a GRU encoder');
  await panel.screenshot('code-traces', { docsName: 'webview-traces', fullPage: true });
});
