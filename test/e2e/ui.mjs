// The UI test: the extension as a user gets it (the packaged .vsix, installed into a fresh
// code-server), driven through the real workbench in headless Chromium. Builds nothing:
// `npm run build` first. Screenshots go to test-output/ui/.
//
// Usage: node test/e2e/ui.mjs      Env: KEEP_STATE=1 keeps the temp state dir.
// The steps run in order and each one builds on the last, so after a failure the rest are
// skipped. The closing line is `N passed, N failed[, N skipped]`; exit status 1 on a failure.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './chromium.mjs';
import { exitAfterCleanup, isShuttingDown, runToCompletion } from './cleanup.mjs';
import { createState, fixtureWorkspace, installExtension, outputRoot, repoRoot, startCodeServer } from './server.mjs';
import { Workbench } from './workbench.mjs';

const outDir = path.join(outputRoot, 'ui');
const SEED = 'White refrigerator is evil.';
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

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
      await runToCompletion(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', ctx.vsix], { cwd: repoRoot });
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
      ctx.server = await startCodeServer({ label: 'ui', state });
      const chromium = await launchChromium({ label: 'ui' });
      ctx.browser = chromium.browser;
      ctx.closeBrowser = chromium.close;
      ctx.wb = await Workbench.open(ctx.browser, ctx.server.workbenchUrl({ folder: fixtureWorkspace }),
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
      docs.push(['2b-panel-only', 'panel-seed']);
    },
  },
  {
    name: 'the padded matrix tab shows the explainer\'s numbers, (5, 5) for the selection',
    async run() {
      const { wb } = need('wb');
      const frame = wb.webviewFrame();
      await frame.locator('vscode-tab-header[data-tab="matrix"]').click();
      const printout = frame.locator('#matrix-printout');
      await printout.waitFor();
      const text = (await printout.textContent()) ?? '';
      for (const row of ['[[10, 0.01, 2.3, 0.1, 0.1],', ' [3.14, 2.5, -0.2, 0.1, 1.2],', 'Shape - (5, 5)']) {
        if (!text.includes(row)) throw new Error(`the matrix printout lacks ${JSON.stringify(row)}:\n${text}`);
      }
      await wb.screenshot('3-matrix', wb.page.locator('iframe.webview.ready').last());
      docs.push(['3-matrix', 'panel-matrix']);
      await frame.locator('vscode-tab-header[data-tab="tokens"]').click();
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
];

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
for (const step of steps) {
  if (failed > 0) {
    skipped++;
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
await exitAfterCleanup(failed > 0 ? 1 : 0);
