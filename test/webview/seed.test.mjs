// The explainer's example as the panel shows it: 5 token chips + 3 pads, the padded ids, and the
// (8, 5) matrix printed exactly as the explainer prints it.
import { SEED } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

/** The explainer's rows (the spec: ../shared/seed/embedding-layer-explainer.md), with their names. */
const EXPLAINER_ROWS = [
  [[10, 0.01, 2.3, 0.1, 0.1], 'White'],
  [[3.14, 2.5, -0.2, 0.1, 1.2], 'refrigerator'],
  [[0.02, 0.3, 1.3, -0.5, 5], 'is'],
  [[-1.7, 1.7, -9.2, 0.1, 0.1], 'evil'],
  [[-0.1, 0.1, -0.2, 0.1, 0.1], '.'],
  [[0.01, 0.01, 0.1, 0.1, 0.1], '[pad]'],
  [[0.01, 0.01, 0.1, 0.1, 0.1], '[pad]'],
  [[0.01, 0.01, 0.1, 0.1, 0.1], '[pad]'],
];

test('the seed example: 5 token chips with their ids, 3 pad chips, input_ids', async ({ open, encode }) => {
  const panel = await open();
  const result = await encode(SEED);
  const rendered = await panel.showResult(result);
  eq(rendered.inputIds, [320, 1028, 5, 128, 1, 0, 0, 0], 'rendered.inputIds');
  eq(rendered.tokens, 5, 'rendered.tokens');
  const page = panel.page;
  eq(await page.locator('.chip:not(.pad)').count(), 5, 'token chips');
  eq(await page.locator('.chip.pad').count(), 3, 'pad chips');
  eq(await page.locator('.chip:not(.pad) .chip-id').allTextContents(), ['320', '1028', '5', '128', '1'], 'chip ids');
  eq(await page.locator('.chip:not(.pad) .chip-text').allTextContents(), ['White', 'refrigerator', 'is', 'evil', '.'], 'chip texts');
  eq(await page.locator('.chip.pad .chip-id').allTextContents(), ['0', '0', '0'], 'pad chip ids');
  eq(await page.locator('.chip.pad .chip-text').allTextContents(), ['[pad]', '[pad]', '[pad]'], 'pad chip texts');
  eq((await page.locator('#input-ids').textContent())?.trim(), '[320, 1028, 5, 128, 1, 0, 0, 0]', '#input-ids');
  eq((await page.locator('#attention-mask').textContent())?.trim(), '[1, 1, 1, 1, 1, 0, 0, 0]', '#attention-mask');
  // Pads are marked for the eye (dotted border, not the token colour) and for screen readers.
  const padStyle = await page.locator('.chip.pad').first().evaluate(el => getComputedStyle(el).borderTopStyle);
  eq(padStyle, 'dotted', 'pad chip border style');
  const padLabel = await page.locator('.chip.pad').first().getAttribute('aria-label');
  ok(padLabel && /pad/i.test(padLabel), `a pad chip's aria-label names it a pad (got ${padLabel})`);
  // The header states the shapes.
  eq((await page.locator('#shape-ids .stage-shape').textContent())?.trim(), '(8,)', 'input_ids shape in the header');
  eq((await page.locator('#shape-embeddings .stage-shape').textContent())?.trim(), '(8, 5)', 'embeddings shape in the header');
});

test('the padded matrix printout is the explainer\'s rows and "Shape - (8, 5)"', async ({ open, encode }) => {
  const panel = await open();
  await panel.showResult(await encode(SEED));
  await panel.openTab('matrix');
  const text = (await panel.page.locator('#matrix-printout').textContent()) ?? '';
  const lines = text.split('\n');
  const rows = lines.filter(l => l.includes('#'));
  eq(rows.length, 8, 'printed rows');
  rows.forEach((line, r) => {
    const m = /^\s*\[?\[([^\]]*)\]\]?,?\s*#\s*(.*)$/.exec(line);
    ok(m, `row ${r} is not "[a, b, …], # name": ${JSON.stringify(line)}`);
    const [values, name] = /** @type {[number[], string]} */ (EXPLAINER_ROWS[r]);
    eq(/** @type {string} */ (m[1]).split(',').map(Number), values, `row ${r} values`);
    eq(/** @type {string} */ (m[2]).trim(), name, `row ${r} name`);
  });
  ok(lines[0]?.startsWith('[[10, 0.01, 2.3, 0.1, 0.1],'), `first line: ${lines[0]}`);
  eq(lines[lines.length - 1], 'Shape - (8, 5)', 'last line');
  eq((await panel.page.locator('.matrix-view h3').textContent())?.startsWith('embeddings \u2014 shape (8, 5)'), true, 'matrix heading');
});

// Issue 12, "honest labels": builtin:seed's table holds the explainer's rows and seeded random rows
// for every other word. A result with both must not be badged "real" as a whole: the header and
// the matrix say "real + N random", the chips of random rows are marked, and the matrix's row
// labels say "(random)". Would catch a badge that reads the table's label only.
test('seed words the explainer does not list are labelled random row by row', async ({ open, encode }) => {
  const panel = await open();
  const result = await encode('White cats are evil.');
  await panel.showResult(result);
  const page = panel.page;
  eq((await page.locator('[data-part="embedding"] .badge').textContent())?.trim(), 'real + 2 random', 'header badge');
  eq(await page.locator('.chip.random-row .chip-text').allTextContents(), ['cats', 'are'], 'chips of random rows');
  ok(/random row/.test((await page.locator('.chip.random-row').first().getAttribute('title')) ?? ''), 'a random chip says why in its tooltip');
  eq(await page.locator('.chip:not(.pad):not(.random-row) .chip-text').allTextContents(), ['White', 'evil', '.'], 'the explainer\u2019s words are not marked');
  await panel.openTab('matrix');
  eq((await page.locator('#matrix-random-rows').textContent())?.trim(), 'real + 2 random', 'matrix badge');
  const names = ((await page.locator('#matrix-printout').textContent()) ?? '').split('\n').filter(l => l.includes('#')).map(l => l.slice(l.indexOf('#') + 1).trim());
  eq(names.slice(0, 5), ['White', 'cats (random)', 'are (random)', 'evil', '.'], 'printed row names');
  // The explainer's own sentence is all real rows: one plain badge.
  await panel.showResult(await encode('White refrigerator is evil.'));
  eq((await page.locator('[data-part="embedding"] .badge').textContent())?.trim(), 'real', 'header badge for the explainer\u2019s sentence');
});
