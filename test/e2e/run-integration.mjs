// Runs the integration suites (test/integration, bundled to dist/test/integration/) inside a real
// VS Code extension host: code-server's, offline, through headless Chromium. Builds nothing:
// `npm run build` first (npm run test:integration does not, the npm test chain does).
//
// Usage: node test/e2e/run-integration.mjs [--trust | --electron]
//   --trust     the Workspace Trust pass: trust enabled (see server.mjs trustSettings), the
//               untrusted folder test/fixtures/untrusted-workspace, only the "Workspace Trust"
//               suite (MOCHA_GREP), which must run at least one test and find the folder
//               untrusted (LENS_EXPECT_UNTRUSTED=1 makes it fail rather than skip otherwise).
//   --electron  use @vscode/test-electron's runTests with a desktop VS Code instead (needs
//               VSCODE_EXECUTABLE, or the internet to download one); never used offline here.
// Env: INTEGRATION_TIMEOUT_MS (default 300000), KEEP_STATE=1 keeps the temp state dir,
//      DEBUG_CONSOLE=1 prints the workbench's own console too.
// Exit status: 0 when every test passed; the last line is mocha's `N passed, N failed`.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { SKIP_LINE, countReasons, writeTestResults } from '../../scripts/testResults.mjs';
import { launchChromium } from './chromium.mjs';
import { exitAfterCleanup, isShuttingDown } from './cleanup.mjs';
import { createState, fixtureWorkspace, outputRoot, repoRoot, startCodeServer } from './server.mjs';

/** The folder the trust pass opens untrusted. */
const untrustedWorkspace = path.join(repoRoot, 'test', 'fixtures', 'untrusted-workspace');
/** The suite the trust pass runs (a mocha grep on full titles). */
const TRUST_SUITE = 'Workspace Trust';
const trustPass = process.argv.includes('--trust');
/** What the suites said, for npm test's closing summary: their closing line and their `skipped: …` lines. */
const report = { closingLine: '', skipReasons: /** @type {string[]} */ ([]) };

const extensionTestsPath = path.join(repoRoot, 'dist', 'test', 'integration', 'index.js');
const timeoutMs = Number(process.env.INTEGRATION_TIMEOUT_MS ?? 300_000);
const t0 = Date.now();
/** The workbench's own chatter, also sent through codeAutomationLog: shown with DEBUG_CONSOLE. */
const workbenchNoise = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(renderer-/,
  /^Ignoring fetching additional builtin extensions/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore: /,
];
/** @param {string} msg */
const note = msg => console.log(`[integration${trustPass ? ' --trust' : ''} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

if (!existsSync(extensionTestsPath)) {
  console.error(`${path.relative(repoRoot, extensionTestsPath)} not found: run \`npm run build\` first`);
  process.exit(1);
}

const code = process.argv.includes('--electron') ? await runWithTestElectron() : await runInCodeServer();
recordResults(code);
await exitAfterCleanup(code);

/** @returns {Promise<number>} the exit code */
async function runInCodeServer() {
  let server;
  let chromium;
  let page;
  /** The closing line of the suites, printed again last so that nothing follows it. */
  let closingLine = '';
  try {
    const state = trustPass ? createState('integration-trust', { workspaceTrust: true }) : createState('integration');
    if (trustPass) {
      // code-server hands its environment to the extension host, where test/integration/index.ts
      // and the suite read these.
      state.env.MOCHA_GREP = TRUST_SUITE;
      state.env.LENS_EXPECT_UNTRUSTED = '1';
    }
    // Model discovery (Select Model…) reads the Hugging Face cache and Ollama folders from these,
    // and LM Studio's from HOME, which createState already set to the state dir: all of it is this
    // run's own (test/integration/discovery.test.ts builds the layouts there), never the
    // developer's real caches. HF_HOME is dropped so only HF_HUB_CACHE names the cache.
    state.env.HF_HUB_CACHE = path.join(state.dir, 'hf-hub');
    state.env.OLLAMA_MODELS = path.join(state.dir, 'ollama-models');
    delete state.env.HF_HOME;
    server = await startCodeServer({ label: trustPass ? 'integration-trust' : 'integration', state });
    note(`code-server listening on ${server.url}`);
    chromium = await launchChromium({ label: 'integration' });
    page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const p = page;

    /** @type {(code: number) => void} */
    let settle = () => {};
    const exited = new Promise(resolve => { settle = resolve; });
    // The workbench calls these when it runs extension tests (VS Code's own web test harness):
    // the extension host's console, then the result of run() as 0 / 1.
    await p.exposeFunction('codeAutomationLog', (/** @type {string} */ type, /** @type {unknown[]} */ args) => {
      // Arguments as console.log got them (mocha's reporter passes '%d passing' and a number).
      const line = format(...args);
      for (const l of line.split('\n')) if (/^\d+ passed, \d+ failed/.test(l)) closingLine = report.closingLine = l;
      for (const l of line.split('\n')) if (l.startsWith(SKIP_LINE)) report.skipReasons.push(l.slice(SKIP_LINE.length));
      if (!process.env.DEBUG_CONSOLE && workbenchNoise.some(re => re.test(line))) return;
      (type === 'error' || type === 'warn' ? console.error : console.log)(line);
    });
    await p.exposeFunction('codeAutomationExit', (/** @type {number} */ code) => settle(code));
    p.on('pageerror', err => console.error(`[workbench pageerror] ${err.message}`));
    p.on('crash', () => settle(fail('the workbench page crashed')));
    if (process.env.DEBUG_CONSOLE) p.on('console', m => console.log(`[workbench ${m.type()}] ${m.text()}`));
    const srv = server;
    void srv.exitedPromise.then(() => { if (!srv.stopping) settle(fail('code-server exited during the run')); });

    const url = server.workbenchUrl({
      folder: trustPass ? untrustedWorkspace : fixtureWorkspace,
      payload: [
        ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
        ['extensionTestsPath', server.remoteUri(extensionTestsPath)],
        ['skipWelcome', 'true'],
      ],
    });
    await p.goto(url);
    note('workbench opened; the extension host runs the suites');

    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const timedOut = new Promise(resolve => {
      timer = setTimeout(() => resolve(fail(`the suites did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    let code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (trustPass && code === 0) code = await checkTrustPass(p, closingLine);
    if (code !== 0) await failureScreenshot(p);
    // The browser first: a workbench left open would log its reconnect attempts.
    await chromium.close();
    await server.stop({ keepLog: code !== 0 });
    note(`done, exit ${code}`);
    if (closingLine) console.log(closingLine);
    return code;
  } catch (err) {
    // Interrupted: the browser and the server were closed under us; the shutdown exits.
    if (isShuttingDown()) return 1;
    console.error(`integration: ${err instanceof Error ? err.message : String(err)}`);
    if (page) await failureScreenshot(page);
    await chromium?.close();
    await server?.stop({ keepLog: true });
    return 1;
  }
}

/**
 * What the trust pass must show beyond its suite passing: that its tests really ran (a pass
 * with every test skipped proves nothing), and that the user was told, in the workbench itself,
 * that the folder's model and tokenizer paths are ignored.
 * @param {import('playwright-core').Page} page
 * @param {string} closingLine
 * @returns {Promise<number>}
 */
async function checkTrustPass(page, closingLine) {
  const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(closingLine);
  if (!m || Number(m[1]) === 0) return fail(`the trust pass ran no test of "${TRUST_SUITE}" (${closingLine || 'no closing line'})`);
  if (Number(m[3] ?? 0) > 0) return fail(`the trust pass skipped ${m[3]} test(s): ${closingLine}`);
  // The warning toast (or, once it was hidden, the notification centre).
  const told = /Embedding Lens ignores embeddingLens\.model and embeddingLens\.tokenizer from this workspace's settings because the workspace is not trusted/;
  const shown = async () => told.test(await page.locator('.notification-list-item-message').allTextContents().then(t => t.join('\n'), () => ''));
  if (!(await shown())) {
    await page.keyboard.press('Escape').catch(() => {});
    await page.evaluate(() => 0);
    // Open the notification centre through the status bar's bell.
    await page.locator('.statusbar-item[id$="notifications"] a, .statusbar-item[id*="notifications"]').first().click({ timeout: 5_000 }).catch(() => {});
    await page.waitForTimeout(500);
  }
  if (!(await shown())) return fail('the workbench shows no notification saying that the workspace\'s embeddingLens.model and embeddingLens.tokenizer are ignored');
  note('the workbench told the user that the untrusted folder\'s model and tokenizer paths are ignored');
  return 0;
}

/** @param {string} why @returns {number} */
function fail(why) {
  console.error(`integration: ${why}`);
  return 1;
}

/** @param {import('playwright-core').Page} page */
async function failureScreenshot(page) {
  mkdirSync(outputRoot, { recursive: true });
  const file = path.join(outputRoot, 'integration-failure.png');
  try {
    await page.screenshot({ path: file, timeout: 10_000 });
    console.error(`screenshot of the workbench: ${path.relative(process.cwd(), file)}`);
  } catch {
    // The page may be gone (crash); the log is kept anyway.
  }
}

/** The same suites in a desktop VS Code, for machines that have one. @returns {Promise<number>} */
async function runWithTestElectron() {
  const { runTests } = await import('@vscode/test-electron');
  try {
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      launchArgs: [fixtureWorkspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes'],
    });
    return 0;
  } catch (err) {
    console.error(`integration (test-electron): ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/**
 * Writes this pass's record for scripts/test-summary.mjs: the counts of the suites' closing line
 * and the reasons their tests printed when they skipped (`skipped: REASON`).
 * @param {number} code the pass's exit code
 */
function recordResults(code) {
  const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(report.closingLine);
  const skipped = Number(m?.[3] ?? 0);
  const reasons = countReasons(report.skipReasons);
  // A lone reason covers every skip (a suite skipped by its `before` hook); with several, how many
  // tests each one covers is not in the log.
  /** @type {{ reason: string, count: number | undefined }[]} */
  const skips = reasons.length === 1 ? [{ reason: reasons[0]?.reason ?? '', count: skipped }] : reasons.map(r => ({ reason: r.reason, count: undefined }));
  if (skipped > 0 && reasons.length === 0) skips.push({ reason: 'no reason given', count: skipped });
  writeTestResults({
    runner: trustPass ? 'integration --trust' : 'integration',
    passed: Number(m?.[1] ?? 0),
    failed: m ? Number(m[2]) : code !== 0 ? 1 : 0,
    skipped,
    skips,
    ...(m ? {} : { note: `no closing line from the suites; exit ${code}` }),
  });
}
