// The Neighbours tab's search box (issue 10, item 11: the Embedding Projector's "search"): any
// word of the vocabulary, through the real worker (findToken + vectors) over GloVe's 50k entries.
// An exact entry shows its id and cosine neighbours; a word that is not one entry is said to be
// so, with entries to pick; Escape goes back to the selected token.
import { eq, ok, test } from './suite.mjs';

const REF = { model: 'builtin:glove-100d' };

/**
 * The panel served as the host would, with the search answered by the real worker.
 * @param {import('./harness.mjs').PanelPage} panel
 * @param {import('./harness.mjs').Core} core
 */
function serveWithSearch(panel, core) {
  panel.serveAsHost(core, { ref: REF });
  panel.respond('search', async m => ({ type: 'didSearch', requestId: m.requestId, found: await core.request({ type: 'findToken', ref: REF, query: m.query, limit: m.limit }) }));
}

/** Types into the search box and presses Enter. @param {import('playwright-core').Page} page @param {string} word */
async function searchFor(page, word) {
  const input = page.locator('#nb-search input');
  await input.fill(word);
  await input.press('Enter');
}

test('search box: an exact entry shows its id and its nearest neighbours; the request is a checked search', async ({ open, encode, core }) => {
  const id = new Int32Array((await encode('queen', { ref: REF })).tokens.ids)[0];
  const panel = await open();
  serveWithSearch(panel, core);
  await panel.showResult(await encode('the cat sat on the mat', { ref: REF }));
  await panel.openTab('neighbours');
  const page = panel.page;
  const posted = panel.waitFor('search', m => m.query === 'queen');
  await searchFor(page, 'queen');
  const m = await posted;
  eq(Object.keys(m).sort(), ['limit', 'query', 'requestId', 'type'], 'search message fields');
  await page.locator('.nb-found-what', { hasText: `is entry ${id} of the 50,002-entry vocabulary` }).waitFor();
  // Its neighbours replace the selected token's: heading says so, the list holds real GloVe neighbours.
  await page.locator('.nb-head h3', { hasText: 'found by search' }).waitFor();
  eq((await page.locator('.nb-head .nb-word').textContent())?.trim(), 'queen', 'heading word');
  await page.locator('.nb-row').first().waitFor();
  const words = await page.locator('.nb-row .nb-token').allTextContents();
  ok(words.some(w => w.startsWith('king') || w.startsWith('princess')), `neighbours of queen: ${words.join(', ')}`);
  // Enter moved the keyboard into the list.
  eq(await page.evaluate(() => document.activeElement?.classList.contains('nb-row')), true, 'focus in the list after Enter');
  await page.locator('.nb-prefixed', { hasText: '3 other entries start with it:' }).waitFor(); // queens, queensland, queenstown; queen itself is above
  await panel.screenshot('neighbours-search-exact', { of: page.locator('.neighbours-view'), margin: 4 });
});

test('search box: a word that is not one entry says so and offers entries; picking one shows its neighbours; Escape returns', async ({ open, encode, core }) => {
  const panel = await open();
  serveWithSearch(panel, core);
  await panel.showResult(await encode('the cat sat on the mat', { ref: REF }));
  await panel.openTab('neighbours');
  const page = panel.page;
  // Select "cat" (token 1) so there is a selected token to come back to.
  await page.locator('vscode-tab-header[data-tab="tokens"]').click();
  await page.locator('.chip').nth(1).click();
  await panel.openTab('neighbours');
  await page.locator('.nb-head .nb-word', { hasText: 'cat' }).waitFor();
  await searchFor(page, 'refrigerat');
  await page.locator('.nb-found-what.nb-not-entry', { hasText: 'is not one entry of the 50,002-entry vocabulary' }).waitFor();
  // GloVe's tokenizer reads it as [UNK]: offered as its token, not taken as the word.
  eq(await page.locator('.nb-found-line', { hasText: 'tokens (1):' }).locator('.nb-pick').textContent().then(t => t?.startsWith('[UNK]')), true, 'its token is [UNK]');
  const offered = page.locator('.nb-prefixed .nb-pick');
  const texts = await offered.allTextContents();
  ok(texts.length > 0 && texts.some(t => t.startsWith('refrigerator')), `entries that start with it: ${texts.join(', ')}`);
  // The heading still shows the selected token until an entry is picked.
  eq((await page.locator('.nb-head .nb-word').textContent())?.trim(), 'cat', 'nothing picked yet');
  await offered.filter({ hasText: /^refrigerator\d/ }).first().click();
  await page.locator('.nb-head .nb-word', { hasText: 'refrigerator' }).waitFor();
  await page.locator('.nb-row').first().waitFor();
  eq(await page.locator('.nb-pick.nb-pick-current').count(), 1, 'the picked entry is marked');
  // Escape clears the box and goes back to the selected token's neighbours.
  await page.locator('#nb-search input').press('Escape');
  await page.locator('.nb-head .nb-word', { hasText: 'cat' }).waitFor();
  eq(await page.locator('.nb-found').textContent(), '', 'the found panel is cleared');
});

test('search box: a capitalised word GloVe lower-cases is read as its entry', async ({ open, encode, core }) => {
  const panel = await open();
  serveWithSearch(panel, core);
  await panel.showResult(await encode('the cat sat on the mat', { ref: REF }));
  await panel.openTab('neighbours');
  await searchFor(panel.page, 'Queen');
  await panel.page.locator('.nb-found-what', { hasText: 'the tokenizer reads it as one token' }).waitFor();
  await panel.page.locator('.nb-head .nb-word', { hasText: 'queen' }).waitFor();
});
