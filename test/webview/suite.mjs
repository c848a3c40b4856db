// The webview tests' tiny registry: test files call test(name, fn); run.mjs runs them in order
// with one Chromium and one core worker shared by all. A test opens its pages through ctx.open
// (closed after it, and any page error or CSP violation fails it).

/**
 * What every test gets.
 * @typedef {{
 *   browser: import('playwright-core').Browser,
 *   core: import('./harness.mjs').Core,
 *   open: (o?: Parameters<typeof import('./harness.mjs').PanelPage.open>[1]) => Promise<import('./harness.mjs').PanelPage>,
 *   encode: (text: string, o?: Parameters<import('./harness.mjs').Core['encode']>[1]) => Promise<import('./harness.mjs').EncodeReply>,
 * }} TestContext
 */

/** @typedef {{ name: string, file: string, fn: (ctx: TestContext) => Promise<void> }} TestCase */

/** @type {TestCase[]} */
export const registered = [];
let currentFile = '';

/** Names the file whose tests are being registered (run.mjs). @param {string} file */
export function registering(file) {
  currentFile = file;
}

/**
 * Registers a test.
 * @param {string} name
 * @param {(ctx: TestContext) => Promise<void>} fn
 */
export function test(name, fn) {
  registered.push({ name, file: currentFile, fn });
}

/**
 * Throws unless `actual` equals `expected` (deep, JSON-wise), with both in the message.
 * @param {unknown} actual
 * @param {unknown} expected
 * @param {string} what
 */
export function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

/** Throws with `message` unless `cond`. @param {unknown} cond @param {string} message @returns {asserts cond} */
export function ok(cond, message) {
  if (!cond) throw new Error(message);
}

/**
 * Each channel of an RGB(A) pixel within `tol` of the expected RGB.
 * @param {ArrayLike<number>} px
 * @param {readonly number[]} rgb
 * @param {number} tol
 * @param {string} what
 */
export function near(px, rgb, tol, what) {
  const d = Math.max(...rgb.map((c, i) => Math.abs(c - /** @type {number} */ (px[i]))));
  if (d > tol) throw new Error(`${what}: pixel rgb(${Array.from(px).slice(0, 3).join(', ')}), expected rgb(${rgb.join(', ')}) ± ${tol} (off by ${d})`);
}

/** `#rrggbb[aa]` → [r, g, b]. @param {string} hex @returns {[number, number, number]} */
export function hexRgb(hex) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex.trim());
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(/** @type {string} */ (m[1]), 16), parseInt(/** @type {string} */ (m[2]), 16), parseInt(/** @type {string} */ (m[3]), 16)];
}
