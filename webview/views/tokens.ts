// Tokens as chips over the source text, each with its id under it. Whitespace, newlines,
// byte-level pieces and partial characters are shown honestly; special and pad tokens marked.
import { clear, h } from '../dom';
import { shape } from '../format';
import { displayToken, visibleWhitespace, type Result } from '../result';
import type { Selection } from '../selection';

/** The tokens view. */
export class TokensView {
  readonly element = h('section', { class: 'tokens-view', 'aria-label': 'Tokens' });
  private chips: HTMLElement[] = [];
  /** What mark() last applied. */
  private marked = { selected: -1, hovered: -1, focusable: 0 };

  constructor(private readonly selection: Selection) {
    selection.onChange(() => this.mark());
  }

  show(r: Result): void {
    clear(this.element);
    const flow = h('div', { class: 'chips', role: 'listbox', 'aria-label': `${r.n} tokens`, 'aria-orientation': 'horizontal' });
    this.chips = [];
    this.marked = { selected: -1, hovered: -1, focusable: 0 }; // chip 0 is created focusable
    const padChip = (t: number): HTMLElement =>
      // An option too (a listbox holds only options), but disabled: pads are not tokens of the text.
      h('span', { class: 'chip pad', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false', 'aria-label': `pad ${r.reply.model.pad?.text ?? ''}, id ${r.inputIds[t]}, row ${t}, mask 0`, title: `row ${t}: pad token ${r.reply.model.pad?.text ?? ''} = ${r.inputIds[t]} (mask 0)` }, h('span', { class: 'chip-text' }, r.reply.model.pad?.text ?? '[pad]'), h('span', { class: 'chip-id' }, String(r.inputIds[t])));
    const leftPads = r.reply.options.paddingSide === 'left' ? r.T - r.n : 0;
    for (let t = 0; t < leftPads; t++) flow.append(padChip(t));
    let cursor = 0;
    for (let i = 0; i < r.n; i++) {
      const start = r.starts[i]!;
      const end = r.ends[i]!;
      if (start > cursor) appendGap(flow, r.text.slice(cursor, start));
      const partial = (i > 0 && r.starts[i - 1] === start && r.ends[i - 1] === end) || (i + 1 < r.n && r.starts[i + 1] === start && r.ends[i + 1] === end && end > start);
      const special = r.special[i] === 1;
      const cls = ['chip', special ? 'special' : '', partial ? 'partial' : '', r.texts[i] !== r.text.slice(start, end) ? 'respelled' : ''].filter(Boolean).join(' ');
      const src = r.text.slice(start, end);
      const title = `token ${i} \u00b7 id ${r.ids[i]} \u00b7 vocabulary: ${JSON.stringify(r.texts[i])} \u00b7 source ${start}:${end} ${JSON.stringify(src)}${special ? ' \u00b7 special' : ''}${partial ? ' \u00b7 part of one character (bytes)' : ''}`;
      const chip = h('span', { class: cls, role: 'option', tabindex: i === 0 ? 0 : -1, 'aria-selected': 'false', title, 'data-index': i, 'aria-label': `${displayToken(r, i)}, id ${r.ids[i]}` },
        h('span', { class: 'chip-text' }, displayToken(r, i)),
        h('span', { class: 'chip-id' }, String(r.ids[i])),
      );
      chip.addEventListener('pointerenter', () => this.selection.hover(i));
      chip.addEventListener('pointerleave', () => this.selection.hover(-1));
      chip.addEventListener('click', () => this.selection.select(i, true));
      chip.addEventListener('keydown', e => this.onKey(e, i));
      chip.addEventListener('focus', () => this.selection.hover(i));
      flow.append(chip);
      this.chips.push(chip);
      if (/\n/.test(src)) flow.append(h('span', { class: 'break', 'aria-hidden': 'true' }));
      cursor = Math.max(cursor, end);
    }
    if (cursor < r.text.length) appendGap(flow, r.text.slice(cursor));
    for (let t = leftPads + r.n; t < r.T; t++) flow.append(padChip(t));
    const ids = Array.from(r.inputIds);
    const mask = Array.from(r.mask);
    this.element.append(
      flow,
      h('div', { class: 'ids' },
        h('div', {}, h('span', { class: 'label' }, 'input_ids '), h('code', { id: 'input-ids' }, `[${ids.join(', ')}]`), h('span', { class: 'dim' }, `  shape ${shape(r.T)}`)),
        h('div', {}, h('span', { class: 'label' }, 'attention_mask '), h('code', { id: 'attention-mask' }, `[${mask.join(', ')}]`)),
        r.reply.truncated ? h('div', { class: 'warn' }, `${r.reply.truncated} token${r.reply.truncated > 1 ? 's' : ''} truncated on the ${r.reply.options.truncationSide}`) : null,
      ),
    );
    this.mark();
  }

  private onKey(e: KeyboardEvent, i: number): void {
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? this.chips.length - 1 : -2;
    if (next >= 0 && next < this.chips.length) {
      e.preventDefault();
      this.chips[next]!.focus();
      this.selection.select(next);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.selection.select(i, true);
    }
  }

  /** Restyles only the chips whose state changed (a hover must not touch 2,048 chips). */
  private mark(): void {
    const sel = this.selection.selected;
    const hov = this.selection.hovered;
    const focusable = sel >= 0 ? sel : 0;
    const touched = new Set([this.marked.selected, this.marked.hovered, this.marked.focusable, sel, hov, focusable]);
    for (const i of touched) {
      const c = this.chips[i];
      if (!c) continue;
      c.classList.toggle('selected', i === sel);
      c.classList.toggle('hovered', i === hov);
      c.setAttribute('aria-selected', String(i === sel));
      c.tabIndex = i === focusable ? 0 : -1;
    }
    this.marked = { selected: sel, hovered: hov, focusable };
  }
}

/** Text the tokenizer dropped (e.g. spaces removed by a whitespace pre-tokenizer). */
function appendGap(flow: HTMLElement, text: string): void {
  const parts = text.split(/(\r\n|\n|\r)/);
  for (const p of parts) {
    if (p === '') continue;
    if (/^(\r\n|\n|\r)$/.test(p)) {
      flow.append(h('span', { class: 'gap', title: 'not part of any token', 'aria-hidden': 'true' }, visibleWhitespace(p)), h('span', { class: 'break', 'aria-hidden': 'true' }));
    } else flow.append(h('span', { class: 'gap', title: 'not part of any token', 'aria-hidden': 'true' }, visibleWhitespace(p)));
  }
}
