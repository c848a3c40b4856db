// The panel's text input (webview/views/textInput.ts): always there, typing re-encodes after a
// short quiet time (one request for a burst of keys), the latest request wins over a slower older
// one, Open Embedding Panel's focusText puts the cursor in it, a result's text and note show in
// it, and the follow toggle and the text survive a reload (saved state, not results).
import { SEED, hostSettings } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

/**
 * Answers `encode` as the host does (didStart at once with a rising id, then the result from the
 * core), after `delayOf(text)` ms.
 * @param {import('./harness.mjs').PanelPage} panel
 * @param {import('./harness.mjs').Core} core
 * @param {(text: string) => number} [delayOf]
 */
function serveTyping(panel, core, delayOf = () => 0) {
  let id = 2_000_000;
  panel.respond('encode', async m => {
    const requestId = id++;
    await panel.send({ type: 'didStart', requestId, label: 'typed text' });
    const result = await core.encode(m.text);
    await new Promise(r => setTimeout(r, delayOf(m.text)));
    return [{ type: 'didTokens', requestId, tokens: result, source: { uri: null, label: 'typed text', offset: 0 } }, { type: 'didEncode', requestId, result, source: { uri: null, label: 'typed text', offset: 0 } }];
  });
}

/** The real tokens' chips on show (pads have no index), as `index:text` (a chip shows its text, then its id). @param {import('playwright-core').Page} page */
function chipTexts(page) {
  return page.locator('.chip[data-index]').evaluateAll(els => els.map(e => `${e.getAttribute('data-index')}:${(e.textContent ?? '').replace(/\d+$/, '')}`));
}

test('typing re-encodes after a pause: one encode for a burst of keys, with the whole text', async ({ open, core }) => {
  // Would catch: no live encoding (nothing posted without a click), or no debounce (one request per key).
  const panel = await open();
  panel.serveAsHost(core);
  serveTyping(panel, core);
  const area = panel.page.locator('#input-text textarea');
  ok(await area.isVisible(), 'the text input is there before any result');
  const rendered = panel.waitFor('rendered', () => true, 30_000);
  await area.click();
  await panel.page.keyboard.type(SEED, { delay: 25 });
  await rendered;
  await panel.page.waitForTimeout(400);
  const sent = panel.postedOf('encode');
  eq(sent.map(m => m.text), [SEED], 'one encode, with the text as typed');
  eq((await chipTexts(panel.page)).length, 5, 'the five tokens of the seed sentence are drawn');
  ok(await area.isVisible(), 'the input stays there with a result on show');
  panel.assertNoErrors();
});

test('the latest typed text wins over an older request that answers later', async ({ open, core }) => {
  // Would catch: a slow, superseded result drawn over the newer one.
  const panel = await open();
  panel.serveAsHost(core);
  serveTyping(panel, core, text => (text === 'refrigerator' ? 1500 : 0));
  const area = panel.page.locator('#input-text textarea');
  await area.click();
  await panel.page.keyboard.type('refrigerator');
  await panel.waitFor('encode', m => m.text === 'refrigerator');
  await panel.page.keyboard.press('ControlOrMeta+a');
  await panel.page.keyboard.type('evil');
  await panel.waitFor('rendered', () => true, 30_000);
  eq(await chipTexts(panel.page), ['0:evil'], 'the newer text is drawn');
  // The older answer arrives now: it must be dropped.
  await panel.page.waitForTimeout(1800);
  await panel.frames(2);
  eq(await chipTexts(panel.page), ['0:evil'], 'still the newer text after the older answer came');
  eq(panel.postedOf('rendered').length, 1, 'only the newer result was drawn');
  panel.assertNoErrors();
});

test('focusText opens a collapsed input and puts the cursor in it', async ({ open, core }) => {
  // Would catch: Open Embedding Panel leaving the input collapsed or unfocused.
  const panel = await open({ state: { textCollapsed: true } });
  panel.serveAsHost(core);
  eq(await panel.page.locator('#text-input').evaluate(d => /** @type {HTMLDetailsElement} */ (d).open), false, 'collapsed as saved');
  await panel.send({ type: 'focusText' });
  await panel.frames(2);
  eq(await panel.page.locator('#text-input').evaluate(d => /** @type {HTMLDetailsElement} */ (d).open), true, 'opened');
  eq(await panel.page.evaluate(() => document.activeElement?.id), 'input-text', 'the text input has the focus');
  eq((await panel.state())?.textCollapsed, false, 'the open state is saved');
});

test('a selection\'s result fills the input, its note explains a cut, and the state keeps the text for a reload', async ({ open, encode, core }) => {
  // Would catch: the input not showing the current text, the limit explained only in a
  // notification, or `last` never saved (a reloaded window coming back empty).
  const panel = await open();
  panel.serveAsHost(core);
  const note = 'Showing the first 200,000 of the selection\'s 250,000 characters: one inspection takes at most 200,000. Select less to see the rest.';
  const source = { uri: 'file:///work/seed.txt', label: 'seed.txt:1', offset: 4, note };
  await panel.showResult(await encode(SEED), { source });
  eq(await panel.page.locator('#input-text').evaluate(a => /** @type {any} */ (a).value), SEED, 'the input holds the text on show');
  ok(await panel.page.locator('#text-note').isVisible(), 'the note is shown');
  eq(await panel.page.locator('#text-note').textContent(), note, 'the note\'s text');
  const state = await panel.state();
  eq(state?.last, { text: SEED, source }, 'the saved text and source');
  // A typed-text result without a note hides it again.
  await panel.showResult(await encode('evil'), { source: { uri: null, label: 'typed text', offset: 0 } });
  ok(!(await panel.page.locator('#text-note').isVisible()), 'no note for whole text');
});

test('the follow toggle is sent to the host, saved, and sent again after a reload', async ({ open, core }) => {
  // Would catch: a toggle the host never hears of, or one lost on reload.
  const panel = await open();
  panel.serveAsHost(core);
  const sent = panel.waitFor('follow');
  await panel.page.locator('#follow-selection').click();
  eq((await sent).on, true, 'follow on');
  eq((await panel.state())?.follow, true, 'saved');
  const again = panel.waitFor('follow');
  await panel.reload();
  eq((await again).on, true, 'the reloaded panel tells the host again');
  eq(await panel.page.locator('#follow-selection').evaluate(c => /** @type {any} */ (c).checked), true, 'checked after the reload');
});

test('the empty panel\'s seed button asks for the seed example, not typed text', async ({ open, core }) => {
  // Would catch: the button encoding the sentence with the user's model and options.
  const panel = await open();
  panel.serveAsHost(core);
  const asked = panel.waitFor('showSeedExample');
  await panel.page.locator('#seed-example').click();
  await asked;
  eq(panel.postedOf('encode').length, 0, 'no encode of typed text');
});

test('a panel-only model (the seed example) is named in the text box and saved for a reload', async ({ open, core }) => {
  // Would catch: the seed example's own model shown as if it were the user's setting, or lost on reload.
  const panel = await open();
  panel.serveAsHost(core);
  await panel.send({ type: 'didChangeSettings', settings: { ...hostSettings('builtin:seed', { maxLength: 8 }), panelOnly: true } });
  ok(await panel.page.locator('#text-own').isVisible(), 'the badge is shown');
  eq(await panel.page.locator('#text-own').textContent(), 'seed model, this panel only', 'badge text');
  eq((await panel.state())?.panelOnly?.model, 'builtin:seed', 'saved');
  await panel.send({ type: 'didChangeSettings', settings: hostSettings('builtin:glove-100d') });
  ok(!(await panel.page.locator('#text-own').isVisible()), 'hidden with the settings\' model');
  eq((await panel.state())?.panelOnly, undefined, 'no longer saved');
});
