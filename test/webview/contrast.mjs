// WCAG 2 contrast from colours as themes write them (#rgb, #rrggbb, #rrggbbaa, rgb[a](…)),
// composited over what is behind them. Used by the theme tests (themes.test.mjs).

/** @typedef {[number, number, number, number]} Rgba 0–255 channels, alpha 0–1 */

/** Parses a theme colour. @param {string} css @returns {Rgba} */
export function parseColor(css) {
  const s = css.trim();
  let m = /^#([0-9a-f]{3,8})$/i.exec(s);
  if (m) {
    let hex = /** @type {string} */ (m[1]);
    if (hex.length === 3 || hex.length === 4) hex = hex.split('').map(c => c + c).join('');
    const n = (/** @type {number} */ i) => parseInt(hex.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), hex.length === 8 ? n(6) / 255 : 1];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(s);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), a];
  }
  throw new Error(`not a colour this test reads: ${css}`);
}

/** `top` painted over the opaque `bottom`. @param {Rgba} top @param {Rgba} bottom @returns {Rgba} */
export function over(top, bottom) {
  const a = top[3];
  return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
}

/** Relative luminance (WCAG 2). @param {Rgba} c */
export function luminance(c) {
  const [r, g, b] = c.slice(0, 3).map(v => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * /** @type {number} */ (r) + 0.7152 * /** @type {number} */ (g) + 0.0722 * /** @type {number} */ (b);
}

/** The contrast ratio of two opaque colours (1–21). @param {Rgba} a @param {Rgba} b */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (/** @type {number} */ (hi) + 0.05) / (/** @type {number} */ (lo) + 0.05);
}
