// Issue 10, item 8: token boundaries and chips stay readable — WCAG 4.5:1 for text — in Dark
// Modern, Light Modern, Dark High Contrast and Light High Contrast, computed from the colours the
// themes really give (themes/*.json, captured from code-server) and the colours we contribute.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SEED, THEME_NAMES, loadTheme, repoRoot } from './harness.mjs';
import { contrast, over, parseColor } from './contrast.mjs';
import { byteFallbackTokenizer, modelDir } from './models.mjs';
import { eq, ok, test } from './suite.mjs';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
/** @type {{ id: string, defaults: Record<string, string> }[]} */
const colors = pkg.contributes.colors;

/** package.json's defaults key for a captured theme. @param {string} theme */
function kind(theme) {
  const t = loadTheme(theme);
  if (t.bodyClasses.includes('vscode-high-contrast-light')) return 'highContrastLight';
  if (t.bodyClasses.includes('vscode-high-contrast')) return 'highContrast';
  return t.bodyClasses.includes('vscode-light') ? 'light' : 'dark';
}

test('editor token boundaries: the text keeps 4.5:1 on every contributed token background, in the four themes', async () => {
  // Would catch: dark text on #0f4a85 (Light High Contrast), white on #f38518 (Dark High
  // Contrast), or any default that sinks the editor's text below 4.5:1.
  const src = readFileSync(path.join(repoRoot, 'src', 'host', 'boundaries.ts'), 'utf8');
  const used = [...src.matchAll(/ThemeColor\('(embeddingLens\.[A-Za-z]+)'\)/g)].map(m => /** @type {string} */ (m[1]));
  ok(used.length >= 2, 'boundaries.ts colours its decorations with contributed theme colours');
  for (const id of used) ok(colors.some(c => c.id === id), `${id} is contributed in package.json`);
  /** @type {string[]} */
  const low = [];
  /** @type {string[]} */
  const invisible = [];
  for (const theme of THEME_NAMES) {
    const v = loadTheme(theme).variables;
    const bg = parseColor(/** @type {string} */ (v['--vscode-editor-background']));
    const fg = over(parseColor(/** @type {string} */ (v['--vscode-editor-foreground'])), bg);
    for (const c of colors.filter(x => used.includes(x.id))) {
      const value = c.defaults[kind(theme)];
      ok(value, `${c.id} has a ${kind(theme)} default`);
      const painted = over(parseColor(/** @type {string} */ (value)), bg);
      if (/Background/.test(c.id)) {
        const r = contrast(fg, painted);
        if (r < 4.5) low.push(`${theme}: editor text on ${c.id} ${value}: ${r.toFixed(2)}`);
      }
    }
    // Where the boundaries are drawn by a line (high contrast), the line stands out from the
    // editor's background (WCAG non-text contrast, 3:1); elsewhere by the alternating fills.
    const line = colors.find(x => x.id === 'embeddingLens.tokenBorder')?.defaults[kind(theme)];
    const even = over(parseColor(/** @type {string} */ (colors.find(x => x.id === 'embeddingLens.tokenBackgroundEven')?.defaults[kind(theme)])), bg);
    const odd = over(parseColor(/** @type {string} */ (colors.find(x => x.id === 'embeddingLens.tokenBackgroundOdd')?.defaults[kind(theme)])), bg);
    const lineRatio = line ? contrast(over(parseColor(line), bg), bg) : 1;
    // Fills tell tokens apart by hue as much as by lightness: some channel differs visibly.
    const apart = Math.max(...[0, 1, 2].map(i => Math.abs(/** @type {number} */ (even[i]) - /** @type {number} */ (odd[i]))));
    if (lineRatio < 3 && apart < 16) invisible.push(`${theme}: neither a 3:1 line (${line}, ${lineRatio.toFixed(2)}) nor distinct fills (channels ${apart.toFixed(0)} apart)`);
  }
  eq(low, [], 'token backgrounds below 4.5:1 with the editor text');
  eq(invisible, [], 'themes where the boundaries would not show');
});

/** Every text a chip state shows, and the header's count: [selector, what]. */
const CHIP_TEXTS = [
  ['.chip.plain-odd:not(.selected):not(.hovered) .chip-text', 'token text'], ['.chip.plain-odd:not(.selected):not(.hovered) .chip-id', 'token id'],
  ['.chip.plain-even:not(.selected):not(.hovered) .chip-text', 'token text (even chip)'], ['.chip.plain-even:not(.selected):not(.hovered) .chip-id', 'token id (even chip)'],
  ['.chip.selected .chip-text', 'selected token'], ['.chip.selected .chip-id', 'selected token id'],
  ['.chip.hovered .chip-text', 'hovered token'], ['.chip.hovered .chip-id', 'hovered token id'],
  ['.chip.special .chip-text', 'special token'], ['.chip.special .chip-id', 'special token id'],
  ['.chip.pad .chip-text', 'pad'], ['.chip.pad .chip-id', 'pad id'],
  ['.chip.unk .chip-text', '[UNK] token'], ['.chip.unk .chip-id', '[UNK] id'], ['.chip.unk .chip-mark', '[UNK] icon'],
  ['.chip.byte .chip-text', 'byte-fallback token'], ['.chip.byte .chip-id', 'byte-fallback id'], ['.chip.byte .chip-mark', 'byte-fallback icon'],
  ['#token-marks', 'header count of unknown / byte-fallback'],
];

/**
 * The contrast of each selector's text against what is painted behind it (its ancestors'
 * backgrounds composited over the editor background), computed in the page from the theme's
 * colours as the browser resolved them (var(), color-mix()).
 * @param {import('playwright-core').Page} page
 * @param {string[][]} texts
 */
function chipContrasts(page, texts) {
  return page.evaluate(list => {
    const ctx = /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d', { willReadFrequently: true }));
    /** @param {string} css @returns {number[]} */
    const rgba = css => {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = '#000';
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0, (d[3] ?? 0) / 255];
    };
    /** @param {number[]} top @param {number[]} bottom */
    const over = (top, bottom) => bottom.map((v, i) => (i === 3 ? 1 : v * (1 - (top[3] ?? 1)) + (top[i] ?? 0) * (top[3] ?? 1)));
    /** @param {Element} el */
    const backdrop = el => {
      const layers = [];
      for (let e = /** @type {Element | null} */ (el); e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if ((c[3] ?? 0) > 0) layers.push(c);
        if ((c[3] ?? 0) >= 1) break;
      }
      let out = rgba(getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background'));
      for (const l of layers.reverse()) out = over(l, out);
      return out;
    };
    /** @param {number[]} c */
    const lum = c => {
      const [r, g, b] = c.slice(0, 3).map(v => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    };
    return list.map(([sel, what]) => {
      const el = document.querySelector(/** @type {string} */ (sel));
      if (!el) return { what: /** @type {string} */ (what), ratio: -1, fg: '', bg: '' };
      const bg = backdrop(el);
      // Opacity on the element or an ancestor fades the text towards the backdrop.
      let opacity = 1;
      for (let e = /** @type {Element | null} */ (el); e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      const f = rgba(getComputedStyle(el).color);
      const fg = over([f[0] ?? 0, f[1] ?? 0, f[2] ?? 0, (f[3] ?? 1) * opacity], bg);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      return { what: /** @type {string} */ (what), ratio: ((a ?? 0) + 0.05) / ((b ?? 0) + 0.05), fg: fg.slice(0, 3).map(Math.round).join(','), bg: bg.slice(0, 3).map(Math.round).join(',') };
    });
  }, texts);
}

test('token chips: every chip state\'s text keeps 4.5:1 in the four themes (plain, even, selected, hovered, special, pad, [UNK], byte)', async ({ open, core }) => {
  // Would catch: a chip fill, id colour, mark or badge that reads below 4.5:1 in any theme (the
  // a11y test asks only 3:1 outside high contrast).
  const bert = modelDir('bert-base-uncased tokenizer', readFileSync(path.join(repoRoot, 'test', 'fixtures', 'tokenizers', 'bert-base-uncased', 'tokenizer.json'), 'utf8'), 30522);
  const t = byteFallbackTokenizer();
  const bf = modelDir('byte-fallback BPE', t.text, t.rows);
  try {
    // [CLS] the ☃ snow ##man [SEP] + 2 pads: special, [UNK], plain, pads.
    const withUnk = await core.encode('the \u2603 snowman', { ref: { model: bert }, options: { maxLength: 8 } });
    const withBytes = await core.encode('ab \u00e9!', { ref: { model: bf }, options: { maxLength: null } });
    // The seed: five plain chips (odd and even, one selected, one hovered) and three pads.
    const seed = await core.encode(SEED);
    /** @type {string[]} */
    const low = [];
    for (const theme of THEME_NAMES) {
      /** @type {Awaited<ReturnType<typeof chipContrasts>>} */
      const measured = [];
      for (const result of [seed, withUnk, withBytes]) {
        const panel = await open({ theme });
        await panel.showResult(result);
        // Name the plain chips by their place (nth-of-type colours even ones), select one, hover another.
        await panel.page.evaluate(() => {
          const plain = Array.from(document.querySelectorAll('.chip:not(.pad):not(.special):not(.unk):not(.byte)'));
          for (const c of plain) {
            const parent = /** @type {Element} */ (c.parentElement);
            const nth = Array.from(parent.children).filter(x => x.tagName === c.tagName).indexOf(c) + 1;
            c.classList.add(nth % 2 === 0 ? 'plain-even' : 'plain-odd');
          }
        });
        const plain = panel.page.locator('.chip.plain-odd, .chip.plain-even');
        const n = await plain.count();
        if (n >= 3) {
          await plain.nth(n - 1).click();
          await plain.nth(n - 2).hover();
        }
        measured.push(...(await chipContrasts(panel.page, CHIP_TEXTS)).filter(m => m.ratio >= 0 && !measured.some(x => x.what === m.what && x.ratio <= m.ratio)));
        await panel.close();
      }
      for (const [, what] of CHIP_TEXTS) ok(measured.some(m => m.what === what), `${theme}: the ${what} was measured`);
      for (const m of measured) if (m.ratio < 4.5) low.push(`${theme}: ${m.what} ${m.ratio.toFixed(2)} (rgb ${m.fg} on rgb ${m.bg})`);
    }
    eq([...new Set(low)], [], 'chip texts below 4.5:1');
  } finally {
    rmSync(path.dirname(bert), { recursive: true, force: true });
    rmSync(path.dirname(bf), { recursive: true, force: true });
  }
});
