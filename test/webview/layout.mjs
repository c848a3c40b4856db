// Layout measurements the webview tests share (narrow.test.mjs, smallThings.test.mjs).

/**
 * Placeholders that do not fit their field, measured in the page: the text's width in the inner
 * input's font against the input's content box (less the number spinner's room).
 * @param {import('playwright-core').Page} page
 * @param {string} selector vscode-textfield elements
 */
export function placeholderOverflow(page, selector) {
  return page.locator(selector).evaluateAll(els => els.flatMap(el => {
    const input = el.shadowRoot?.querySelector('input');
    if (!input || !input.placeholder || el.closest('[hidden]')) return [];
    const cs = getComputedStyle(input);
    const ctx = /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d'));
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const text = ctx.measureText(input.placeholder).width;
    const room = input.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - (input.type === 'number' ? 16 : 0);
    return text > room ? [`#${el.id}: "${input.placeholder}" needs ${text.toFixed(0)} px, has ${room.toFixed(0)}`] : [];
  }));
}
