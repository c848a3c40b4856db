// Runs the webview tests (test/webview/*.test.mjs): the built panel in headless Chromium with a
// fake VS Code API, fed real results from the core. Builds nothing: `npm run build` first.
//
// Usage: node test/webview/run.mjs [--grep TEXT] [--update-docs]
//   --grep TEXT    only the tests whose file or name contains TEXT
//   --update-docs  also write the README's screenshots to docs/screenshots/
// Screenshots go to test-output/webview/. The closing line is `N passed, N failed`; exit 1 on a failure.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeTestResults } from '../../scripts/testResults.mjs';
import { exitAfterCleanup, isShuttingDown } from '../e2e/cleanup.mjs';
import { Core, PanelPage, launchBrowser, outputDir, repoRoot, testFiles } from './harness.mjs';
import { registered, registering } from './suite.mjs';

const grepAt = process.argv.indexOf('--grep');
const grep = grepAt >= 0 ? (process.argv[grepAt + 1] ?? '') : '';

for (const f of testFiles()) {
  registering(f);
  await import(pathToFileURL(path.join(repoRoot, 'test', 'webview', f)).href);
}
const selected = registered.filter(t => !grep || `${t.file} ${t.name}`.includes(grep));

rmSync(outputDir, { recursive: true, force: true });
const t0 = Date.now();
const core = new Core();
const { browser, close } = await launchBrowser();
/** @type {Map<string, Promise<import('./harness.mjs').EncodeReply>>} */
const results = new Map();
let passed = 0;
let failed = 0;
let file = '';
for (const t of selected) {
  if (t.file !== file) {
    file = t.file;
    console.log(`${file}`);
  }
  /** @type {PanelPage[]} */
  const pages = [];
  const started = Date.now();
  try {
    await t.fn({
      browser,
      core,
      async open(o) {
        const p = await PanelPage.open(browser, o);
        pages.push(p);
        return p;
      },
      // Results are computed once per text and options and shared by the tests (they never change them).
      encode(text, o) {
        const key = JSON.stringify([text, o ?? null]);
        let r = results.get(key);
        if (!r) {
          r = core.encode(text, o);
          results.set(key, r);
        }
        return r;
      },
    });
    for (const p of pages) p.assertNoErrors();
    passed++;
    console.log(`  ✔ ${t.name} (${Date.now() - started} ms)`);
  } catch (err) {
    if (isShuttingDown()) await exitAfterCleanup(1);
    failed++;
    console.log(`  ✖ ${t.name}`);
    console.error(`    ${err instanceof Error ? err.message : String(err)}`.replace(/\n/g, '\n    '));
    const last = pages[pages.length - 1];
    if (last) {
      const name = `failure-${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
      await last.screenshot(name).then(f => console.error(`    screenshot: ${path.relative(process.cwd(), f)}`), () => {});
    }
  } finally {
    for (const p of pages) await p.close().catch(() => {});
  }
}
await close();
await core.close();
console.log(`webview: ${((Date.now() - t0) / 1000).toFixed(1)} s, screenshots in ${path.relative(process.cwd(), outputDir)}`);
console.log(`${passed} passed, ${failed} failed`);
// For npm test's closing summary (scripts/test-summary.mjs); this runner has no skips.
writeTestResults({ runner: 'webview', passed, failed, skipped: 0, skips: [], ...(grep ? { note: `--grep ${grep}` } : {}) });
await exitAfterCleanup(failed > 0 || selected.length === 0 ? 1 : 0);
