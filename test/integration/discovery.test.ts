// Select Model…'s discovery in the real extension host: each tool's layout (the Hugging Face
// cache, Ollama, LM Studio's two folders, an added folder) is built with small real files, the
// worker finds them, the picker lists them by source with their size, format and quantization,
// and each entry loads and tokenizes once chosen.
//
// Where the layouts live: test/e2e/run-integration.mjs starts code-server with HOME set to its
// fresh temp state dir (server.mjs createState), and points HF_HUB_CACHE and OLLAMA_MODELS into
// that dir too. The extension host and its worker inherit that environment, so ~/.lmstudio,
// ~/.cache/lm-studio, the HF cache and the Ollama folder seen here are this run's own, removed
// with the state dir. Anywhere else (a desktop VS Code with the user's real HOME) the suite
// skips rather than write into a real home folder.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sizeText } from '../../src/core/format';
import { hideEntry, type ModelPick } from '../../src/host/modelPicker';
import { api, buildDiscoveryLayouts, until, type DiscoveryLayouts } from './helpers';

const c = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('embeddingLens');

/** The items of each section (separator label → the items under it). */
function sections(items: readonly ModelPick[]): Map<string, ModelPick[]> {
  const out = new Map<string, ModelPick[]>();
  let current: ModelPick[] = [];
  for (const i of items) {
    if (i.kind === vscode.QuickPickItemKind.Separator) out.set(i.label, (current = []));
    else current.push(i);
  }
  return out;
}

/** The discovered entries as `label → description`. */
function listed(items: readonly ModelPick[], title: string): Record<string, string | undefined> {
  return Object.fromEntries((sections(items).get(title) ?? []).map(i => [i.label, i.description]));
}

async function resetSearchSettings(): Promise<void> {
  for (const key of ['modelSearch.folders', 'modelSearch.hidden', 'model']) await c().update(key, undefined, vscode.ConfigurationTarget.Global);
}

describe('Model discovery in Select Model', function () {
  this.timeout(120_000);
  let layouts: DiscoveryLayouts;
  let added: string;

  before(function () {
    const home = homedir();
    const hub = process.env.HF_HUB_CACHE;
    const ollama = process.env.OLLAMA_MODELS;
    const ours = path.basename(home).startsWith('embedding-lens-') && path.dirname(home) === tmpdir();
    if (!ours || !hub?.startsWith(home + path.sep) || !ollama?.startsWith(home + path.sep)) {
      // Would catch nothing here, and would write into a real home folder: only under run-integration.mjs.
      console.log(`  (skipped: HOME ${home} is not run-integration.mjs's temp state dir, or HF_HUB_CACHE / OLLAMA_MODELS are not inside it)`);
      this.skip();
    }
    added = path.join(home, 'added-models');
    layouts = buildDiscoveryLayouts({ hub, ollama, home, added });
  });

  after(async () => {
    await resetSearchSettings();
    if (!layouts) return;
    for (const dir of [layouts.hub, layouts.ollama, path.join(homedir(), '.lmstudio'), path.join(homedir(), '.cache', 'lm-studio'), added]) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(resetSearchSettings);

  it('lists each source\'s models under its title, with size, format, quantization and architecture', async () => {
    // Would catch: a source missing (a wrong default location, HF_HUB_CACHE / OLLAMA_MODELS not
    // read in the worker), a wrong reference name, a size/format/quant text that is not the file's.
    await c().update('modelSearch.folders', [layouts.added], vscode.ConfigurationTarget.Global);
    const { lens } = await api();
    const items = await lens.modelPickItems();
    const titles = [...sections(items).keys()];
    for (const t of ['Built-in', 'From disk', 'Hugging Face cache', 'Ollama', 'LM Studio', 'Added folders', 'Model search']) assert.ok(titles.includes(t), `section "${t}" in ${titles.join(' | ')}`);
    // The sources in SOURCE_TITLES' order, after the built-ins.
    assert.deepEqual(titles.filter(t => ['Hugging Face cache', 'Ollama', 'LM Studio', 'Added folders'].includes(t)), ['Hugging Face cache', 'Ollama', 'LM Studio', 'Added folders']);
    assert.deepEqual(listed(items, 'Hugging Face cache'), {
      'hf:lens-test/tiny-GGUF/tiny-bert-q4_k.gguf': '3.58 kB \u00b7 GGUF Q4_K \u00b7 bert',
      'hf:lens-test/tiny-bert': `${sizeText(layouts.hfShardBytes)} \u00b7 safetensors, 2 shards \u00b7 tokenizer.json`,
    });
    assert.deepEqual(listed(items, 'Ollama'), { 'ollama:tinyllama:q8_0': '16.4 kB \u00b7 GGUF Q8_0 \u00b7 llama' });
    assert.deepEqual(listed(items, 'LM Studio'), {
      'lmstudio:TheBloke/tiny-gpt2-GGUF/tiny-gpt2-f16.gguf': '8.74 kB \u00b7 GGUF F16 \u00b7 gpt2',
      'lmstudio:lmstudio-community/tiny-bert-GGUF/tiny-bert-q4_k.gguf': '3.58 kB \u00b7 GGUF Q4_K \u00b7 bert',
    });
    assert.deepEqual(listed(items, 'Added folders'), {
      'my-words': `${layouts.addedModelBytes} B \u00b7 safetensors \u00b7 vocab.txt`,
      'tiny-gpt2-f16.gguf': '8.74 kB \u00b7 GGUF F16 \u00b7 gpt2',
    });
    // What choosing an entry saves: the reference for the caches, the path for an added folder.
    const values = Object.fromEntries(items.filter(i => i.source).map(i => [i.label, i.value]));
    assert.equal(values['ollama:tinyllama:q8_0'], 'ollama:tinyllama:q8_0');
    assert.equal(values['hf:lens-test/tiny-bert'], 'hf:lens-test/tiny-bert');
    assert.equal(values['my-words'], path.join(layouts.added, 'my-words'));
    // Each entry's detail is the file or folder it loads from.
    const detail = Object.fromEntries(items.filter(i => i.source).map(i => [i.label, i.detail]));
    assert.match(detail['ollama:tinyllama:q8_0'] ?? '', /blobs[\\/]sha256-[0-9a-f]{64}$/);
    assert.ok(detail['lmstudio:TheBloke/tiny-gpt2-GGUF/tiny-gpt2-f16.gguf']?.startsWith(layouts.lmstudioOld), 'the older LM Studio folder');
  });

  it('a broken Ollama manifest is listed as a problem and hides nothing else', async () => {
    // Would catch: one bad manifest throwing (an empty picker) or silently dropped.
    const { lens } = await api();
    const items = await lens.modelPickItems();
    const s = sections(items);
    const problems = s.get('1 entry could not be read');
    assert.ok(problems, `a problems section in ${[...s.keys()].join(' | ')}`);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.label, '$(warning) ollama:broken:latest');
    assert.equal(problems[0]!.description, 'badManifest');
    assert.match(problems[0]!.detail ?? '', /manifests[\\/]registry\.ollama\.ai[\\/]library[\\/]broken[\\/]latest: not valid JSON/);
    assert.ok(listed(items, 'Ollama')['ollama:tinyllama:q8_0'], 'the good manifest beside it is listed');
    // The problems come last.
    assert.equal(items[items.length - 1], problems[0]);
  });

  it('embeddingLens.modelSearch.hidden hides a source or one location; .folders adds one', async () => {
    // Would catch: the settings not reaching the worker's discovery, or a hidden source still listed.
    const { lens } = await api();
    let items = await lens.modelPickItems();
    assert.equal(sections(items).has('Added folders'), false, 'no added folder before the setting');
    await c().update('modelSearch.folders', [layouts.added], vscode.ConfigurationTarget.Global);
    await c().update('modelSearch.hidden', ['ollama', layouts.lmstudio], vscode.ConfigurationTarget.Global);
    items = await lens.modelPickItems();
    const s = sections(items);
    assert.equal(s.has('Ollama'), false, 'ollama hidden');
    assert.ok(s.has('Added folders'), 'the added folder is searched');
    assert.deepEqual(Object.keys(listed(items, 'LM Studio')), ['lmstudio:TheBloke/tiny-gpt2-GGUF/tiny-gpt2-f16.gguf'], 'only the older LM Studio folder');
    assert.ok(s.has('Hugging Face cache'));
    assert.equal(s.has('1 entry could not be read'), false, 'the hidden source\'s problems go too');
    assert.ok(items.some(i => i.action === 'settings' && i.label.includes('ollama')), 'the picker says what is hidden');
  });

  it('an entry\'s button hides its source, or stops searching its added folder (user settings)', async () => {
    // Would catch: a button that is missing, or writes the wrong setting or value (a `~` folder
    // left in place because the expanded path was looked for). (The click itself cannot be made from the extension host: the
    // test runs what the button's handler runs.)
    await c().update('modelSearch.folders', ['~/added-models'], vscode.ConfigurationTarget.Global);
    const { lens } = await api();
    let items = await lens.modelPickItems();
    const ollama = items.find(i => i.label === 'ollama:tinyllama:q8_0')!;
    assert.deepEqual(ollama.buttons?.map(b => b.tooltip), ['Use for this workspace only (saved in .vscode/settings.json)', 'Hide this source (embeddingLens.modelSearch.hidden)']);
    await hideEntry(ollama);
    assert.deepEqual(c().inspect('modelSearch.hidden')?.globalValue, ['ollama']);
    items = await lens.modelPickItems();
    assert.equal(sections(items).has('Ollama'), false);
    const words = items.find(i => i.label === 'my-words')!;
    assert.equal(words.buttons?.[words.buttons.length - 1]?.tooltip, 'Stop searching this folder (embeddingLens.modelSearch.folders)');
    await hideEntry(words);
    assert.deepEqual(c().inspect('modelSearch.folders')?.globalValue, [], 'the folder as the user wrote it (with ~) is removed');
    assert.deepEqual(c().inspect('modelSearch.hidden')?.globalValue, ['ollama'], 'nothing hidden for it');
    items = await lens.modelPickItems();
    assert.equal(sections(items).has('Added folders'), false);
    assert.ok(sections(items).has('Hugging Face cache'), 'the other sources stay');
  });

  it('each entry loads once chosen: the worker reads it and tokenizes a short text', async () => {
    // Would catch: an entry listed that does not load (a reference resolved differently from how
    // discovery named it, a path the loader refuses), or a choice saved as something else.
    await c().update('modelSearch.folders', [layouts.added], vscode.ConfigurationTarget.Global);
    const { lens } = await api();
    const entries = (await lens.modelPickItems()).filter(i => i.source && i.value);
    assert.equal(entries.length, 7, entries.map(e => e.label).join(', '));
    const dims: Record<string, number> = {
      'hf:lens-test/tiny-bert': 4,
      'hf:lens-test/tiny-GGUF/tiny-bert-q4_k.gguf': 256,
      'ollama:tinyllama:q8_0': 32,
      'lmstudio:TheBloke/tiny-gpt2-GGUF/tiny-gpt2-f16.gguf': 8,
      'lmstudio:lmstudio-community/tiny-bert-GGUF/tiny-bert-q4_k.gguf': 256,
      'my-words': 3,
      'tiny-gpt2-f16.gguf': 8,
    };
    for (const e of entries) {
      const picked = await vscode.commands.executeCommand<string>('embeddingLens.selectModel', { model: e.value });
      assert.equal(picked, e.value, `${e.label} was chosen (it loaded)`);
      assert.equal(c().inspect('model')?.globalValue, e.value, `${e.label} saved in the user settings`);
      const ref = { model: e.value! };
      const tok = await lens.worker.request({ type: 'tokenize', ref, text: 'hello world', addSpecialTokens: false });
      const ids = Array.from(new Int32Array(tok.tokens.ids));
      assert.ok(ids.length > 0, `${e.label}: ids for "hello world"`);
      const enc = await lens.worker.request({ type: 'encode', ref, text: 'hello world', options: { maxLength: null, modelMaxLength: false }, keepGates: false });
      assert.equal(enc.embeddings.cols, dims[e.label], `${e.label}: E`);
      assert.ok(enc.embeddings.rows >= ids.length, `${e.label}: one row per id`);
      if (e.label === 'hf:lens-test/tiny-bert') {
        // bert-base-uncased's own ids (its vocab.txt: hello = 7592, world = 2088), through the cache's symlinks.
        assert.deepEqual(ids, [7592, 2088]);
        assert.deepEqual(enc.inputLayer && 'stages' in enc.inputLayer ? enc.inputLayer.stages.map(s => s.name) : enc.inputLayer, ['word', '+ position', '+ type', 'LayerNorm'], 'the sharded BERT\'s input layer');
      }
      if (e.label === 'ollama:tinyllama:q8_0') assert.equal(enc.model.origin?.quant, 'Q8_0');
    }
  });

  it('the real quick pick: filled when the worker answers, and choosing an entry saves its reference', async () => {
    // Would catch: a picker never filled with what the worker found, one that loses the built-ins
    // when filled, or a choice saved as the blob path instead of the ollama: reference.
    const { lens } = await api();
    const chosen = vscode.commands.executeCommand<string>('embeddingLens.selectModel');
    const qp = await until('the Select Model quick pick', () => lens.activeModelPicker());
    const entry = await until('the Ollama entry in the picker', () => !qp.busy && qp.items.find(i => i.label === 'ollama:tinyllama:q8_0'), 30_000);
    assert.ok(qp.items.some(i => i.label === 'seed'), 'the built-ins are still there');
    qp.activeItems = [entry];
    await new Promise(r => setTimeout(r, 200));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await chosen, 'ollama:tinyllama:q8_0');
    assert.equal(c().inspect('model')?.globalValue, 'ollama:tinyllama:q8_0', 'the reference, not the blob path');
    assert.equal(lens.activeModelPicker(), undefined, 'the picker is gone');
    // The setting is read back as a reference (not made a path inside the workspace folder), and Inspect Selection uses it.
    assert.equal(lens.settings().model, 'ollama:tinyllama:q8_0');
    const doc = await vscode.workspace.openTextDocument({ content: 'hello world' });
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 0, 0, 11);
    const inspected = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.ok(inspected && inspected.ids.length > 0, 'the selection was encoded with the chosen model');
    const { activePanel } = await api();
    assert.equal(activePanel()?.result?.result.model.origin?.reference, 'ollama:tinyllama:q8_0');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('closing the picker while it looks cancels the worker\'s search', async () => {
    // Would catch: a discover request left running after its picker closed (the worker busy for
    // nothing, or a late answer filled into a disposed picker). The search is made to run until
    // cancelled (the worker's `busy` test fault in place of this discover request).
    const { lens } = await api();
    const before = lens.worker.outcomeCount;
    lens.worker.injectFault('busy', 'discover', 60_000);
    const chosen = vscode.commands.executeCommand<string>('embeddingLens.selectModel');
    const qp = await until('the Select Model quick pick', () => lens.activeModelPicker());
    await until('the search to start', () => lens.worker.pendingRequests().some(p => p.type === 'discover' && p.started));
    assert.equal(qp.busy, true, 'busy while the worker looks');
    assert.ok(qp.items.some(i => i.label === 'seed'), 'shown at once, before discovery answers');
    qp.hide();
    assert.equal(await chosen, undefined);
    const outcome = await until('the discover request to end', () => lens.worker.outcomesSince(before).find(o => o.type === 'discover'));
    assert.equal(outcome.outcome, 'cancelled');
  });
});
