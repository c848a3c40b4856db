// Tiny DOM helpers: text is always set as text (editor content is data, never HTML).

type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: (Node | string | null | undefined | false)[]): HTMLElement;
export function h(tag: string, attrs: Attrs | undefined, ...children: (Node | string | null | undefined | false)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** Removes all children. */
export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

/**
 * Shows a status line in `el`: a spinner while busy, an error icon on failure, the text, and a
 * Retry button when `retry` is given. `base` is the element's own class.
 */
export function renderStatus(el: HTMLElement, base: string, kind: '' | 'busy' | 'error', text: string, retry?: () => void): void {
  clear(el);
  el.className = `${base} ${kind}`;
  if (kind === 'busy') el.append(h('vscode-progress-ring', { 'aria-hidden': 'true' }));
  if (kind === 'error') el.append(h('span', { class: 'codicon codicon-error', 'aria-hidden': 'true' }));
  if (text) el.append(h('span', {}, text));
  if (retry) {
    const b = h('vscode-button', { secondary: true }, 'Retry');
    b.addEventListener('click', retry);
    el.append(b);
  }
}

/**
 * Runs `fn` once after the next paint (a frame, then a task), or after 300 ms when no frame
 * comes (a hidden webview gets no animation frames).
 */
export function afterPaint(fn: () => void): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 300);
}
