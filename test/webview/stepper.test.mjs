// The Step-through tab end to end (seed example: 5 tokens + 3 pads, random tanh RNN): header,
// both pad treatments as columns, the equation, the check, keyboard stepping, the pad steps and
// the drift chart. Written to pin the tab's behaviour across its split into
// webview/views/stepper/ (issue 10, item 13): it passes on the single-file version and the split one.
import { SEED } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

test('stepper: steps with the keyboard through tokens and pads; columns, equation, check and drift chart', async ({ open, encode }) => {
  const panel = await open();
  await panel.showResult(await encode(SEED));
  await panel.openTab('step');
  const page = panel.page;
  const header = page.locator('.stepper-header');
  await header.filter({ hasText: '(id 320)' }).waitFor();
  ok(((await header.textContent()) ?? '').includes('\u2018White\u2019'), `first step: ${await header.textContent()}`);
  eq(await page.locator('.stepper-col-title').count(), 2, 'pads run through and pads skipped side by side');
  ok(((await page.locator('.stepper-equation').textContent()) ?? '').includes('tanh'), 'the Elman tanh equation');
  // An Elman RNN has no gates: the check says what it cannot recompute.
  const check = (await page.locator('.stepper-check').first().textContent()) ?? '';
  ok(check.includes('no gates to recompute from'), `check: ${check}`);
  const stage = page.locator('.stepper-stage');
  await stage.focus();
  await page.keyboard.press('ArrowRight');
  await header.filter({ hasText: '(id 1028)' }).waitFor();
  eq((await panel.state())?.step, 1, 'the step is saved');
  // End: the last step is a pad; in the skipping column it did not run.
  await page.keyboard.press('End');
  await header.filter({ hasText: 'pad step (mask 0)' }).waitFor();
  ok(await page.locator('.stepper-not-run').evaluateAll(els => els.some(e => /** @type {HTMLElement} */ (e).offsetParent !== null)), 'a column says the pad step did not run');
  eq(await page.locator('.stepper-slider').inputValue(), '7', 'slider at the last of 8 steps');
  await page.keyboard.press('Home');
  await header.filter({ hasText: '(id 320)' }).waitFor();
  // The drift chart draws (a canvas with pixels) because the text has pads.
  const drift = page.locator('.stepper-chart-canvas');
  ok(await drift.evaluate(c => /** @type {HTMLCanvasElement} */ (c).width > 0), 'drift chart drawn');
  // Selecting a token elsewhere moves the stepper to its step.
  await page.locator('vscode-tab-header[data-tab="tokens"]').click();
  await page.locator('.chip').nth(3).click();
  await panel.openTab('step');
  await header.filter({ hasText: '(id 128)' }).waitFor();
});

test('stepper: a random LSTM over GloVe rows: gates recomputed in the check, long vectors as strips', async ({ open, encode }) => {
  const panel = await open();
  await panel.showResult(await encode('the cat sat', { ref: { model: 'builtin:glove-100d' }, options: { maxLength: 5, random: { cell: 'lstm', hiddenSize: 24 } } }));
  await panel.openTab('step');
  const page = panel.page;
  await page.locator('.stepper-header', { hasText: '\u2018the\u2019' }).waitFor();
  const check = (await page.locator('.stepper-check').first().textContent()) ?? '';
  // c_t and h_t recomputed from the gates shown, both within 1e-6 of the stored values.
  eq((check.match(/max \|\u0394\| = [^ ]+ \u2264 1e-6/g) ?? []).length, 2, `check: ${check}`);
  // x_t has 100 features (> 16): a colour strip on canvas; h_t has 24: a strip too.
  ok(await page.locator('.stepper-strip').count() > 0, 'long vectors draw as strips');
  ok(((await page.locator('.stepper-equation').textContent()) ?? '').includes('\u03c3'), 'the LSTM equations (\u03c3 gates)');
});
