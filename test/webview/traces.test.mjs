// Issue 10, item 11: the hidden-state traces' x axis names the tokens (LSTMVis-style), thinned
// to fit: every labelled step shows its number and its token under it, clipped to the room.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

/** The x axis's labels as the chart last drew them, and each chip's text by token index. @param {import('./harness.mjs').PanelPage} panel */
async function axis(panel) {
  const labels = /** @type {string[]} */ (JSON.parse((await panel.page.locator('.traces-plot').getAttribute('data-x-labels')) ?? '[]'));
  const chips = await panel.page.locator('.chip:not(.pad) .chip-text').allTextContents();
  return { labels, chips };
}

/** Labels whose token line is not (a clipped prefix of) the token at their step. @param {string[]} labels @param {string[]} chips */
function wrong(labels, chips) {
  return labels.filter(l => {
    const [step, token] = l.split('\n');
    const chip = chips[Number(step)] ?? '';
    if (token === undefined || token === '') return true;
    return token.endsWith('\u2026') ? !chip.startsWith(token.slice(0, -1)) : token !== chip;
  });
}

for (const [width, what] of /** @type {const} */ ([[1100, 'a wide panel'], [520, 'a half-width panel']])) test(`traces x axis: token labels under the step numbers, thinned to fit (${what}, ${width} px)`, async ({ open, core }) => {
  // Would catch: an axis of bare step numbers once a step has less than 52 px (the old rule), or
  // labels naming the wrong token.
  const file = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'workspace', 'code.ts'), 'utf8');
  const start = file.indexOf('  get(key');
  const end = file.indexOf('\n  }\n', file.indexOf('  get(')) + 4;
  const result = await core.encode(file.slice(start, end), { ref: { model: 'builtin:glove-100d' }, options: { maxLength: null, random: { cell: 'gru', hiddenSize: 16, seed: 0 } } });
  const T = result.embeddings.rows;
  ok(T >= 30, `a selection of a few dozen tokens (${T})`);
  const panel = await open({ viewport: { width, height: 900 } });
  await panel.showResult(result);
  await panel.openTab('hidden');
  await panel.page.waitForTimeout(200);
  const { labels, chips } = await axis(panel);
  ok(labels.length >= 4 && labels.length < T, `thinned: ${labels.length} labels for ${T} steps`);
  eq(wrong(labels, chips), [], 'labels without their token (or with another token)');
  await panel.screenshot(`traces-axis-${width}`, { of: panel.page.locator('.traces-chart'), margin: 4 });
});
