// Text from the editor (and anything else the host passes on: labels, model names, error
// messages) is data: it must reach the panel's DOM as text, never as markup. Markup that would run
// script if it were parsed goes through every place such text is shown — token chips, every tab,
// the source label, the model's labels, an error line — and the page must end up with no element
// made from it, no handler attribute anywhere, and the text shown literally. The page's CSP stays
// the strict one (nonce'd scripts only): a violation fails the test (see suite.mjs).
import { eq, ok, test } from './suite.mjs';

/** Markup that runs script if it is ever parsed as HTML (each would set window.__pwned). */
const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '</script><script>window.__pwned=2</script>',
  '<svg onload="window.__pwned=3"><circle r=1></circle></svg>',
  '"><b id=bold>bold</b><iframe srcdoc="<script>parent.__pwned=4</script>"></iframe>',
];

/**
 * Everything in the page, shadow roots included: elements made from the hostile markup, handler
 * attributes, scripts, and the text as rendered.
 * @param {import('playwright-core').Page} page
 */
function audit(page) {
  return page.evaluate(() => {
    /** @type {Element[]} */
    const all = [];
    /** @param {Document | ShadowRoot | Element} root */
    const walk = root => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        all.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    const handlers = all.flatMap(el => el.getAttributeNames().filter(a => a.toLowerCase().startsWith('on')).map(a => `<${el.tagName.toLowerCase()} ${a}>`));
    /** @param {Node} n @returns {string} */
    const text = n => (n instanceof Element && n.shadowRoot ? text(n.shadowRoot) : '') + Array.from(n.childNodes).map(c => (c.nodeType === Node.TEXT_NODE ? c.nodeValue ?? '' : text(c))).join('');
    return {
      pwned: /** @type {any} */ (window).__pwned,
      handlers,
      // The hostile markup's own elements (the UI's icons are SVGs too, so match what it would make).
      made: all
        .filter(el => (el.tagName === 'IMG' && el.getAttribute('src') === 'x') || (el.tagName.toLowerCase() === 'circle' && el.getAttribute('r') === '1') || el.id === 'bold' || (el.tagName === 'B' && el.textContent === 'bold') || el.tagName === 'IFRAME')
        .map(el => el.outerHTML.slice(0, 120)),
      scripts: all.filter(el => el.tagName === 'SCRIPT').map(el => ({ src: el.getAttribute('src') ?? '', nonce: Boolean(/** @type {HTMLScriptElement} */ (el).nonce), inline: (el.textContent ?? '').trim().length > 0 })),
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
      text: text(document.body),
      // Tooltips and accessible names carry text too (the source label is the text stage's title).
      attributes: all.flatMap(el => ['title', 'aria-label'].map(k => el.getAttribute(k) ?? '')).filter(Boolean).join('\n'),
    };
  });
}

/** @param {Awaited<ReturnType<typeof audit>>} a @param {string} where */
function assertClean(a, where) {
  eq(a.pwned, undefined, `${where}: window.__pwned`);
  eq(a.handlers, [], `${where}: inline handler attributes`);
  eq(a.made, [], `${where}: elements made from the text`);
  ok(a.scripts.length === 2 && a.scripts.every(s => s.nonce && s.src && !s.inline), `${where}: only the two nonce'd script files: ${JSON.stringify(a.scripts)}`);
  ok(/script-src 'nonce-[^']+'(;|$)/.test(a.csp) && /default-src 'none'/.test(a.csp) && !/unsafe-(inline|eval)/.test(a.csp), `${where}: CSP ${a.csp}`);
}

test('markup in the selection, the source label, the model labels and an error stays text', async ({ open, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  const text = HOSTILE.join(' ');
  // No truncation: every character must reach the chips.
  const result = structuredClone(await core.encode(text, { options: { maxLength: 400 } }));
  const tokenizerLabel = `${HOSTILE[0]} tokenizer`;
  const embeddingLabel = `${HOSTILE[2]} table`;
  const model = /** @type {any} */ (result.model);
  model.tokenizer = { ...model.tokenizer, source: tokenizerLabel };
  model.embedding = { ...model.embedding, source: embeddingLabel };
  const label = `${HOSTILE[1]}:3`;
  await panel.showResult(result, { source: { uri: null, label, offset: 0 } });

  // The chips show the source characters: together they are the text (without the spaces between).
  const chips = await panel.page.locator('.chip:not(.pad) .chip-text').allTextContents();
  ok(chips.length > 10, `token chips: ${chips.length}`);
  eq(chips.join('').replace(/[\s\u00b7\u2423]/g, ''), text.replace(/\s/g, ''), 'the chips spell the hostile text literally');

  let a = await audit(panel.page);
  assertClean(a, 'tokens shown');
  for (const literal of [tokenizerLabel, embeddingLabel]) ok(a.text.includes(literal), `${JSON.stringify(literal)} is shown literally`);
  eq(await panel.page.locator('#shape-text').getAttribute('title'), label, 'the source label, literally, as the text stage\'s tooltip');
  ok(a.attributes.includes(label), 'the source label is an attribute value, not markup');

  // Every tab draws the result (the replay, neighbours and projection tabs ask the host first).
  const tabs = await panel.page.locator('vscode-tab-header').evaluateAll(hs => hs.map(h => h.getAttribute('data-tab') ?? ''));
  ok(tabs.length >= 3, `tabs: ${tabs.join(', ')}`);
  // Select a token first, so views that show the selected token's text do so.
  await panel.page.locator('.chip:not(.pad)').first().click();
  for (const id of tabs) {
    await panel.openTab(id);
    await panel.page.waitForTimeout(400);
    await panel.frames(2);
    assertClean(await audit(panel.page), `tab ${id}`);
  }

  // An error line with markup in it (the host's didFail for its own encode).
  const message = `cannot read ${HOSTILE[3]} ${HOSTILE[0]}`;
  await panel.send({ type: 'didStart', requestId: 5_000_000, label: HOSTILE[2] ?? '' });
  await panel.frames(1);
  a = await audit(panel.page);
  assertClean(a, 'busy line');
  ok(a.text.includes(HOSTILE[2] ?? ''), 'the busy line shows its label literally');
  await panel.send({ type: 'didFail', requestId: 5_000_000, message, reason: 'badFile' });
  await panel.frames(2);
  a = await audit(panel.page);
  assertClean(a, 'error line');
  ok(a.text.includes(message), `the error is shown literally: ${a.text.slice(0, 200)}`);

  // A moment for anything that would fire late (an image's onerror, an iframe's load).
  await panel.page.waitForTimeout(300);
  eq(await panel.page.evaluate(() => /** @type {any} */ (window).__pwned), undefined, 'window.__pwned at the end');
});

test('typed markup goes to the host as text and comes back as text', async ({ open, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  const typed = `${HOSTILE[0]}${HOSTILE[1]}`;
  await panel.page.locator('#input-text').evaluate((el, v) => {
    const area = /** @type {any} */ (el);
    area.value = v;
  }, typed);
  const posted = panel.waitFor('encode');
  const rendered = panel.waitFor('rendered', () => true, 60_000);
  await panel.page.locator('#inspect-text').click();
  eq((await posted).text, typed, 'the encode request carries the text as typed');
  await rendered;
  await panel.frames(2);
  const a = await audit(panel.page);
  assertClean(a, 'typed text shown');
});
