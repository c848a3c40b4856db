// Every tab of the result, whatever tabs the panel has when this runs: each one renders the seed
// example (and a longer code selection through GloVe) without a page error, answers through the
// host like the real one, keeps its controls named for screen readers, and is screenshotted.
// A tab with checks of its own gets them from TAB_CHECKS: add an entry when a tab is added.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SEED, repoRoot } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

/**
 * Extra checks per tab id, run with the seed example shown and the tab open.
 * @type {Record<string, (panel: import('./harness.mjs').PanelPage, result: import('./harness.mjs').EncodeReply) => Promise<void>>}
 */
const TAB_CHECKS = {
  async hidden(panel, result) {
    // h_n as printed is the core's h_n, float32 for float32 (the shortest round-trip form).
    const text = (await panel.page.locator('#h-n').textContent()) ?? '';
    const printed = [...text.matchAll(/\[([^\]]*)\]/g)].flatMap(m => (m[1] ?? '').split(',').map(Number));
    const hN = Array.from(new Float32Array(result.rnn.hN.data));
    eq(printed.length, hN.length, 'h_n values printed');
    printed.forEach((v, i) => ok(Math.fround(v) === hN[i], `h_n[${i}]: printed ${v}, the core has ${hN[i]}`));
    ok(((await panel.page.locator('vscode-tab-panel[data-panel="hidden"]').textContent()) ?? '').includes('random encoder'), 'the random encoder is labelled random');
  },
  async step(panel, result) {
    // The explainer's story, with the core's numbers: "In: hidden state [0, 0, 0, 0, 0], input
    // [10, 0.01, 2.3, 0.1, 0.1] (White) → Out: hidden state […]".
    const text = ((await panel.page.locator('vscode-tab-panel[data-panel="step"]').textContent()) ?? '').replace(/\s+/g, ' ');
    const m = /In: hidden state \[0, 0, 0, 0, 0\], input \[10, 0\.01, 2\.3, 0\.1, 0\.1\] \(White\) \u2192 Out: hidden state \[([^\]]*)\]/.exec(text);
    ok(m, `the first step tells the explainer's story: ${text.slice(0, 300)}`);
    const trace = result.rnn.traces[0];
    ok(trace, 'a trace');
    const h0 = Array.from(new Float32Array(trace.h.data, 0, trace.h.cols));
    const shown = (m[1] ?? '').split(',').map(Number);
    eq(shown.length, h0.length, 'h_0 values');
    shown.forEach((v, i) => ok(Math.fround(v) === h0[i], `h_0[${i}]: shown ${v}, the core has ${h0[i]}`));
  },
};

/** The tabs the panel has, in order. @param {import('playwright-core').Page} page @returns {Promise<{ id: string, title: string }[]>} */
function tabsOf(page) {
  return page.locator('vscode-tab-header').evaluateAll(hs => hs.map(h => ({ id: h.getAttribute('data-tab') ?? '', title: (h.textContent ?? '').trim() })));
}

/**
 * Focusable things without an accessible name (aria-label, aria-labelledby, a label attribute,
 * text, or a title): a screen reader would announce them as just "button" or "edit".
 * @param {import('playwright-core').Locator} scope
 * @returns {Promise<string[]>}
 */
function unnamedControls(scope) {
  return scope.evaluate(root => {
    const controls = root.querySelectorAll('button, input, select, textarea, [tabindex], vscode-button, vscode-textfield, vscode-textarea, vscode-single-select, vscode-checkbox, vscode-radio, canvas[tabindex]');
    /** @type {string[]} */
    const bad = [];
    for (const el of Array.from(controls)) {
      if (el.closest('[hidden]') || el.getAttribute('tabindex') === '-1' && !/^(vscode-|button|input|select|textarea)/i.test(el.tagName)) continue;
      if (el.matches('vscode-tab-panel')) continue;
      const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('label') || el.getAttribute('title') || (el.textContent ?? '').trim()
        || (el.id && root.ownerDocument.querySelector(`label[for="${el.id}"]`)) || el.closest('label');
      if (!named) bad.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''}`);
    }
    return bad;
  });
}

test('every tab renders the seed example, with its controls named (screenshots per tab)', async ({ open, encode, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  const result = await encode(SEED);
  await panel.showResult(result);
  const tabs = await tabsOf(panel.page);
  ok(tabs.length >= 3, `tabs: ${tabs.map(t => t.id).join(', ')}`);
  /** @type {string[]} */
  const unnamed = [];
  for (const { id, title } of tabs) {
    await panel.openTab(id);
    // Give a tab that asks the host (neighbours, projection, replay) time to get its answer.
    await panel.page.waitForTimeout(600);
    await panel.frames(2);
    const tabPanel = panel.page.locator(`vscode-tab-panel[data-panel="${id}"]`);
    const size = await tabPanel.evaluate(el => ({ children: el.querySelectorAll('*').length, text: (el.textContent ?? '').trim().length, canvases: el.querySelectorAll('canvas').length }));
    ok(size.children > 0 && (size.text > 0 || size.canvases > 0), `tab ${id} (${title}) shows something: ${JSON.stringify(size)}`);
    const check = TAB_CHECKS[id];
    if (check) await check(panel, result);
    unnamed.push(...(await unnamedControls(tabPanel)).map(u => `${id}: ${u}`));
    await panel.screenshot(`tab-${id}`, { fullPage: true });
    panel.assertNoErrors();
  }
  unnamed.push(...(await unnamedControls(panel.page.locator('.options-bar'))).map(u => `options bar: ${u}`));
  unnamed.push(...(await unnamedControls(panel.page.locator('.result-toolbar'))).map(u => `toolbar: ${u}`));
  eq(unnamed, [], 'focusable controls without an accessible name');
  // Requests the tabs made were all answered (nothing left waiting).
  for (const type of ['lookup', 'explain', 'project']) {
    const asked = panel.postedOf(type).length;
    if (asked > 0) console.log(`    (${type}: ${asked} request${asked > 1 ? 's' : ''} answered by the core)`);
  }
});

test('every tab renders a longer code selection through builtin:glove-100d', async ({ open, core }) => {
  const panel = await open();
  const ref = { model: 'builtin:glove-100d' };
  panel.serveAsHost(core, { ref });
  const text = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'workspace', 'code.ts'), 'utf8');
  const result = await core.encode(text, { ref });
  const rendered = await panel.showResult(result, { source: { uri: 'file:///workspace/code.ts', label: 'code.ts:1', offset: 0 } });
  ok(rendered.tokens > 200, `code.ts gives ${rendered.tokens} tokens`);
  eq(await panel.page.locator('.chip:not(.pad)').count(), rendered.tokens, 'one chip per token');
  for (const { id } of await tabsOf(panel.page)) {
    await panel.openTab(id);
    await panel.page.waitForTimeout(600);
    await panel.screenshot(`tab-${id}-code`, { fullPage: false });
    panel.assertNoErrors();
  }
});
