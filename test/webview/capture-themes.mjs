// Captures what VS Code 1.100 really gives a webview for each built-in theme: the --vscode-*
// variables on <html>, the body's classes and data attributes, and the default stylesheet VS Code
// injects. The harness (harness.mjs) replays them, so the panel's tests see real themes.
//
// Usage: node test/webview/capture-themes.mjs      (after `npm run build` and
//        `npm run setup:code-server`). Writes test/webview/themes/<name>.json (committed).
// The extension is this folder, linked into a fresh extensions dir (as `npm start` does): a
// `payload` URL would make code-server ignore the user settings, and the theme is a setting.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../e2e/chromium.mjs';
import { exitAfterCleanup } from '../e2e/cleanup.mjs';
import { createState, fixtureWorkspace, repoRoot, startCodeServer } from '../e2e/server.mjs';
import { Workbench } from '../e2e/workbench.mjs';

/** The themes the tests run in: fixture name, VS Code theme label, the body class it sets. */
const THEMES = /** @type {const} */ ([
  ['dark-modern', 'Default Dark Modern', 'vscode-dark'],
  ['light-modern', 'Default Light Modern', 'vscode-light'],
  ['dark-high-contrast', 'Default High Contrast', 'vscode-high-contrast'],
  ['light-high-contrast', 'Default High Contrast Light', 'vscode-high-contrast-light'],
]);

const outDir = path.join(repoRoot, 'test', 'webview', 'themes');
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

const state = createState('themes');
symlinkSync(repoRoot, path.join(state.extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
const settingsFile = path.join(state.dir, 'user-data', 'User', 'settings.json');
let code = 0;
const server = await startCodeServer({ label: 'themes', state });
const { browser, close } = await launchChromium({ label: 'themes' });
try {
  const wb = await Workbench.open(browser, server.workbenchUrl({ folder: fixtureWorkspace }), { outDir: path.join(repoRoot, 'test-output', 'themes'), expectFile: 'seed.txt' });
  await wb.paletteCommands('Embedding Lens:', { expect: ['Embedding Lens: Open Embedding Panel'] });
  await wb.runCommand('Embedding Lens: Open Embedding Panel');
  const frame = wb.webviewFrame();
  await frame.locator('#app').waitFor();
  mkdirSync(outDir, { recursive: true });
  for (const [name, label, bodyClass] of THEMES) {
    // The theme picker writes workbench.colorTheme to the user settings, as a person does it
    // (code-server's web workbench does not pick up an edit of settings.json made behind its back).
    await selectTheme(wb, label);
    await frame.locator(`body.${bodyClass}`).waitFor({ timeout: 30_000 });
    // Variables arrive with the class in one update; give the frame a moment all the same.
    await wb.page.waitForTimeout(500);
    const captured = await frame.locator('body').evaluate(body => {
      const root = document.documentElement;
      /** @type {Record<string, string>} */
      const variables = {};
      for (let i = 0; i < root.style.length; i++) {
        const prop = root.style.item(i);
        variables[prop] = root.style.getPropertyValue(prop).trim();
      }
      /** @type {Record<string, string>} */
      const data = {};
      for (const a of Array.from(body.attributes)) if (a.name.startsWith('data-')) data[a.name] = a.value;
      const defaultStyles = document.getElementById('_defaultStyles');
      return {
        htmlStyleProperties: root.style.length,
        bodyClasses: Array.from(body.classList),
        bodyData: data,
        variables,
        defaultStyles: defaultStyles ? defaultStyles.textContent ?? '' : '',
      };
    });
    const vscodeVars = Object.keys(captured.variables).filter(k => k.startsWith('--vscode-')).length;
    if (vscodeVars < 100) throw new Error(`${label}: only ${vscodeVars} --vscode-* variables on <html>`);
    const fixture = {
      name,
      theme: label,
      capturedFrom: `code-server ${pkg.devDependencies?.['code-server'] ?? '4.100.3'} (VS Code 1.100.3), webview of "Embedding Lens: Open Embedding Panel"`,
      bodyClasses: captured.bodyClasses,
      bodyData: captured.bodyData,
      variables: Object.fromEntries(Object.entries(captured.variables).sort(([a], [b]) => a.localeCompare(b))),
      defaultStyles: captured.defaultStyles,
    };
    writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(fixture, null, 2) + '\n');
    console.log(`themes: ${name} (${label}): ${vscodeVars} variables, body ${captured.bodyClasses.join(' ')}`);
  }
  const written = JSON.parse(readFileSync(settingsFile, 'utf8'))['workbench.colorTheme'];
  if (written !== THEMES[THEMES.length - 1]?.[1]) throw new Error(`settings.json says workbench.colorTheme = ${written}`);
} catch (err) {
  console.error(`themes: ${err instanceof Error ? err.message : String(err)}`);
  code = 1;
}
await close();
await server.stop({ keepLog: code !== 0 });
await exitAfterCleanup(code);

/**
 * Picks a colour theme with "Preferences: Color Theme" (which saves workbench.colorTheme).
 * @param {Workbench} wb
 * @param {string} label
 */
async function selectTheme(wb, label) {
  await wb.focusWorkbench();
  await wb.page.keyboard.press('F1');
  await wb.quickInput.waitFor();
  await wb.quickInput.fill('>Preferences: Color Theme');
  const rows = wb.page.locator('.quick-input-list .monaco-list-row').filter({ visible: true });
  await rows.filter({ has: wb.page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) }).first().click();
  await wb.quickInput.fill(label);
  // The picker names a theme "Dark Modern" and describes it with its id, "Default Dark Modern";
  // exact match: "Default High Contrast" is a prefix of "Default High Contrast Light".
  await rows.filter({ has: wb.page.locator('.label-description', { hasText: new RegExp(`^${label}$`) }) }).first().click();
  await wb.quickInput.waitFor({ state: 'hidden' });
}
