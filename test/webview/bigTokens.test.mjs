// A big result (≈ 40k tokens of the project's own TypeScript, GloVe 100d): the Tokens tab is
// virtualised (a bounded number of chips in the DOM), scrolling to the end shows the last token,
// hover and click still map to the right token, keyboard navigation crosses blocks, and the
// progressive messages (didTokens, then didEncode) draw the Tokens tab before the result.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { hostSettings, repoRoot } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

const REF = { model: 'builtin:glove-100d' };
/** Most chips the virtualised Tokens tab may hold at once (a few blocks of ≤ 600). */
const MAX_CHIPS_IN_DOM = 4000;

/** The first `chars` characters of src/**\/*.ts, sorted (real code, the same every run). @param {number} chars */
function realCode(chars) {
  const root = path.join(repoRoot, 'src');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(f => f.endsWith('.ts')).sort();
  let text = '';
  for (const f of files) {
    text += readFileSync(path.join(root, f), 'utf8');
    if (text.length >= chars) break;
  }
  return text.slice(0, chars);
}

const TEXT = realCode(170_000);

test('virtualised Tokens tab: ~40k tokens, bounded DOM, scroll to the end, hover and click map to the right token', async ({ open, encode }) => {
  const panel = await open();
  await panel.send({ type: 'didChangeSettings', settings: hostSettings('builtin:glove-100d') });
  const result = await encode(TEXT, { ref: REF });
  const n = result.tokens.count;
  ok(n > 30_000, `${n} tokens`);
  const t0 = Date.now();
  const rendered = await panel.showResult(result);
  console.log(`    ${n} tokens drawn in ${Date.now() - t0} ms (page round trip included); views: ${JSON.stringify(await panel.page.evaluate(() => /** @type {any} */ (window).__lensShowMs))}`);
  eq(rendered.tokens, n, 'rendered tokens');
  const page = panel.page;
  const inDom = await page.locator('.chip').count();
  ok(inDom > 0 && inDom <= MAX_CHIPS_IN_DOM, `chips in the DOM: ${inDom} (at most ${MAX_CHIPS_IN_DOM} of ${n})`);
  eq(await page.locator('.chips[role="listbox"]').getAttribute('aria-label'), `${n} tokens`, 'the listbox names every token');
  // Scroll to the end until the last token's chip is drawn and in view.
  const last = page.locator(`.chip[data-index="${n - 1}"]`);
  for (let k = 0; k < 20 && !(await last.count()); k++) {
    await page.locator('.chips.virtual').evaluate(el => (el.scrollTop = el.scrollHeight));
    await panel.frames(2);
  }
  await page.locator('.chips.virtual').evaluate(el => (el.scrollTop = el.scrollHeight));
  await panel.frames(3);
  eq(await last.count(), 1, 'the last token is drawn after scrolling to the end');
  const inView = await last.evaluate(el => {
    const s = /** @type {HTMLElement} */ (el.closest('.chips')).getBoundingClientRect();
    const c = el.getBoundingClientRect();
    return c.bottom > s.top && c.top < s.bottom;
  });
  ok(inView, 'the last token lies inside the scroller\'s viewport');
  eq(await last.locator('.chip-id').textContent(), String(new Int32Array(result.tokens.ids)[n - 1]), 'its id');
  eq(await page.locator('.chip[data-index="0"]').count(), 0, 'the first token\'s chip left the DOM');
  const after = await page.locator('.chip').count();
  ok(after <= MAX_CHIPS_IN_DOM, `chips in the DOM after scrolling: ${after}`);
  // Hover and click on a chip near the end map to that token's span.
  const i = n - 3;
  const starts = new Int32Array(result.tokens.starts);
  const ends = new Int32Array(result.tokens.ends);
  const hl = panel.waitFor('highlightToken', m => m.span !== null);
  await page.locator(`.chip[data-index="${i}"]`).hover();
  eq((await hl).span, { start: starts[i], end: ends[i] }, 'hover highlights the token\'s span');
  const reveal = panel.waitFor('revealToken');
  await page.locator(`.chip[data-index="${i}"]`).click();
  eq(await reveal, { type: 'revealToken', start: starts[i], end: ends[i] }, 'click reveals the token\'s span');
  eq(await page.locator(`.chip[data-index="${i}"]`).getAttribute('aria-selected'), 'true', 'the clicked chip is selected');
  // Keyboard: Home goes back to the first token (its block drawn again), End to the last.
  await page.keyboard.press('Home');
  eq(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '0', 'Home focuses token 0');
  await page.keyboard.press('End');
  eq(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), String(n - 1), 'End focuses the last token');
  // The heatmap paints only the row bands it shows (of 1024 rows), not the whole (T, E) matrix.
  await page.locator('vscode-tab-header[data-tab="matrix"]').click();
  await panel.frames(3);
  const painted = Number(await page.locator('.matrix-view .heatmap-canvas').getAttribute('data-painted-cells'));
  const T = new Int32Array(result.inputIds).length;
  ok(painted > 0 && painted <= 4 * 1024 * 100, `heatmap cells painted: ${painted} (the matrix has ${T * 100})`);
});

test('progressive: didTokens draws the Tokens tab before the result; didEncode completes it', async ({ open, encode }) => {
  const panel = await open();
  // A small result on show first: while the new tokens are ahead of their result, the other views
  // still hold this one; hovering and clicking new chips (indices past its 5 tokens) must work and
  // raise no page error. (The views happen to tolerate such indices, so this does not by itself
  // prove that Selection keeps them from hearing it.)
  await panel.showResult(await encode('White refrigerator is evil.'));
  const result = await encode(TEXT.slice(0, 20_000), { ref: REF });
  const n = result.tokens.count;
  const { model, text, tokens, positions, truncated, inputIds, attentionMask, options } = result;
  const source = { uri: null, label: 'test', offset: 0 };
  await panel.send({ type: 'didStart', requestId: 1_000_001, label: 'test' });
  await panel.send({ type: 'didTokens', requestId: 1_000_001, tokens: { model, text, tokens, positions, truncated, inputIds, attentionMask, options }, source });
  await panel.frames(2);
  ok((await panel.page.locator('.chip:not(.pad)').count()) > 0, 'chips are drawn from didTokens alone');
  eq((panel.postedOf('drewTokens').at(-1) ?? (await panel.waitFor('drewTokens', m => m.requestId === 1_000_001, 5_000)))?.tokens, n, 'the panel reports drawing the tokens');
  eq(await panel.page.locator('.chips[role="listbox"]').getAttribute('aria-label'), `${n} tokens`, 'all the tokens are listed');
  eq(panel.postedOf('rendered').filter(m => m.requestId === 1_000_001).length, 0, 'no rendered before the result');
  const i = 150;
  const hl = panel.waitFor('highlightToken', m => m.span !== null);
  await panel.page.locator(`.chip[data-index="${i}"]`).hover();
  eq((await hl).span, { start: new Int32Array(result.tokens.starts)[i], end: new Int32Array(result.tokens.ends)[i] }, 'hovering a new chip in the gap highlights its span');
  await panel.page.locator(`.chip[data-index="${i}"]`).click();
  eq(await panel.page.locator(`.chip[data-index="${i}"]`).getAttribute('aria-selected'), 'true', 'a chip clicked in the gap is selected');
  ok(/drawing the matrices/.test((await panel.page.locator('.status').textContent()) ?? ''), 'the status says the matrices are coming');
  const rendered = panel.waitFor('rendered', m => m.requestId === 1_000_001);
  // As the host sends it after a didTokens: without the text and tokens (withoutTokens in panelProtocol.ts).
  await panel.send({ type: 'didEncode', requestId: 1_000_001, result: withoutTokens(result), source, tokensSent: true });
  const r = await rendered;
  eq(r.tokens, n, 'rendered after didEncode');
  eq(r.inputIds, Array.from(new Int32Array(result.inputIds)), 'rendered ids');
  eq((await panel.page.locator('.status').textContent())?.trim(), '', 'the status is cleared');
  ok(/embeddings — shape \(/.test((await panel.page.locator('.matrix-view h3').textContent()) ?? ''), 'the matrix view shows the result');
  eq(await panel.page.locator('.chips[role="listbox"]').getAttribute('aria-label'), `${n} tokens`, 'the tokens are those of the didTokens');
  eq(await panel.page.locator(`.chip[data-index="${i}"]`).getAttribute('aria-selected'), 'true', 'the chip selected in the gap stays selected');
});

test('a didEncode whose didTokens the panel never saw (reloaded in between): it asks again with ready', async ({ open, encode }) => {
  const panel = await open();
  const result = await encode('White refrigerator is evil.');
  const source = { uri: null, label: 'test', offset: 0 };
  const ready = panel.waitFor('ready', () => true, 5_000);
  await panel.send({ type: 'didEncode', requestId: 1_000_002, result: withoutTokens(result), source, tokensSent: true });
  await ready;
  eq(panel.postedOf('rendered').filter(m => m.requestId === 1_000_002).length, 0, 'nothing drawn from a result without its tokens');
});

/** The result as panel.ts sends it after its didTokens: text and tokens left out. @param {any} r */
function withoutTokens(r) {
  const none = new ArrayBuffer(0);
  return { ...r, text: '', tokens: { count: r.tokens.count, ids: none, starts: none, ends: none, special: none, texts: [] } };
}
