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
