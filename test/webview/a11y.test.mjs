// Accessibility in the real themes: text keeps a readable contrast against what is behind it
// (WCAG 2 ratio; 4.5 for text in the high-contrast themes, 3 elsewhere), every Tab stop shows a
// focus indicator, and the token list is a proper listbox for screen readers.
import { SEED, THEME_NAMES } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

/** The text the base views show, by selector. */
const TEXTS = ['.chip:not(.pad) .chip-text', '.chip:not(.pad) .chip-id', '.chip.pad .chip-text', '.stage-name', '.stage-shape', '#input-ids', '.parts strong', '.parts .badge', 'vscode-tab-header'];

test('text contrast in the four themes (high-contrast ≥ 4.5, others ≥ 3)', async ({ open, encode }) => {
  const result = await encode(SEED);
  /** @type {string[]} */
  const low = [];
  for (const theme of THEME_NAMES) {
    const panel = await open({ theme });
    await panel.showResult(result);
    // Select a chip so the selected style is measured too.
    await panel.page.locator('.chip[data-index="1"]').click();
    await panel.page.mouse.move(1000, 700);
    const min = theme.includes('high-contrast') ? 4.5 : 3;
    const ratios = await panel.page.evaluate(selectors => {
      /** @param {string} css @returns {number[]} */
      const rgba = css => {
        const c = document.createElement('canvas').getContext('2d');
        if (!c) return [0, 0, 0, 0];
        c.fillStyle = css;
        c.fillRect(0, 0, 1, 1);
        return Array.from(c.getImageData(0, 0, 1, 1).data).map((v, i) => (i === 3 ? v / 255 : v));
      };
      /** What is painted behind an element: its ancestors' backgrounds composited. @param {Element} el */
      const backdrop = el => {
        /** @type {number[][]} */
        const layers = [];
        for (let e = /** @type {Element | null} */ (el); e; e = e.parentElement) {
          const c = rgba(getComputedStyle(e).backgroundColor);
          if ((c[3] ?? 0) > 0) layers.push(c);
          if ((c[3] ?? 0) >= 1) break;
        }
        let out = [255, 255, 255];
        if (layers.length && (layers[layers.length - 1]?.[3] ?? 0) < 1) out = rgba(getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background')).slice(0, 3);
        for (const l of layers.reverse()) out = out.map((v, i) => v * (1 - (l[3] ?? 0)) + (l[i] ?? 0) * (l[3] ?? 0));
        return out;
      };
      /** @param {number[]} c */
      const lum = c => {
        const [r, g, b] = c.map(v => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
      };
      /** @type {{ what: string, ratio: number, fg: string, bg: string }[]} */
      const out = [];
      for (const sel of selectors) {
        const els = Array.from(document.querySelectorAll(sel)).slice(0, 3);
        for (const el of els) {
          const bg = backdrop(el);
          const f = rgba(getComputedStyle(el).color);
          const fg = bg.map((v, i) => v * (1 - (f[3] ?? 1)) + (f[i] ?? 0) * (f[3] ?? 1));
          const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
          out.push({ what: `${sel}${el.closest('.selected') ? ' (selected)' : ''}`, ratio: ((a ?? 0) + 0.05) / ((b ?? 0) + 0.05), fg: fg.map(Math.round).join(','), bg: bg.map(Math.round).join(',') });
        }
      }
      return out;
    }, TEXTS);
    for (const r of ratios) if (r.ratio < min) low.push(`${theme}: ${r.what} ${r.ratio.toFixed(2)} (rgb ${r.fg} on rgb ${r.bg}, needs ${min})`);
    eq(ratios.length >= TEXTS.length, true, `${theme}: every text was measured`);
  }
  eq(low, [], 'texts below the contrast minimum');
});

for (const theme of THEME_NAMES) test(`every Tab stop shows a focus indicator (${theme}); the token list is a listbox of options`, async ({ open, encode }) => {
  const panel = await open({ theme });
  await panel.showResult(await encode(SEED));
  const page = panel.page;
  /** @type {string[]} */
  const noFocusRing = [];
  /** @type {string[]} */
  const stops = [];
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const a = document.activeElement;
      if (!a || a === document.body) return null;
      const r = a.getBoundingClientRect();
      return { what: `${a.tagName.toLowerCase()}${a.id ? `#${a.id}` : ''}${a.getAttribute('data-index') ? `[${a.getAttribute('data-index')}]` : ''}`, box: { x: r.x, y: r.y, width: r.width, height: r.height } };
    });
    if (!stop || stops.includes(stop.what)) break;
    stops.push(stop.what);
    // Whatever draws the ring (the element, its shadow DOM, a wrapper): focused and blurred must
    // look different around the element.
    const clip = { x: Math.max(0, stop.box.x - 4), y: Math.max(0, stop.box.y - 4), width: stop.box.width + 8, height: stop.box.height + 8 };
    await panel.frames(1);
    const focused = await page.screenshot({ clip, animations: 'disabled', caret: 'hide' });
    await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).blur());
    await panel.frames(1);
    const blurred = await page.screenshot({ clip, animations: 'disabled', caret: 'hide' });
    if (focused.equals(blurred)) noFocusRing.push(stop.what);
    // Back to where Tab left off (keyboard modality is kept, so :focus-visible still applies).
    await page.evaluate(what => {
      const all = Array.from(document.querySelectorAll('*'));
      const el = all.find(e => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.getAttribute('data-index') ? `[${e.getAttribute('data-index')}]` : ''}` === what && /** @type {HTMLElement} */ (e).tabIndex >= 0);
      /** @type {HTMLElement | undefined} */ (el)?.focus();
    }, stop.what);
  }
  ok(stops.some(s => s.startsWith('span[0]') || s.includes('[0]')), `the chips are a Tab stop: ${stops.join(' → ')}`);
  eq(noFocusRing, [], `${theme}: Tab stops without a visible focus indicator (stops: ${stops.join(' → ')})`);
  // A listbox holds options only: pads are disabled options, gaps are hidden from screen readers.
  const roles = await page.locator('.chips[role="listbox"]').evaluate(list => Array.from(list.children).map(c => c.getAttribute('role') ?? (c.getAttribute('aria-hidden') === 'true' ? 'hidden' : `none:${c.className}`)));
  eq(roles.filter(r => r !== 'option' && r !== 'hidden'), [], 'listbox children that are neither options nor hidden');
  eq(await page.locator('.chip.pad[aria-disabled="true"]').count(), 3, 'pad options are disabled');
  eq(await page.locator('.options-bar').getAttribute('role'), 'group', 'the options bar is a labelled group');
  ok(((await page.locator('.pipeline .part[data-part="encoder"]').textContent()) ?? '').includes('random, seed'), 'the encoder part carries its detail as text for screen readers');
});
