// Keyboard and pointer: Tab reaches the chips, arrow keys move the selection, Enter reveals the
// token in the editor, hovering highlights it, the options bar asks for a re-encode.
import { SEED, hostSettings } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

const SETTINGS = hostSettings();

/**
 * Presses Tab until the focused element (through shadow roots) matches `selector`; returns the
 * path of what got focus on the way, for the error message.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {number} [max]
 */
async function tabTo(page, selector, max = 40) {
  /** @type {string[]} */
  const path = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(sel => {
      const a = document.activeElement;
      if (!a || a === document.body) return { matches: false, what: 'body' };
      const what = `${a.tagName.toLowerCase()}${a.id ? `#${a.id}` : ''}${a.className && typeof a.className === 'string' ? `.${a.className.split(' ').join('.')}` : ''}`;
      return { matches: a.matches(sel), what };
    }, selector);
    path.push(here.what);
    if (here.matches) return path;
  }
  throw new Error(`Tab never reached ${selector} in ${max} presses: ${path.join(' → ')}`);
}

test('keyboard: Tab reaches the chips, arrows move the selection, Enter reveals the token', async ({ open, encode }) => {
  const panel = await open();
  const result = await encode(SEED);
  await panel.showResult(result);
  const page = panel.page;
  const starts = new Int32Array(result.tokens.starts);
  const ends = new Int32Array(result.tokens.ends);
  const path = await tabTo(page, '.chip');
  // Every stop on the way has a visible focus indicator.
  eq(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '0', 'Tab lands on the first chip');
  ok(path.includes('vscode-button#export-button'), `the Export button is in the tab order: ${path.join(' → ')}`);
  const outline = await page.evaluate(() => {
    const s = getComputedStyle(/** @type {Element} */ (document.activeElement));
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  ok(outline.style !== 'none' && outline.width >= 1, `a focused chip shows a focus outline (${JSON.stringify(outline)})`);
  await page.keyboard.press('ArrowRight');
  eq(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '1', 'ArrowRight focuses chip 1');
  eq(await page.locator('.chip[data-index="1"]').getAttribute('aria-selected'), 'true', 'chip 1 aria-selected');
  ok(await page.locator('.chip[data-index="1"]').evaluate(el => el.classList.contains('selected')), 'chip 1 is marked selected');
  eq((await panel.state())?.selectedToken, 1, 'saved selectedToken');
  await page.keyboard.press('End');
  eq(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '4', 'End focuses the last real token (pads are not stops)');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  eq(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '2', 'ArrowLeft twice: chip 2');
  const reveal = panel.waitFor('revealToken');
  await page.keyboard.press('Enter');
  const m = await reveal;
  eq({ start: m.start, end: m.end }, { start: starts[2], end: ends[2] }, 'revealToken span of "is"');
  eq(SEED.slice(m.start, m.end), 'is', 'the span is the token\'s text');
  // Only one chip is a tab stop (roving tabindex): Tab leaves the list.
  eq(await page.locator('.chip[tabindex="0"]').count(), 1, 'chips with tabindex 0');
  // Space selects and reveals too.
  await page.keyboard.press('Home');
  const reveal2 = panel.waitFor('revealToken');
  await page.keyboard.press(' ');
  eq(await reveal2.then(r => SEED.slice(r.start, r.end)), 'White', 'Space on chip 0 reveals "White"');
});

test('hovering a chip posts highlightToken with its span, leaving clears it', async ({ open, encode }) => {
  const panel = await open();
  const result = await encode(SEED);
  await panel.showResult(result);
  const starts = new Int32Array(result.tokens.starts);
  const ends = new Int32Array(result.tokens.ends);
  const on = panel.waitFor('highlightToken', m => m.span !== null);
  await panel.page.locator('.chip[data-index="3"]').hover();
  eq((await on).span, { start: starts[3], end: ends[3] }, 'highlightToken span of "evil"');
  ok(await panel.page.locator('.chip[data-index="3"]').evaluate(el => el.classList.contains('hovered')), 'the hovered chip is marked');
  const off = panel.waitFor('highlightToken', m => m.span === null);
  await panel.page.mouse.move(1000, 700);
  await off;
  // A click selects and reveals.
  const reveal = panel.waitFor('revealToken');
  await panel.page.locator('.chip[data-index="1"]').click();
  const r = await reveal;
  eq(SEED.slice(r.start, r.end), 'refrigerator', 'click reveals "refrigerator"');
});

test('the options bar posts setOptions (checkbox, max length, padding side) and the host re-encodes', async ({ open, encode, core }) => {
  const panel = await open();
  panel.serveAsHost(core, { settings: SETTINGS });
  await panel.send({ type: 'didChangeSettings', settings: SETTINGS });
  await panel.showResult(await encode(SEED));
  const page = panel.page;
  eq(await page.locator('#opt-skip').evaluate(el => /** @type {any} */ (el).checked), false, 'skip pads unchecked from the settings');
  const skip = panel.waitFor('setOptions');
  // The host's re-encodes have ids from 1 000 000 (serveAsHost).
  let rendered = panel.waitFor('rendered', m => m.requestId >= 1_000_000, 30_000);
  await page.locator('#opt-skip').click();
  const s1 = await skip;
  eq(s1.options.skipPadding, true, 'setOptions.skipPadding after a click');
  eq(s1.model, 'builtin:seed', 'setOptions.model');
  // The host re-encodes with the new options: the panel shows the packed run.
  await rendered;
  const max = panel.waitFor('setOptions', m => m.options.maxLength === 12);
  rendered = panel.waitFor('rendered', m => m.inputIds.length === 12, 30_000);
  await page.locator('#opt-max-length input').fill('12');
  await page.locator('#opt-max-length input').press('Enter');
  await max;
  eq((await rendered).inputIds.length, 12, 'after max length 12 the panel shows 12 ids');
  // Padding side by keyboard: focus the select, open it, pick the second option.
  const pad = panel.waitFor('setOptions', m => m.options.paddingSide === 'left');
  const left = panel.waitFor('rendered', m => m.inputIds[0] === 0, 30_000);
  await page.locator('#opt-padding').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await pad;
  eq((await left).inputIds.slice(0, 7), [0, 0, 0, 0, 0, 0, 0], 'pads come first after "pad left"');
});
