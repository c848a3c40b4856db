// The UI test: the extension as a user gets it (the packaged .vsix, installed into a fresh
// code-server), driven through the real workbench in headless Chromium. Builds nothing:
// `npm run build` first. Screenshots go to test-output/ui/.
//
// Usage: node test/e2e/ui.mjs      Env: KEEP_STATE=1 keeps the temp state dir.
// The steps run in order and each one builds on the last, so after a failure the rest are
// skipped. The closing line is `N passed, N failed[, N skipped]`; exit status 1 on a failure.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeTestResults } from '../../scripts/testResults.mjs';
import { launchChromium } from './chromium.mjs';
import { exitAfterCleanup, isShuttingDown, runToCompletion } from './cleanup.mjs';
import { createState, fixtureWorkspace, installExtension, outputRoot, repoRoot, startCodeServer } from './server.mjs';
import { Workbench } from './workbench.mjs';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

const outDir = path.join(outputRoot, 'ui');
const SEED = 'White refrigerator is evil.';
/** A line of test/fixtures/workspace/code.ts that gpt2 and o200k_base cut differently. */
const COMPARE_LINE = '// A small LRU cache, the kind of code a tokenizer keeps next to its vocabulary.';
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
/** The held-out Llama 3 GGUF (Q4_K token_embd, general.name a readable title), served as an Ollama model. */
const HELD_OUT = path.join(repoRoot, 'test', 'fixtures', 'gguf-heldout');
const OLLAMA_NAME = 'llama3-heldout';
const OLLAMA_TAG = 'q4_k';
const OLLAMA_REF = `ollama:${OLLAMA_NAME}:${OLLAMA_TAG}`;
/** A line of test/fixtures/workspace/code.ts for the GGUF model (line 10), selected by line and column. */
const GGUF_LINE = 'export class LruCache<K, V> {';
const GGUF_LINE_NUMBER = 10;

/**
 * What the steps share: filled in as they go.
 * @type {{ state?: import('./server.mjs').State, vsix?: string, server?: import('./server.mjs').CodeServer,
 *          browser?: import('playwright-core').Browser, closeBrowser?: () => Promise<void>, wb?: Workbench }}
 */
const ctx = {};

/** @type {{ name: string, run: () => Promise<void> }[]} */
const steps = [
  {
    name: 'package the extension as a .vsix',
    async run() {
      if (!existsSync(path.join(repoRoot, pkg.main))) throw new Error(`${pkg.main} not found: run \`npm run build\` first`);
      ctx.state = createState('ui');
      ctx.vsix = path.join(ctx.state.dir, `${pkg.name}-${pkg.version}.vsix`);
      const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
      // The bundles as built (EMBEDDING_LENS_PACKAGING: vsce's prepublish step, scripts/package.mjs,
      // neither rebuilds them nor writes dist/README.md) and README.md as it is.
      await runToCompletion(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--readme-path', 'README.md', '--out', ctx.vsix], { cwd: repoRoot, env: { ...process.env, EMBEDDING_LENS_PACKAGING: '1' } });
    },
  },
  {
    name: 'install it into a fresh code-server',
    async run() {
      const { state, vsix } = need('state', 'vsix');
      await installExtension(state, vsix);
    },
  },
  {
    name: 'the workbench opens the sample workspace',
    async run() {
      const { state } = need('state');
      // An Ollama models folder as Ollama lays it out, for the GGUF step: OLLAMA_MODELS is read by
      // the extension's worker (discovery), so it is set for code-server before it starts.
      state.env.OLLAMA_MODELS = await ollamaFolder(path.join(state.dir, 'ollama'));
      ctx.server = await startCodeServer({ label: 'ui', state });
      const chromium = await launchChromium({ label: 'ui' });
      ctx.browser = chromium.browser;
      ctx.closeBrowser = chromium.close;
      // A copy of the sample workspace: a step that types into an editor must not change the repository.
      const folder = path.join(state.dir, 'workspace');
      cpSync(fixtureWorkspace, folder, { recursive: true });
      ctx.wb = await Workbench.open(ctx.browser, ctx.server.workbenchUrl({ folder }),
        { outDir, expectFile: 'seed.txt' });
    },
  },
  {
    name: 'the palette lists every contributed command',
    async run() {
      const { wb } = need('wb');
      const expected = paletteTitles();
      if (expected.length === 0) throw new Error('package.json contributes no command to the palette');
      const listed = await wb.paletteCommands(`${pkg.displayName}:`, { expect: expected });
      const missing = expected.filter(t => !listed.includes(t));
      if (missing.length > 0) throw new Error(`missing from the palette: ${missing.join(', ')} (listed: ${listed.join(', ') || 'nothing'})`);
    },
  },
  {
    name: 'Ctrl+P opens seed.txt',
    async run() {
      await need('wb').wb.openFile('seed.txt', { expectText: 'refrigerator' });
    },
  },
  {
    name: 'select the seed sentence',
    async run() {
      const { wb } = need('wb');
      await wb.selectText(SEED);
      await wb.screenshot('1-seed-selected');
    },
  },
  {
    name: 'run "Embedding Lens: Inspect Selection" from the palette; the panel shows the ids',
    async run() {
      const { wb } = need('wb');
      await wb.runCommand('Embedding Lens: Inspect Selection');
      const ids = wb.webviewFrame().locator('#input-ids');
      await ids.waitFor({ timeout: 30_000 });
      const text = (await ids.textContent())?.trim();
      // A selection gets no model max length (issue 10 item 6): five ids, no pads.
      if (text !== '[320, 1028, 5, 128, 1]') throw new Error(`the panel shows input_ids ${text}, expected [320, 1028, 5, 128, 1]`);
      const chips = await wb.webviewFrame().locator('.chip:not(.pad)').count();
      if (chips !== 5) throw new Error(`the panel shows ${chips} token chips, expected 5`);
      await wb.screenshot('2-panel');
      await wb.screenshot('2b-panel-only', wb.page.locator('iframe.webview.ready').last());
    },
  },
  {
    name: 'placement: the panel opened beside seed.txt, which stays visible in its own group',
    async run() {
      const { wb } = need('wb');
      const groups = await wb.page.locator('.editor-group-container').evaluateAll(els => els.map(g => ({
        tabs: [...g.querySelectorAll('.tab')].map(t => t.textContent?.trim() ?? ''),
        active: g.querySelector('.tab.active')?.textContent?.trim() ?? '',
      })));
      const source = groups.findIndex(g => g.active.includes('seed.txt'));
      const panel = groups.findIndex(g => g.tabs.some(t => t.includes('Embedding Lens')));
      if (source < 0) throw new Error(`seed.txt is not the visible editor of any group: ${JSON.stringify(groups)}`);
      if (panel < 0 || panel === source) throw new Error(`the panel is not in a group of its own beside seed.txt: ${JSON.stringify(groups)}`);
    },
  },
  {
    name: 'hover "refrigerator": its id and vector',
    async run() {
      const { wb } = need('wb');
      // Give the editor back the focus (the panel's frame has it) by clicking its tab.
      await wb.page.locator('.tab', { hasText: 'seed.txt' }).first().click();
      const hover = await wb.hoverWord('refrigerator', { hasText: '1028' });
      const text = (await hover.innerText()).replace(/\s+/g, ' ');
      if (!/id 1028/.test(text) || !text.includes('[3.14, 2.5, -0.2, 0.1, 1.2]')) throw new Error(`hover text: ${text}`);
      await wb.screenshot('4-hover');
      docs.push(['4-hover', 'hover']);
    },
  },
  {
    name: 'live text: typing in the panel\'s text box re-encodes after a pause',
    async run() {
      const { wb } = need('wb');
      const frame = wb.webviewFrame();
      const box = frame.locator('#input-text textarea');
      await box.click();
      // The click's focus lands in the webview's frame a moment later; keys before that go to the workbench.
      await box.evaluate(el => new Promise((resolve, reject) => {
        const t0 = Date.now();
        const poll = () => {
          let a = document.activeElement;
          while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
          if (a === el) resolve(undefined);
          else if (Date.now() - t0 > 10_000) reject(new Error(`the text box did not take the focus (${a?.tagName})`));
          else setTimeout(poll, 50);
        };
        poll();
      }));
      await wb.page.keyboard.press('Control+A');
      await wb.page.keyboard.type(`${SEED} White`, { delay: 20 });
      const want = '[320, 1028, 5, 128, 1, 320]';
      await frame.locator('#input-ids', { hasText: want }).waitFor({ state: 'attached', timeout: 30_000 }).catch(async () => {
        throw new Error(`after typing, the panel shows input_ids ${(await frame.locator('#input-ids').textContent())?.trim()}, expected ${want}`);
      });
      await wb.screenshot('5-live-text', wb.page.locator('iframe.webview.ready').last());
      docs.push(['5-live-text', 'panel-live-text']);
    },
  },
  {
    name: 'reload: after Developer: Reload Window the panel shows the same ids, tab and token',
    async run() {
      const { wb } = need('wb');
      let frame = wb.webviewFrame();
      await frame.locator('vscode-tab-header[data-tab="tokens"]').click();
      await frame.locator('.chip[data-index="2"]').click();
      await frame.locator('vscode-tab-header[data-tab="matrix"]').click();
      await frame.locator('#matrix-printout').waitFor();
      // Let the panel's setState reach the workbench before it goes away.
      await wb.page.waitForTimeout(1_000);
      await wb.runCommand('Developer: Reload Window');
      await wb.page.locator('.monaco-workbench').waitFor();
      await wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'seed.txt' }).waitFor();
      frame = wb.webviewFrame();
      const want = '[320, 1028, 5, 128, 1, 320]';
      await frame.locator('#input-ids', { hasText: want }).waitFor({ state: 'attached', timeout: 60_000 }).catch(async () => {
        throw new Error(`after the reload, the panel shows input_ids ${(await frame.locator('#input-ids').textContent().catch(() => 'nothing'))?.trim()}, expected ${want}`);
      });
      if (await frame.locator('vscode-tab-panel[data-panel="matrix"]').getAttribute('hidden') !== null) throw new Error('after the reload, the Padded matrix tab is not the one on show');
      const selected = await frame.locator('.chip[data-index="2"]').getAttribute('aria-selected');
      if (selected !== 'true') throw new Error(`after the reload, chip 2 is not selected (aria-selected=${selected})`);
      // The text box is filled once the tokens are painted.
      const box = frame.locator('#input-text textarea');
      const deadline = Date.now() + 10_000;
      let typed = await box.inputValue();
      while (typed !== `${SEED} White` && Date.now() < deadline) {
        await wb.page.waitForTimeout(100);
        typed = await box.inputValue();
      }
      if (typed !== `${SEED} White`) throw new Error(`after the reload, the text box holds ${JSON.stringify(typed)}`);
      await wb.screenshot('6-after-reload');
    },
  },
  {
    name: 'Show the Seed Example: the explainer\'s [320, 1028, 5, 128, 1, 0, 0, 0]',
    async run() {
      const { wb } = need('wb');
      await wb.runCommand('Embedding Lens: Show the Seed Example');
      const frame = wb.webviewFrame();
      const want = '[320, 1028, 5, 128, 1, 0, 0, 0]';
      await frame.locator('#input-ids', { hasText: want }).waitFor({ state: 'attached', timeout: 30_000 }).catch(async () => {
        throw new Error(`the seed example shows input_ids ${(await frame.locator('#input-ids').textContent())?.trim()}, expected ${want}`);
      });
      await frame.locator('vscode-tab-header[data-tab="tokens"]').click();
      await wb.screenshot('7-seed-example', wb.page.locator('iframe.webview.ready').last());
      docs.push(['7-seed-example', 'panel-seed']);
    },
  },
  {
    name: 'the padded matrix tab shows the explainer\'s (8, 5) numbers',
    async run() {
      const { wb } = need('wb');
      const frame = wb.webviewFrame();
      await frame.locator('vscode-tab-header[data-tab="matrix"]').click();
      const printout = frame.locator('#matrix-printout');
      await printout.waitFor();
      const text = (await printout.textContent()) ?? '';
      for (const row of ['[[10, 0.01, 2.3, 0.1, 0.1],', ' [3.14, 2.5, -0.2, 0.1, 1.2],', 'Shape - (8, 5)']) {
        if (!text.includes(row)) throw new Error(`the matrix printout lacks ${JSON.stringify(row)}:\n${text}`);
      }
      await wb.screenshot('3-matrix', wb.page.locator('iframe.webview.ready').last());
      docs.push(['3-matrix', 'panel-matrix']);
      await frame.locator('vscode-tab-header[data-tab="tokens"]').click();
    },
  },
  {
    name: 'Compare Tokenizers…: gpt2 and o200k_base side by side, ids as tiktoken gives them',
    async run() {
      const { wb } = need('wb');
      await wb.openFile('code.ts', { expectText: 'LRU cache' });
      await wb.selectText(COMPARE_LINE);
      await wb.runCommand('Embedding Lens: Compare Tokenizers…');
      for (const [side, choice] of /** @type {[string, string][]} */ ([['A', 'gpt2'], ['B', 'o200k_base']])) {
        await wb.quickInput.waitFor();
        await wb.page.locator('.quick-input-widget', { hasText: `Compare Tokenizers (${side === 'A' ? 1 : 2}/2)` }).waitFor();
        await wb.quickInput.fill(choice);
        await wb.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: choice }).waitFor();
        await wb.page.keyboard.press('Enter');
      }
      const frame = wb.webviewFrame();
      const a = frame.locator('.cmp-ids-a');
      await a.waitFor({ timeout: 60_000 });
      const [wantA, wantB] = await tiktokenIds(COMPARE_LINE, ['gpt2', 'o200k_base']);
      const gotA = (await a.textContent())?.trim();
      const gotB = (await frame.locator('.cmp-ids-b').textContent())?.trim();
      if (gotA !== wantA) throw new Error(`side A (gpt2) ids ${gotA}, tiktoken gives ${wantA}`);
      if (gotB !== wantB) throw new Error(`side B (o200k_base) ids ${gotB}, tiktoken gives ${wantB}`);
      await wb.screenshot('8-compare', frame.locator('.compare-view'));
      docs.push(['8-compare', 'panel-compare']);
    },
  },
  {
    name: 'Light High Contrast: the panel and the token boundaries follow the theme',
    async run() {
      const { wb } = need('wb');
      // The keyboard back to the workbench: the element screenshot above left it in the panel's frame.
      await wb.page.locator('.tab', { hasText: 'code.ts' }).first().click();
      await wb.activeEditor.click({ position: { x: 5, y: 5 } });
      await wb.focusWorkbench();
      // Preferences: Color Theme from the palette, then the theme picker (the same quick input, reopened).
      await wb.page.keyboard.press('F1');
      await wb.quickInput.waitFor();
      await wb.quickInput.fill('>Preferences: Color Theme');
      // Clicked: "Browse Color Themes in Marketplace" may be ranked first.
      await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Preferences: Color Theme' }).first().click();
      const themes = wb.page.locator('.quick-input-widget input[placeholder*="Color Theme"]');
      await themes.waitFor();
      await themes.fill('Light High Contrast');
      await wb.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Light High Contrast' }).waitFor();
      await wb.page.keyboard.press('Enter');
      await wb.page.locator('.monaco-workbench.hc-light').waitFor({ state: 'attached', timeout: 30_000 });
      await wb.runCommand('Embedding Lens: Toggle Token Boundaries');
      const frame = wb.webviewFrame();
      await frame.locator('body.vscode-high-contrast-light').waitFor({ state: 'attached', timeout: 15_000 }).catch(async () => {
        throw new Error(`the panel's body did not take the high-contrast class: ${await frame.locator('body').getAttribute('class')}`);
      });
      await frame.locator('vscode-tab-header[data-tab="tokens"]').click();
      await wb.screenshot('9-high-contrast');
      docs.push(['9-high-contrast', 'high-contrast-light']);
    },
  },
  {
    name: `an Ollama-style GGUF model (${OLLAMA_REF}, Q4_K): a line of code.ts gives the ids of the Rust library and its rows`,
    async run() {
      const { wb, state } = need('wb', 'state');
      // The model setting, and the theme back to the default (the last step chose High Contrast),
      // in the workspace copy's settings: as a user who writes the reference there.
      const vscodeDir = path.join(state.dir, 'workspace', '.vscode');
      mkdirSync(vscodeDir, { recursive: true });
      await writeFile(path.join(vscodeDir, 'settings.json'), JSON.stringify({ 'embeddingLens.model': OLLAMA_REF, 'workbench.colorTheme': 'Default Dark Modern' }, null, 2));
      await wb.page.locator('.monaco-workbench.vs-dark').waitFor({ state: 'attached', timeout: 30_000 }).catch(() => {
        throw new Error('the workspace settings were not picked up (the theme did not change back to Default Dark Modern)');
      });
      await wb.page.locator('.tab', { hasText: 'code.ts' }).first().click();
      const line = readFileSync(path.join(state.dir, 'workspace', 'code.ts'), 'utf8').split('\n')[GGUF_LINE_NUMBER - 1];
      if (line !== GGUF_LINE) throw new Error(`code.ts line ${GGUF_LINE_NUMBER} is ${JSON.stringify(line)}, expected ${JSON.stringify(GGUF_LINE)}`);
      // By line and column: the find widget is still open in this editor from the compare step.
      await wb.selectText({ line: GGUF_LINE_NUMBER, startColumn: 1, endColumn: GGUF_LINE.length + 1 });
      await wb.runCommand('Embedding Lens: Inspect Selection');
      const want = await llamaIds(GGUF_LINE);
      const frame = wb.webviewFrame();
      await frame.locator('#input-ids', { hasText: want }).waitFor({ state: 'attached', timeout: 90_000 }).catch(async () => {
        throw new Error(`with ${OLLAMA_REF} the panel shows input_ids ${(await frame.locator('#input-ids').textContent().catch(() => 'nothing'))?.trim()}, the Rust library gives ${want}`);
      });
      // The header says what was loaded: the reference, the table's size and how its rows are stored.
      const body = (await frame.locator('body').innerText()).replace(/\s+/g, ' ');
      for (const s of [OLLAMA_REF, 'vocab 128,256', 'E = 256', 'Q4_K']) {
        if (!body.includes(s)) throw new Error(`the panel does not say ${JSON.stringify(s)}: ${body.slice(0, 600)}`);
      }
      const n = want.split(',').length;
      // The panel's group maximized for the pictures: beside the editor it is too narrow to show
      // the tokens and a row per token at once. (Only the picture needs it; nothing after this step.)
      const panelTab = wb.page.locator('.tab', { hasText: 'Embedding Lens' }).last();
      await panelTab.click();
      await wb.page.waitForTimeout(500);
      // The click makes the panel's group active but may hand the keyboard to the webview, which
      // does not always pass F1 on: give it to the tab itself before opening the palette.
      await panelTab.focus();
      await wb.runCommand('View: Toggle Maximize Editor Group');
      await wb.page.waitForTimeout(800);
      await frame.locator('vscode-tab-header[data-tab="tokens"]').click();
      await wb.page.waitForTimeout(500);
      await wb.screenshot('10-gguf-tokens', wb.page.locator('iframe.webview.ready').last());
      // The rows: the padded matrix tab, (T, 256), dequantized from Q4_K.
      await frame.locator('vscode-tab-header[data-tab="matrix"]').click();
      // A wide table is shown as a heatmap, a row per token; the heading gives its shape.
      const matrixPanel = frame.locator('vscode-tab-panel[data-panel="matrix"]');
      await matrixPanel.getByText(`shape (${n}, 256)`).first().waitFor({ timeout: 30_000 }).catch(() => {});
      const matrixTab = (await matrixPanel.innerText()).replace(/\s+/g, ' ');
      if (!matrixTab.includes(`shape (${n}, 256)`)) throw new Error(`the matrix tab does not say "shape (${n}, 256)": ${matrixTab.slice(0, 400)}`);
      if (!/dequantized from Q4_K/.test(matrixTab)) throw new Error(`the matrix tab does not say "dequantized from Q4_K": ${matrixTab.slice(0, 400)}`);
      // The tab's heading, note and heatmap (a row per token, labelled) in view for the picture.
      await frame.locator('vscode-tab-panel[data-panel="matrix"]').evaluate(el => el.scrollIntoView({ block: 'start' }));
      await wb.page.waitForTimeout(500);
      await wb.screenshot('10-gguf', wb.page.locator('iframe.webview.ready').last());
      docs.push(['10-gguf-tokens', 'panel-gguf-tokens'], ['10-gguf', 'panel-gguf']);
    },
  },
];

/**
 * An Ollama models folder holding the held-out llama3 GGUF: blobs/sha256-<digest> (the file,
 * no extension) and manifests/registry.ollama.ai/library/llama3-heldout/q4_k naming it.
 * @param {string} dir
 * @returns {Promise<string>} dir
 */
async function ollamaFolder(dir) {
  const gguf = gunzipSync(readFileSync(path.join(HELD_OUT, 'llama3-q4_k.gguf.gz')));
  const digest = createHash('sha256').update(gguf).digest('hex');
  mkdirSync(path.join(dir, 'blobs'), { recursive: true });
  await writeFile(path.join(dir, 'blobs', `sha256-${digest}`), gguf);
  const manifests = path.join(dir, 'manifests', 'registry.ollama.ai', 'library', OLLAMA_NAME);
  mkdirSync(manifests, { recursive: true });
  await writeFile(path.join(manifests, OLLAMA_TAG), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size: gguf.length }],
  }));
  return dir;
}

/**
 * The ids the Rust tokenizers library (the reference, a dev dependency) gives for `text` on the
 * tokenizer.json the held-out file was converted from, with the BOS llama.cpp adds, as the panel prints them.
 * @param {string} text
 */
async function llamaIds(text) {
  const manifest = JSON.parse(readFileSync(path.join(HELD_OUT, 'llama3-q4_k.json'), 'utf8'));
  const mod = await import('tokenizers');
  const { Tokenizer } = mod.default ?? mod;
  const tok = Tokenizer.fromString(readFileSync(path.join(repoRoot, manifest.tokenizer_json), 'utf8'));
  const enc = await tok.encode(text, null, { addSpecialTokens: false });
  return `[${[...manifest.special.prefix, ...enc.getIds(), ...manifest.special.suffix].join(', ')}]`;
}

/** Screenshots that README shows: [test-output name, docs/screenshots name]. */
const docs = /** @type {[string, string][]} */ ([]);

/** Copies the README's screenshots into docs/screenshots when asked (`--update-docs`). */
function updateDocs() {
  if (!process.argv.includes('--update-docs')) return;
  const target = path.join(repoRoot, 'docs', 'screenshots');
  mkdirSync(target, { recursive: true });
  for (const [from, to] of docs) copyFileSync(path.join(outDir, `${from}.png`), path.join(target, `${to}.png`));
  console.log(`ui: copied ${docs.length} screenshots to docs/screenshots`);
}

/**
 * The ids tiktoken (the reference, a dev dependency) gives for `text`, as the panel prints them.
 * @param {string} text
 * @param {string[]} encodings
 */
async function tiktokenIds(text, encodings) {
  const { get_encoding } = (await import('tiktoken')).default ?? (await import('tiktoken'));
  return encodings.map(name => {
    const enc = get_encoding(/** @type {any} */ (name));
    try {
      return `[${Array.from(enc.encode(text)).join(', ')}]`;
    } finally {
      enc.free();
    }
  });
}

/**
 * The palette titles ("Category: Title") of the commands package.json contributes and does not hide.
 * @returns {string[]}
 */
function paletteTitles() {
  const hidden = new Set((pkg.contributes?.menus?.commandPalette ?? [])
    .filter((/** @type {{ when?: string }} */ m) => m.when === 'false')
    .map((/** @type {{ command: string }} */ m) => m.command));
  return (pkg.contributes?.commands ?? [])
    .filter((/** @type {{ command: string }} */ c) => !hidden.has(c.command))
    .map((/** @type {{ category?: string, title: string }} */ c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}

/**
 * The parts of ctx a step needs, or an error naming the missing one.
 * @template {keyof typeof ctx} K
 * @param {...K} keys
 * @returns {{ [P in K]-?: NonNullable<(typeof ctx)[P]> }}
 */
function need(...keys) {
  for (const k of keys) if (!ctx[k]) throw new Error(`an earlier step did not provide ${k}`);
  return /** @type {any} */ (ctx);
}

rmSync(outDir, { recursive: true, force: true });
const t0 = Date.now();
let passed = 0;
let failed = 0;
let skipped = 0;
/** @type {string[]} */
const skippedSteps = [];
for (const step of steps) {
  if (failed > 0) {
    skipped++;
    skippedSteps.push(step.name);
    console.log(`  - ${step.name} (skipped)`);
    continue;
  }
  const t = Date.now();
  try {
    await step.run();
    passed++;
    console.log(`  ✔ ${step.name} (${Date.now() - t} ms)`);
  } catch (err) {
    // Interrupted: the browser and the server were closed under the step; the shutdown exits.
    if (isShuttingDown()) await exitAfterCleanup(1);
    failed++;
    console.log(`  ✖ ${step.name}`);
    console.error(`    ${err instanceof Error ? err.message : String(err)}`.replace(/\n/g, '\n    '));
    if (ctx.wb) await ctx.wb.screenshot('failure').then(f => console.error(`    screenshot: ${path.relative(process.cwd(), f)}`), () => {});
  }
}
// The browser first: a workbench left open would only log its reconnect attempts.
await ctx.closeBrowser?.();
await ctx.server?.stop({ keepLog: failed > 0 });
if (failed === 0) updateDocs();
console.log(`ui: ${((Date.now() - t0) / 1000).toFixed(1)} s, screenshots in ${path.relative(process.cwd(), outDir)}`);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
// For npm test's closing summary (scripts/test-summary.mjs).
writeTestResults({ runner: 'ui', passed, failed, skipped, skips: skipped > 0 ? [{ reason: `an earlier step failed: ${skippedSteps.join('; ')}`, count: skipped }] : [] });
await exitAfterCleanup(failed > 0 ? 1 : 0);
