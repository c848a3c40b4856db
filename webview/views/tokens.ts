// Tokens as chips over the source text, each with its id under it. Whitespace, newlines,
// byte-level pieces and partial characters are shown honestly; special and pad tokens marked.
//
// Virtualised: the tokens are cut into blocks (at a line break after BLOCK_TOKENS tokens, or at
// BLOCK_MAX tokens), and only the blocks near the scroller's viewport hold chips; the others are
// empty boxes of their measured height (or, before they were ever drawn, an estimate from the
// drawn blocks' height per token). A 40k-token selection keeps a few hundred chips in the DOM.
// Up to VIRTUAL_MIN tokens there is one block, laid out exactly as a plain flow of chips.
import { clear, h } from '../dom';
import { shape } from '../format';
import { displayToken, visibleWhitespace, type TokensPart } from '../result';
import type { Selection } from '../selection';
import type { CopyIdsFormat } from '../../src/shared/panelProtocol';
import { vscode } from '../vscodeApi';

/** Up to this many tokens, one block: every chip in the DOM, laid out as a plain flow. */
export const VIRTUAL_MIN = 2000;
/** A block ends at the first line break after this many tokens... */
export const BLOCK_TOKENS = 200;
/** ...or at this many tokens (text without line breaks). */
export const BLOCK_MAX = 600;
/** Blocks within this distance (CSS px) of the viewport are drawn. */
const MARGIN_PX = 800;
/** Height per token assumed before any block was measured (CSS px). */
const GUESS_PX_PER_TOKEN = 4;
/** Most ids printed in the input_ids line; longer ones are elided in the middle. */
const MAX_PRINTED_IDS = 4096;

interface Block {
  /** Tokens [first, end). */
  readonly first: number;
  readonly end: number;
  /** Where the text before this block's first token was covered up to. */
  readonly cursor: number;
  readonly el: HTMLElement;
  drawn: boolean;
  /** Height when last drawn (CSS px), 0 before. */
  measured: number;
}

/** The tokens view. */
export class TokensView {
  readonly element = h('section', { class: 'tokens-view', 'aria-label': 'Tokens' });
  /** Chips by token index (undefined while their block is not drawn). */
  private chips: (HTMLElement | undefined)[] = [];
  private blocks: Block[] = [];
  private result: TokensPart | undefined;
  private flow: HTMLElement | undefined;
  private observer: IntersectionObserver | undefined;
  /** What mark() last applied. */
  private marked = { selected: -1, hovered: -1, focusable: 0 };

  constructor(private readonly selection: Selection) {
    selection.onChange(() => this.mark(), { tokensOnly: true });
  }

  show(r: TokensPart): void {
    this.observer?.disconnect();
    clear(this.element);
    this.result = r;
    this.chips = new Array<HTMLElement | undefined>(r.n);
    this.marked = { selected: -1, hovered: -1, focusable: 0 };
    this.blocks = [];
    const cuts = blockStarts(r);
    const flow = h('div', { class: 'chips', role: 'listbox', 'aria-label': `${r.n} tokens`, 'aria-orientation': 'horizontal' });
    this.flow = flow;
    if (cuts.length <= 2) {
      // One block: the chips straight in the listbox (no scroller of its own).
      const b: Block = { first: 0, end: r.n, cursor: 0, el: flow, drawn: true, measured: 0 };
      this.blocks.push(b);
      this.fill(b, true, true);
    } else {
      flow.classList.add('virtual');
      let cursor = 0;
      for (let k = 0; k + 1 < cuts.length; k++) {
        const first = cuts[k]!;
        const end = cuts[k + 1]!;
        const el = h('div', { class: 'chip-block', role: 'presentation', 'data-block': k });
        this.blocks.push({ first, end, cursor, el, drawn: false, measured: 0 });
        for (let i = first; i < end; i++) cursor = Math.max(cursor, r.ends[i]!);
        el.style.height = `${(end - first) * GUESS_PX_PER_TOKEN}px`;
        flow.append(el);
      }
      this.observer = new IntersectionObserver(entries => this.onIntersect(entries), { root: flow, rootMargin: `${MARGIN_PX}px 0px` });
      for (const b of this.blocks) this.observer.observe(b.el);
      // The first block at once (the tab stop lives there), the rest as they come into view.
      this.draw(this.blocks[0]!);
    }
    const ids = printIds(r.inputIds);
    const mask = printIds(r.mask);
    this.element.append(
      flow,
      h('div', { class: 'ids' },
        h('div', {}, h('span', { class: 'label' }, 'input_ids '), h('code', { id: 'input-ids' }, ids), h('span', { class: 'dim' }, `  shape ${shape(r.T)}`)),
        h('div', {}, h('span', { class: 'label' }, 'attention_mask '), h('code', { id: 'attention-mask' }, mask)),
        r.reply.truncated ? h('div', { class: 'warn' }, `${r.reply.truncated} token${r.reply.truncated > 1 ? 's' : ''} truncated on the ${r.reply.options.truncationSide}`) : null,
        this.copyRow(r),
      ),
    );
    this.mark();
  }

  /** "copy ids as a Python list / a JSON list": the host writes the clipboard from its own result. */
  private copyRow(r: TokensPart): HTMLElement {
    const done = h('span', { class: 'dim copy-ids-done', role: 'status', 'aria-live': 'polite' });
    const button = (format: CopyIdsFormat, label: string): HTMLElement => {
      const b = h('button', { class: 'link-button', type: 'button', id: `copy-ids-${format}`, title: `Copy the ${r.n} token ids (no pads) to the clipboard as a ${label}` }, label);
      b.addEventListener('click', () => {
        vscode.postMessage({ type: 'copyIds', requestId: r.requestId, format });
        done.textContent = `${r.n} ids copied as a ${label}`;
      });
      return b;
    };
    return h('div', { class: 'copy-ids' }, h('span', { class: 'label' }, 'copy ids as '), button('python', 'Python list'), ' \u00b7 ', button('json', 'JSON list'), ' ', done);
  }

  /** How many chips are in the DOM now (tests read it). */
  get chipsInDom(): number {
    return this.flow?.querySelectorAll('.chip').length ?? 0;
  }

  /** The chip of token i, drawing its block first (keyboard navigation, tests). */
  chip(i: number): HTMLElement | undefined {
    if (i < 0 || !this.result || i >= this.result.n) return undefined;
    const b = this.blockOf(i);
    if (b && !b.drawn) this.draw(b);
    return this.chips[i];
  }

  private blockOf(i: number): Block | undefined {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.blocks[mid]!.first <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.blocks[lo];
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      const b = this.blocks[Number((e.target as HTMLElement).dataset.block)];
      if (!b) continue;
      if (e.isIntersecting && !b.drawn) this.draw(b);
      else if (!e.isIntersecting && b.drawn && !b.el.contains(document.activeElement)) this.undraw(b);
    }
    this.reestimate();
  }

  private draw(b: Block): void {
    b.el.style.height = '';
    this.fill(b, b.first === 0, b === this.blocks[this.blocks.length - 1]);
    b.drawn = true;
    b.measured = b.el.offsetHeight;
    this.mark(true);
  }

  private undraw(b: Block): void {
    b.measured = b.el.offsetHeight || b.measured;
    for (let i = b.first; i < b.end; i++) this.chips[i] = undefined;
    clear(b.el);
    b.el.style.height = `${b.measured}px`;
    b.drawn = false;
  }

  /** Blocks never drawn get the drawn blocks' height per token. */
  private reestimate(): void {
    let px = 0;
    let tokens = 0;
    for (const b of this.blocks) if (b.measured > 0) (px += b.measured), (tokens += b.end - b.first);
    if (tokens === 0) return;
    const per = px / tokens;
    for (const b of this.blocks) if (!b.drawn && b.measured === 0) b.el.style.height = `${Math.round((b.end - b.first) * per)}px`;
  }

  /** Appends block b's chips (with the text between them, and the pads at either end). */
  private fill(b: Block, first: boolean, last: boolean): void {
    const r = this.result!;
    const into = b.el;
    const pad = r.reply.model.pad?.text ?? '';
    const padChip = (t: number): HTMLElement =>
      // An option too (a listbox holds only options), but disabled: pads are not tokens of the text.
      h('span', { class: 'chip pad', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false', 'aria-label': `pad ${pad}, id ${r.inputIds[t]}, row ${t}, mask 0`, title: `row ${t}: pad token ${pad} = ${r.inputIds[t]} (mask 0)` }, h('span', { class: 'chip-text' }, r.reply.model.pad?.text ?? '[pad]'), h('span', { class: 'chip-id' }, String(r.inputIds[t])));
    const leftPads = r.reply.options.paddingSide === 'left' ? r.T - r.n : 0;
    if (first) for (let t = 0; t < leftPads; t++) into.append(padChip(t));
    let cursor = b.cursor;
    for (let i = b.first; i < b.end; i++) {
      const start = r.starts[i]!;
      const end = r.ends[i]!;
      if (start > cursor) appendGap(into, r.text.slice(cursor, start));
      const partial = isPartial(r, i);
      const special = r.special[i] === 1;
      const src = r.text.slice(start, end);
      const mark = tokenMark(r, i);
      const randomRow = r.randomRows?.[r.positions[i]!] === 1;
      const cls = ['chip', special ? 'special' : '', partial ? 'partial' : '', mark ?? '', r.texts[i] !== src ? 'respelled' : '', randomRow ? 'random-row' : ''].filter(Boolean).join(' ');
      const note = (mark ? ` \u00b7 ${MARK_NOTE[mark]}` : '') + (randomRow ? ` \u00b7 ${RANDOM_ROW_NOTE}` : '');
      const title = `token ${i} \u00b7 id ${r.ids[i]} \u00b7 vocabulary: ${JSON.stringify(r.texts[i])} \u00b7 source ${start}:${end} ${JSON.stringify(src)}${special ? ' \u00b7 special' : ''}${partial ? ' \u00b7 part of one character (bytes)' : ''}${note}`;
      const shown = displayToken(r, i);
      const chip = h('span', { class: cls, role: 'option', tabindex: -1, 'aria-selected': 'false', title, 'data-index': i, 'aria-label': `${shown}, id ${r.ids[i]}${mark ? `, ${MARK_NOTE[mark]}` : ''}${randomRow ? `, ${RANDOM_ROW_NOTE}` : ''}` },
        h('span', { class: 'chip-text' }, mark ? h('span', { class: `chip-mark codicon ${MARK_ICON[mark]}`, 'aria-hidden': 'true' }) : null, shown),
        h('span', { class: 'chip-id' }, String(r.ids[i])),
      );
      chip.addEventListener('pointerenter', () => this.selection.hover(i));
      chip.addEventListener('pointerleave', () => this.selection.hover(-1));
      chip.addEventListener('click', () => this.selection.select(i, true));
      chip.addEventListener('keydown', e => this.onKey(e, i));
      chip.addEventListener('focus', () => this.selection.hover(i));
      into.append(chip);
      this.chips[i] = chip;
      if (src.includes('\n')) into.append(h('span', { class: 'break', 'aria-hidden': 'true' }));
      cursor = Math.max(cursor, end);
    }
    if (last) {
      if (cursor < r.text.length) appendGap(into, r.text.slice(cursor));
      for (let t = leftPads + r.n; t < r.T; t++) into.append(padChip(t));
    }
  }

  private onKey(e: KeyboardEvent, i: number): void {
    const n = this.result?.n ?? 0;
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -2;
    if (next >= 0 && next < n) {
      e.preventDefault();
      const c = this.chip(next);
      c?.focus();
      c?.scrollIntoView({ block: 'nearest' });
      this.selection.select(next);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.selection.select(i, true);
    }
  }

  /**
   * Restyles only the chips whose state changed (a hover must not touch 40,000 chips); `all`
   * after a block was drawn, whose chips start plain.
   */
  private mark(all = false): void {
    const sel = this.selection.selected;
    const hov = this.selection.hovered;
    const focusable = sel >= 0 ? sel : 0;
    const touched = new Set([this.marked.selected, this.marked.hovered, this.marked.focusable, sel, hov, focusable]);
    if (all) touched.add(sel).add(hov).add(focusable);
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

/** A token the vocabulary could not spell as it is: the unknown token, or bytes standing in for a character. */
export type TokenMark = 'unk' | 'byte';

/** A chip whose row is random rather than the table's (builtin:seed's unlisted words). */
export const RANDOM_ROW_NOTE = 'random row: this model has no learnt vector for it';

const MARK_NOTE: Record<TokenMark, string> = { unk: 'unknown token: the vocabulary has no piece for this text', byte: 'byte fallback: a byte of the text, not a piece of the vocabulary' };
const MARK_ICON: Record<TokenMark, string> = { unk: 'codicon-question', byte: 'codicon-file-binary' };
/** The unknown token's spellings in the common tokenizers (BERT, SentencePiece, GloVe-style word lists). */
const UNK_SPELLINGS = new Set(['[UNK]', '<unk>', '<UNK>', '<|unk|>', '[unk]']);
/** SentencePiece / Llama byte-fallback pieces. */
const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;

/** Whether token i is one of several byte-level pieces of one character (they share its span). */
export function isPartial(r: TokensPart, i: number): boolean {
  const start = r.starts[i]!;
  const end = r.ends[i]!;
  return (i > 0 && r.starts[i - 1] === start && r.ends[i - 1] === end) || (i + 1 < r.n && r.starts[i + 1] === start && r.ends[i + 1] === end && end > start);
}

/** How token i is marked: 'unk' for the unknown token over real text, 'byte' for a byte-fallback piece (`<0xNN>`, or a byte-level piece of one character). */
export function tokenMark(r: TokensPart, i: number): TokenMark | undefined {
  const tok = r.texts[i]!;
  const start = r.starts[i]!;
  const end = r.ends[i]!;
  // A [UNK] written in the text is the token itself, not an unknown word.
  if (UNK_SPELLINGS.has(tok)) return end > start && r.text.slice(start, end) !== tok ? 'unk' : undefined;
  if (BYTE_PIECE.test(tok) && r.text.slice(start, end) !== tok) return 'byte';
  return isPartial(r, i) ? 'byte' : undefined;
}

/** How many tokens are unknown and how many are byte fallback (the header's count). */
export function markCounts(r: TokensPart): { unknown: number; byteFallback: number } {
  let unknown = 0;
  let byteFallback = 0;
  for (let i = 0; i < r.n; i++) {
    const m = tokenMark(r, i);
    if (m === 'unk') unknown++;
    else if (m === 'byte') byteFallback++;
  }
  return { unknown, byteFallback };
}

/** "3 unknown, 2 byte-fallback" (empty when there are none). */
export function markSummary(c: { unknown: number; byteFallback: number }): string {
  return [c.unknown ? `${c.unknown} unknown` : '', c.byteFallback ? `${c.byteFallback} byte-fallback` : ''].filter(Boolean).join(', ');
}

/** Where blocks start (token indices), ending with n. */
function blockStarts(r: TokensPart): number[] {
  if (r.n <= VIRTUAL_MIN) return [0, r.n];
  const cuts = [0];
  let count = 0;
  for (let i = 1; i < r.n; i++) {
    count++;
    const nl = r.text.indexOf('\n', r.starts[i - 1]!);
    const brokeLine = nl >= 0 && nl < r.starts[i]!;
    if ((count >= BLOCK_TOKENS && brokeLine) || count >= BLOCK_MAX) {
      cuts.push(i);
      count = 0;
    }
  }
  cuts.push(r.n);
  return cuts;
}

/** `[a, b, …]`, the middle elided past MAX_PRINTED_IDS (the shape says how many). */
function printIds(a: Int32Array | Uint8Array): string {
  if (a.length <= MAX_PRINTED_IDS) return `[${Array.from(a).join(', ')}]`;
  const half = MAX_PRINTED_IDS / 2;
  return `[${Array.from(a.subarray(0, half)).join(', ')}, \u2026 ${a.length - 2 * half} more \u2026, ${Array.from(a.subarray(a.length - half)).join(', ')}]`;
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
