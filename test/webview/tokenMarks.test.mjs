// Issue 10, item 6: [UNK] chips and byte-fallback chips are marked by more than colour (a border
// style and an icon, a tooltip, an aria-label), and the header counts them ("3 unknown, 2
// byte-fallback"). Real tokenizers: GloVe's word list for [UNK], a byte-fallback BPE
// tokenizer.json (written here, as SentencePiece/Llama ones are) for <0xNN>, GPT-2 for the
// byte-level pieces of one character.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hostSettings, repoRoot } from './harness.mjs';
import { byteFallbackTokenizer, modelDir } from './models.mjs';
import { eq, ok, test } from './suite.mjs';

/**
 * What the panel shows of each marked chip, and the header's count.
 * @param {import('./harness.mjs').PanelPage} panel
 */
async function marks(panel) {
  const chips = await panel.page.locator('.chip.unk, .chip.byte').evaluateAll(els => els.map(el => {
    const cs = getComputedStyle(el);
    return {
      kind: el.classList.contains('unk') ? 'unk' : 'byte',
      icon: Boolean(el.querySelector('.chip-mark.codicon')),
      border: `${cs.borderTopStyle} ${cs.borderTopWidth}`,
      label: el.getAttribute('aria-label') ?? '',
      title: el.getAttribute('title') ?? '',
    };
  }));
  const plain = await panel.page.locator('.chip:not(.pad):not(.unk):not(.byte):not(.special)').first().evaluate(el => `${getComputedStyle(el).borderTopStyle} ${getComputedStyle(el).borderTopWidth}`);
  const header = (await panel.page.locator('#token-marks').count()) ? await panel.page.locator('#token-marks').textContent() : null;
  return { chips, plain, header };
}

test('[UNK] chips are marked (border, icon, tooltip, aria-label) and counted in the header', async ({ open, core }) => {
  // Would catch: an [UNK] chip that looks like any other (only its tooltip told), no count.
  const ref = { model: 'builtin:glove-100d' };
  const text = 'the qwxzjv and zzyzxq of frobnicatorz';
  const result = await core.encode(text, { ref, options: { maxLength: null } });
  const texts = result.tokens.texts;
  const unk = texts.filter(t => t === '[UNK]').length;
  ok(unk >= 2, `GloVe's tokenizer gives [UNK] for the made-up words (got ${JSON.stringify(texts)})`);
  const panel = await open();
  await panel.send({ type: 'didChangeSettings', settings: hostSettings('builtin:glove-100d') });
  await panel.showResult(result);
  const m = await marks(panel);
  eq(m.chips.map(c => c.kind), new Array(unk).fill('unk'), 'marked chips');
  for (const c of m.chips) {
    ok(c.icon, 'an [UNK] chip carries an icon');
    ok(c.border !== m.plain, `an [UNK] chip's border (${c.border}) differs from a plain chip's (${m.plain}) in style or width`);
    ok(/unknown token/.test(c.label) && /unknown token/.test(c.title), `aria-label and tooltip say "unknown token": ${c.label}`);
  }
  eq(m.header, `${unk} unknown`, 'the header count');
  await panel.screenshot('token-marks-unk', { of: panel.page.locator('#app'), margin: 8, docsName: 'webview-token-marks' });
});

test('byte-fallback chips (<0xNN> pieces, byte-level pieces of one character) are marked and counted', async ({ open, core }) => {
  // Would catch: <0xNN> pieces unmarked, byte-level pieces marked by colour only, no count.
  const t = byteFallbackTokenizer();
  const bf = modelDir('byte-fallback BPE', t.text, t.rows);
  const gpt2 = modelDir('GPT-2 tokenizer', readFileSync(path.join(repoRoot, 'assets', 'tokenizers', 'gpt2', 'tokenizer.json'), 'utf8'), 50257);
  try {
    // "ab é!": a, b, <0x20>, <0xC3> <0xA9> (é), <0x21>: four byte-fallback pieces.
    const r1 = await core.encode('ab \u00e9!', { ref: { model: bf }, options: { maxLength: null } });
    eq(r1.tokens.texts, ['a', 'b', '<0x20>', '<0xC3>', '<0xA9>', '<0x21>'], 'the byte-fallback tokenizer\'s pieces');
    const panel = await open();
    await panel.send({ type: 'didChangeSettings', settings: hostSettings(bf) });
    await panel.showResult(r1);
    let m = await marks(panel);
    eq(m.chips.map(c => c.kind), ['byte', 'byte', 'byte', 'byte'], 'marked chips');
    for (const c of m.chips) {
      ok(c.icon && c.border !== m.plain, `a byte chip has an icon and its own border (${c.border} vs ${m.plain})`);
      ok(/byte fallback/.test(c.label) && /byte fallback/.test(c.title), `aria-label and tooltip say "byte fallback": ${c.label}`);
    }
    eq(m.header, '4 byte-fallback', 'the header count');
    await panel.screenshot('token-marks-bytes', { of: panel.page.locator('#app'), margin: 8 });
    // GPT-2: \u2019 is three bytes, three pieces sharing its span; plain words are not marked.
    const r2 = await core.encode('it\u2019s ok', { ref: { model: gpt2 }, options: { maxLength: null } });
    const starts = new Int32Array(r2.tokens.starts);
    const shared = Array.from(starts).filter((s, i, a) => a.indexOf(s) !== i || a.lastIndexOf(s) !== i).length;
    ok(shared >= 2, 'GPT-2 splits \u2019 into pieces with one span');
    await panel.send({ type: 'didChangeSettings', settings: hostSettings(gpt2) });
    await panel.showResult(r2);
    m = await marks(panel);
    eq(m.chips.length, shared, 'the pieces of \u2019 are the marked chips');
    eq(m.header, `${shared} byte-fallback`, 'the header count (GPT-2)');
  } finally {
    rmSync(path.dirname(bf), { recursive: true, force: true });
    rmSync(path.dirname(gpt2), { recursive: true, force: true });
  }
});

test('a text without unknown or byte tokens has no count in the header and no marked chip', async ({ open, encode }) => {
  // Would catch: a "0 unknown" badge, or ordinary chips marked.
  const panel = await open();
  await panel.showResult(await encode('White refrigerator is evil.'));
  const m = await marks(panel);
  eq([m.chips.length, m.header], [0, null], 'marked chips and header count');
});
