// Issue 10, item 9: the panel at 270 px (a narrow side column). The header and the options
// collapse to one line each, the tabs scroll sideways in one row, nothing in any tab overflows the
// page sideways, and the placeholders fit. Before: the header and four rows of tabs took 630 of
// 773 px and the content overflowed sideways.
import { SEED, hostSettings } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';
import { placeholderOverflow } from './layout.mjs';

const WIDTH = 270;
const HEIGHT = 773;
const TABS = ['tokens', 'matrix', 'hidden', 'step', 'neighbours', 'projection', 'replay'];

test(`at ${WIDTH} px: one-line header and options, one row of scrolling tabs, no sideways overflow, placeholders fit`, async ({ open, core }) => {
  const result = await core.encode(SEED);
  const panel = await open({ viewport: { width: WIDTH, height: HEIGHT } });
  panel.serveAsHost(core);
  await panel.send({ type: 'didChangeSettings', settings: hostSettings() });
  await panel.showResult(result);
  const page = panel.page;
  const box = async (/** @type {string} */ sel) => (await page.locator(sel).first().boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
  // One line: no taller than one control (26 px) plus its padding.
  const bar = await box('.options-bar');
  ok(bar.height <= 44, `the options bar is one line (${bar.height} px tall)`);
  const shapes = await box('.pipeline');
  ok(shapes.height <= 40, `the pipeline header is one line (${shapes.height} px tall)`);
  const tabs = await page.locator('vscode-tabs').evaluate(el => {
    const list = /** @type {HTMLElement} */ (el.shadowRoot?.querySelector('.tablist'));
    const header = /** @type {HTMLElement} */ (el.shadowRoot?.querySelector('.header'));
    const heads = Array.from(el.querySelectorAll('vscode-tab-header')).map(h => h.getBoundingClientRect().top);
    return { rows: new Set(heads.map(Math.round)).size, scrolls: header.scrollWidth > header.clientWidth && ['auto', 'scroll'].includes(getComputedStyle(header).overflowX), top: list.getBoundingClientRect().top };
  });
  eq(tabs.rows, 1, 'rows of tab headers');
  ok(tabs.scrolls, 'the tab row scrolls sideways (overflow-x auto, wider than the panel)');
  ok(tabs.top < HEIGHT / 3, `the tabs start in the top third (at ${Math.round(tabs.top)} of ${HEIGHT} px)`);
  /** @type {string[]} */
  const overflow = [];
  for (const tab of TABS) {
    // The last tab headers are off to the right: scroll them in, as a user would.
    await page.locator(`vscode-tab-header[data-tab="${tab}"]`).scrollIntoViewIfNeeded();
    await panel.openTab(tab);
    await page.waitForTimeout(150);
    const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    if (w.scroll > w.client) {
      const wide = await page.evaluate(limit => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > limit + 0.5 && !e.closest('[hidden]')).slice(0, 4).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${String(e.className).split(' ')[0]}`), w.client);
      overflow.push(`${tab}: scrollWidth ${w.scroll} > ${w.client} (${wide.join(', ')})`);
    }
    for (const p of await placeholderOverflow(page, 'vscode-textfield')) overflow.push(`${tab}: ${p}`);
  }
  await panel.openTab('tokens');
  await panel.screenshot('narrow-270', { fullPage: false, docsName: 'webview-narrow' });
  eq(overflow, [], 'sideways overflow and cut-off placeholders');
});
