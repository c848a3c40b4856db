// The tokenizer's steps for the selected token, told as a story: the text of its span → what the
// normalizer made of it → the pre-tokenizer's pieces → the model's steps (BPE merges, WordPiece
// attempts, the Unigram path, byte fallback…) → the tokens and ids → what the post-processor added.
import type { ModelStep, Replay } from '../../src/core/tokenizers/replay';
import type { Token } from '../../src/core/tokenizers/types';
import { clear, h, renderStatus } from '../dom';
import { isSuperseded, RequestError, RequestLane } from '../requests';
import { displayToken, visibleWhitespace, type Result } from '../result';
import type { Selection } from '../selection';

/** Lists longer than this are drawn virtualised (only the visible rows exist). */
const PLAIN_ROWS = 40;
/** Height of one virtualised row in CSS pixels (matches .rp-vrow in styles.css). */
const ROW_HEIGHT = 30;
/** Rows visible at once in a virtualised list. */
const VISIBLE_ROWS = 12;
/** Symbols shown in one row of a merge list (a window around the merge in longer rows). */
const SYMBOL_WINDOW = 32;
/** Pre-token chips shown around the selected ones before the rest are summarised. */
const CHIP_WINDOW = 60;
/** Characters of a long segment shown around the span. */
const SEGMENT_WINDOW = 240;

type Piece = Replay['pieces'][number];

/** The replay tab. */
export class ReplayView {
  readonly element = h('section', { class: 'replay-view', 'aria-label': 'Tokenizer replay' });
  private readonly head = h('div', { class: 'rp-head' });
  private readonly status = h('div', { class: 'rp-status', role: 'status', 'aria-live': 'polite' });
  private readonly story = h('ol', { class: 'rp-story', 'aria-label': 'How the tokenizer made this token' });
  private readonly lane = new RequestLane<'explain'>();
  private readonly cache = new Map<string, Replay>();
  private result: Result | undefined;
  private token = -1;
  private stale = true;
  private timer = 0;
  private selectedSeen = -2;
  /** Milliseconds the last story render took. */
  lastRenderMs = 0;

  constructor(private readonly selection: Selection) {
    this.element.append(this.head, this.status, this.story);
    selection.onChange(() => {
      if (this.selection.selected === this.selectedSeen) return; // a hover only
      this.selectedSeen = this.selection.selected;
      this.schedule();
    });
    new ResizeObserver(() => {
      if (this.stale && this.visible()) this.refresh();
    }).observe(this.element);
  }

  show(r: Result): void {
    this.result = r;
    this.cache.clear();
    this.selectedSeen = this.selection.selected;
    this.schedule(0);
  }

  private visible(): boolean {
    return this.element.isConnected && this.element.getClientRects().length > 0;
  }

  private schedule(delay = 120): void {
    this.stale = true;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      if (this.visible()) this.refresh();
    }, delay);
  }

  private refresh(): void {
    this.stale = false;
    const r = this.result;
    const i = this.selection.selected;
    this.token = r && i >= 0 && i < r.n ? i : -1;
    clear(this.story);
    this.renderHead();
    if (!r) return;
    if (this.token < 0) {
      this.lane.cancel();
      this.setStatus('', '');
      this.story.append(h('li', { class: 'rp-prompt' }, h('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), ' Select a token (click it in the Tokens tab or a row of a matrix) to replay the tokenizer\u2019s steps that made it.'));
      return;
    }
    const start = r.starts[this.token]!;
    const end = r.ends[this.token]!;
    if (r.special[this.token] && start === end) {
      this.lane.cancel();
      this.setStatus('', '');
      this.renderAdded(r, this.token);
      return;
    }
    const key = `${r.requestId}\u0000${start}\u0000${end}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.setStatus('', '');
      this.render(cached);
      return;
    }
    this.setStatus('busy', 'Replaying the tokenizer\u2026');
    const asked = this.token;
    this.lane.send({ type: 'explain', start, end }, { timeoutMs: 30_000 }).then(
      m => {
        if (this.cache.size >= 32) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, m.replay);
        if (this.token !== asked || this.result !== r) return;
        this.setStatus('', '');
        this.render(m.replay);
      },
      (e: unknown) => {
        if (isSuperseded(e)) return;
        const unsupported = e instanceof RequestError && e.detail === 'unsupported';
        // 'unsupported' is final for this tokenizer (no Retry); the host's message names it.
        this.setStatus('error', e instanceof Error ? e.message : String(e), !unsupported);
      },
    );
  }

  private renderHead(): void {
    clear(this.head);
    const r = this.result;
    if (!r || this.token < 0) return;
    const i = this.token;
    this.head.append(h('h3', {}, 'How ', h('span', { class: 'rp-quote' }, displayToken(r, i)), ` became id ${r.ids[i]}`,
      h('span', { class: 'dim' }, ` token ${i} of ${r.n} \u00b7 ${r.reply.model.tokenizer.description}`)));
  }

  /** A special token the post-processor added: it has no text to replay. */
  private renderAdded(r: Result, i: number): void {
    const added: string[] = [];
    for (let k = 0; k < r.n; k++) if (r.special[k] && r.starts[k] === r.ends[k]) added.push(`${r.texts[k]} (id ${r.ids[k]}, token ${k})`);
    this.story.append(stage('post-processor', 'Added by the post-processor',
      h('p', {}, h('span', { class: 'rp-tok special' }, r.texts[i]!), ` (id ${r.ids[i]}) comes from no text: the tokenizer\u2019s post-processor added it after the model ran, as the model was trained to expect.`),
      added.length > 1 ? h('p', { class: 'dim' }, `Added to this sequence: ${added.join(', ')}.`) : null,
      h('p', { class: 'dim' }, 'Turn "special tokens" off in the options bar to see the sequence without them.'),
    ));
  }

  /** Renders a replay (the reply to the selected token's explain request). */
  render(replay: Replay): void {
    const t0 = performance.now();
    const r = this.result;
    clear(this.story);
    // 1. The span's text.
    this.story.append(stage('text', 'The text',
      h('p', {}, h('code', { class: 'rp-text' }, visibleWhitespace(replay.text) || '(empty)'), h('span', { class: 'dim' }, ` characters ${replay.start}\u2013${replay.end} of the input`)),
      replay.addedTokens.length
        ? h('p', {}, 'Added tokens are matched first, before normalization: ', ...replay.addedTokens.map(t => tokenChip(t, false)))
        : null,
    ));
    // 2. The normalizer (only when it changed something).
    const changed = replay.segments.filter(s => s.normalized !== s.original);
    if (changed.length) {
      this.story.append(stage('normalizer', 'The normalizer', ...changed.map(s => segmentDiff(s, replay))));
    }
    // 3. The pre-tokenizer's pieces.
    this.story.append(stage('pre-tokenizer', 'The pre-tokenizer', preTokenChips(replay)));
    // 4. The model's steps, for each selected piece.
    const model = stage('model', replay.pieces.length > 1 ? `The model, on each of the ${replay.pieces.length} pieces` : 'The model');
    for (const piece of replay.pieces) model.append(pieceSteps(piece, replay.pieces.length > 1));
    if (!replay.pieces.length) model.append(h('p', { class: 'dim' }, 'No piece of the pre-tokenizer overlaps this span.'));
    this.story.append(model);
    // 5. The tokens that resulted.
    const tokens = replay.pieces.flatMap(p => p.tokens);
    const sel = r && this.token >= 0 ? { id: r.ids[this.token]!, start: r.starts[this.token]!, end: r.ends[this.token]! } : null;
    this.story.append(stage('tokens', 'The tokens',
      tokens.length
        ? h('div', { class: 'rp-chips', role: 'list' }, ...tokens.map(t => tokenChip(t, !!sel && t.id === sel.id && t.start === sel.start && t.end === sel.end)))
        : h('p', { class: 'dim' }, 'No tokens: the piece was dropped.'),
    ));
    // 6. The post-processor.
    const added = r ? Array.from({ length: r.n }, (_, k) => k).filter(k => r.special[k] && r.starts[k] === r.ends[k]) : [];
    if (replay.postProcessor || added.length) {
      this.story.append(stage('post-processor', 'The post-processor',
        replay.postProcessor ? h('p', {}, replay.postProcessor) : null,
        added.length && r
          ? h('p', {}, 'It added special tokens that come from no text: ', ...added.map(k => tokenChip({ id: r.ids[k]!, text: r.texts[k]!, start: r.starts[k]!, end: r.ends[k]!, special: true }, false)))
          : null,
      ));
    }
    this.lastRenderMs = performance.now() - t0;
    this.story.dataset.renderMs = this.lastRenderMs.toFixed(2);
  }

  private setStatus(kind: '' | 'busy' | 'error', text: string, retry = false): void {
    renderStatus(this.status, 'rp-status', kind, text, retry ? () => this.refresh() : undefined);
  }
}

/** One stage of the story. */
function stage(kind: string, title: string, ...body: (Node | null)[]): HTMLElement {
  return h('li', { class: `rp-stage rp-stage-${kind}`, 'data-stage': kind }, h('h4', {}, title), ...body);
}

/** A token as a chip: spelling and id. */
function tokenChip(t: Token, selected: boolean): HTMLElement {
  return h('span', { class: `rp-tok${t.special ? ' special' : ''}${selected ? ' selected' : ''}`, role: 'listitem', title: `${JSON.stringify(t.text)} id ${t.id}${t.start < t.end ? ` \u00b7 characters ${t.start}\u2013${t.end}` : ''}${t.special ? ' \u00b7 special' : ''}`, 'aria-current': selected ? 'true' : undefined },
    h('span', { class: 'rp-tok-text' }, visibleWhitespace(t.text)), h('span', { class: 'rp-tok-id' }, String(t.id)));
}

/** Original → normalized for one segment (a window around the span when the segment is long). */
function segmentDiff(s: Replay['segments'][number], replay: Replay): HTMLElement {
  const excerpt = (text: string, at: number): string => {
    if (text.length <= SEGMENT_WINDOW) return visibleWhitespace(text);
    const from = Math.max(0, Math.min(text.length - SEGMENT_WINDOW, at - SEGMENT_WINDOW / 3));
    return `${from > 0 ? '\u2026' : ''}${visibleWhitespace(text.slice(from, from + SEGMENT_WINDOW))}${from + SEGMENT_WINDOW < text.length ? '\u2026' : ''}`;
  };
  const at = Math.max(0, replay.start - s.start);
  // The normalized text has its own offsets; the relative position is the best window guess.
  const atNorm = s.original.length ? Math.round((at / s.original.length) * s.normalized.length) : 0;
  return h('div', { class: 'rp-norm' },
    h('div', {}, h('span', { class: 'rp-label' }, 'original'), h('code', {}, excerpt(s.original, at))),
    h('div', {}, h('span', { class: 'rp-label' }, 'normalized'), h('code', {}, excerpt(s.normalized, atNorm))),
    s.original.length > SEGMENT_WINDOW ? h('div', { class: 'dim' }, `an excerpt of a ${s.original.length}-character segment`) : null,
  );
}

/** Every pre-token of the segment as a chip, the selected ones highlighted (a window when many). */
function preTokenChips(replay: Replay): HTMLElement {
  const all = replay.preTokens;
  const wrap = h('div', {});
  if (!all.length) {
    wrap.append(h('p', { class: 'dim' }, 'The pre-tokenizer produced no pieces here.'));
    return wrap;
  }
  let first = all.findIndex(p => p.selected);
  let last = all.length - 1 - [...all].reverse().findIndex(p => p.selected);
  if (first < 0) first = last = 0;
  const from = Math.max(0, first - CHIP_WINDOW / 2);
  const to = Math.min(all.length, last + 1 + CHIP_WINDOW / 2);
  const row = h('div', { class: 'rp-chips', role: 'list', 'aria-label': `${all.length} pre-tokens` });
  if (from > 0) row.append(h('span', { class: 'dim rp-more' }, `\u2026 ${from} before`));
  for (let k = from; k < to; k++) {
    const p = all[k]!;
    row.append(h('span', { class: `rp-pre${p.selected ? ' selected' : ''}`, role: 'listitem', title: `characters ${p.start}\u2013${p.end}${p.selected ? ' \u00b7 this token\u2019s piece' : ''}`, 'aria-current': p.selected ? 'true' : undefined }, visibleWhitespace(p.text) || '\u2205'));
  }
  if (to < all.length) row.append(h('span', { class: 'dim rp-more' }, `${all.length - to} after \u2026`));
  wrap.append(h('p', { class: 'dim' }, `The text is split into ${all.length} piece${all.length === 1 ? '' : 's'}; the model sees each on its own.`), row);
  return wrap;
}

/** The model's steps on one piece, grouped: BPE merges and WordPiece attempts as tables. */
function pieceSteps(piece: Piece, titled: boolean): HTMLElement {
  const box = h('div', { class: 'rp-piece' });
  if (titled) box.append(h('h5', {}, 'piece ', h('span', { class: 'rp-quote' }, visibleWhitespace(piece.text)), h('span', { class: 'dim' }, ` characters ${piece.start}\u2013${piece.end}`)));
  const steps = piece.steps;
  for (let k = 0; k < steps.length; ) {
    const s = steps[k]!;
    if (s.kind === 'symbols' || s.kind === 'merge') {
      let end = k + (s.kind === 'symbols' ? 1 : 0);
      while (end < steps.length && steps[end]!.kind === 'merge') end++;
      box.append(bpeBlock(piece, s.kind === 'symbols' ? s.parts : null, steps.slice(s.kind === 'symbols' ? k + 1 : k, end) as Extract<ModelStep, { kind: 'merge' }>[]));
      k = end;
    } else if (s.kind === 'wordpiece') {
      let end = k;
      while (end < steps.length && steps[end]!.kind === 'wordpiece') end++;
      box.append(wordPieceBlock(piece, steps.slice(k, end) as Extract<ModelStep, { kind: 'wordpiece' }>[]));
      k = end;
    } else {
      box.append(singleStep(s));
      k++;
    }
  }
  if (!steps.length) box.append(h('p', { class: 'dim' }, 'The model reported no steps for this piece.'));
  return box;
}

function singleStep(s: ModelStep): HTMLElement {
  switch (s.kind) {
    case 'lookup':
      return s.id === null
        ? h('p', { class: 'rp-step' }, stepIcon('warning'), quote(s.piece), ' is not in the vocabulary \u2192 ', h('span', { class: 'rp-sym unk' }, visibleWhitespace(s.result)))
        : h('p', { class: 'rp-step' }, stepIcon('search'), 'Looked up ', quote(s.piece), ' in the vocabulary \u2192 ', h('span', { class: 'rp-sym merged' }, visibleWhitespace(s.result)), ` id ${s.id}`);
    case 'wholeWord':
      return h('p', { class: 'rp-step' }, stepIcon('pass'), quote(s.piece), ` is in the vocabulary as a whole (id ${s.id}): no merges needed (ignore_merges).`);
    case 'unigram':
      return unigramBlock(s);
    case 'byteFallback':
      return h('p', { class: 'rp-step' }, stepIcon('symbol-numeric'), quote(s.symbol), ` (U+${codePoints(s.symbol)}) is not in the vocabulary: written as its UTF-8 bytes `, ...s.bytes.map(b => h('span', { class: 'rp-sym byte' }, b)));
    case 'unknown':
      return h('p', { class: 'rp-step' }, stepIcon('warning'), quote(s.piece), ' \u2192 ', s.token ? h('span', { class: 'rp-sym unk' }, visibleWhitespace(s.token)) : h('em', {}, 'dropped'), h('span', { class: 'dim' }, ` (${s.reason})`));
    case 'note':
      return h('p', { class: 'rp-step dim' }, stepIcon('info'), s.text);
    case 'symbols':
    case 'merge':
    case 'wordpiece':
      // Grouped by pieceSteps; a lone one still reads sensibly.
      return h('p', { class: 'rp-step' }, JSON.stringify(s));
  }
}

function stepIcon(name: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

function quote(s: string): HTMLElement {
  return h('span', { class: 'rp-quote' }, visibleWhitespace(s));
}

function codePoints(s: string): string {
  return Array.from(s, c => c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')).join(' U+');
}

/** A row of symbol boxes; `hot` marks indices to highlight (the merged pair). Long rows show a window around it. */
function symbolRow(parts: readonly string[], hot: ReadonlySet<number>): HTMLElement {
  const row = h('span', { class: 'rp-syms' });
  let from = 0;
  let to = parts.length;
  if (parts.length > SYMBOL_WINDOW) {
    // Keep the merge in view: the whole sequence is in the aria-label and the tokens stage.
    const at = hot.size ? Math.min(...hot) : 0;
    from = Math.max(0, Math.min(parts.length - SYMBOL_WINDOW, at - Math.floor(SYMBOL_WINDOW / 3)));
    to = from + SYMBOL_WINDOW;
  }
  if (from > 0) row.append(h('span', { class: 'rp-elided', title: `${from} symbols before` }, `…${from}`));
  for (let i = from; i < to; i++) row.append(h('span', { class: `rp-sym${hot.has(i) ? ' merged' : ''}` }, visibleWhitespace(parts[i]!)));
  if (to < parts.length) row.append(h('span', { class: 'rp-elided', title: `${parts.length - to} symbols after` }, `${parts.length - to}…`));
  return row;
}

/** Which indices of `after` are the new merged symbol (found by walking both sequences). */
export function mergedIndices(before: readonly string[] | null, after: readonly string[], left: string, right: string, merged: string): Set<number> {
  const hot = new Set<number>();
  if (!before) {
    after.forEach((p, i) => p === merged && hot.add(i));
    return hot;
  }
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    if (before[i] === left && before[i + 1] === right && after[j] === merged) {
      hot.add(j);
      i += 2;
      j++;
    } else if (before[i] === after[j]) {
      i++;
      j++;
    } else break;
  }
  return hot;
}

/** The "left + right" cell, as wide in every row (set through CSSOM: the CSP forbids style attributes). */
function pairCell(ch: number, ...content: (Node | string)[]): HTMLElement {
  const cell = h('span', { class: 'rp-pair' }, ...content);
  cell.style.width = `${ch + 1}ch`;
  return cell;
}

/** BPE: the symbols, then one row per merge with the merged pair highlighted and its rank. */
function bpeBlock(piece: Piece, symbols: readonly string[] | null, merges: readonly Extract<ModelStep, { kind: 'merge' }>[]): HTMLElement {
  const block = h('div', { class: 'rp-block rp-bpe' });
  const initial = symbols ?? null;
  block.append(h('p', {}, stepIcon('symbol-string'),
    initial ? `BPE starts from ${initial.length} symbol${initial.length === 1 ? '' : 's'} and merges the adjacent pair with the lowest rank (the earliest learned merge) until no pair can merge: ` : 'BPE merges the adjacent pair with the lowest rank until no pair can merge: ',
    merges.length ? `${merges.length} merge${merges.length === 1 ? '' : 's'}.` : 'no merge applies.'));
  const befores: (readonly string[] | null)[] = [];
  let prev: readonly string[] | null = initial;
  for (const m of merges) {
    befores.push(prev);
    prev = m.parts;
  }
  const rowCount = merges.length + (initial ? 1 : 0);
  // One width for the pair column of every row (rows of a virtual list are laid out separately).
  const pairCh = Math.min(32, Math.max(8, ...merges.map(m => m.left.length + m.right.length + 3)));
  const row = (i: number): HTMLElement => {
    if (initial && i === 0) return h('div', { class: 'rp-vrow', role: 'listitem', 'aria-label': `start: ${initial.join(' ')}` }, h('span', { class: 'rp-rank' }, 'start'), pairCell(pairCh), symbolRow(initial, new Set()));
    const k = i - (initial ? 1 : 0);
    const m = merges[k]!;
    const hot = mergedIndices(befores[k]!, m.parts, m.left, m.right, m.merged);
    return h('div', { class: 'rp-vrow', role: 'listitem', 'aria-label': `merge ${k + 1}, rank ${m.rank}: ${m.left} + ${m.right} \u2192 ${m.merged}; now ${m.parts.join(' ')}` },
      h('span', { class: 'rp-rank', title: `merge ${k + 1} of ${merges.length}: rank ${m.rank} in the merges list` }, `rank ${m.rank}`),
      pairCell(pairCh, visibleWhitespace(m.left), h('span', { class: 'dim' }, ' + '), visibleWhitespace(m.right)),
      symbolRow(m.parts, hot));
  };
  block.append(rowList(rowCount, row, `${merges.length} merges of ${visibleWhitespace(piece.text)}`, merges.length > PLAIN_ROWS ? `${merges.length} merges` : null));
  return block;
}

/** WordPiece: greedy longest match from each position; one row per start with the failed tries. */
function wordPieceBlock(piece: Piece, attempts: readonly Extract<ModelStep, { kind: 'wordpiece' }>[]): HTMLElement {
  const block = h('div', { class: 'rp-block rp-wordpiece' });
  const byStart: { start: number; tries: Extract<ModelStep, { kind: 'wordpiece' }>[] }[] = [];
  for (const a of attempts) {
    const last = byStart[byStart.length - 1];
    if (last && last.start === a.start) last.tries.push(a);
    else byStart.push({ start: a.start, tries: [a] });
  }
  block.append(h('p', {}, stepIcon('symbol-string'), `WordPiece takes the longest vocabulary entry that starts at each position (continuations spelled ##\u2026): ${attempts.length} tr${attempts.length === 1 ? 'y' : 'ies'}, ${attempts.filter(a => a.found).length} found.`));
  const SHOWN_FAILS = 6;
  const row = (i: number): HTMLElement => {
    const g = byStart[i]!;
    const fails = g.tries.filter(t => !t.found);
    const hit = g.tries.find(t => t.found);
    const shown = fails.length > SHOWN_FAILS ? [...fails.slice(0, 3), null, ...fails.slice(-2)] : fails;
    return h('div', { class: 'rp-vrow', role: 'listitem', 'aria-label': `at character ${g.start}: ${fails.length} not found${hit ? `, then ${hit.candidate} found, id ${hit.id}` : ', nothing found'}` },
      h('span', { class: 'rp-rank' }, `at ${g.start}`),
      ...shown.map(t => (t ? h('span', { class: 'rp-try miss', title: 'not in the vocabulary' }, h('span', { class: 'rp-mark', 'aria-hidden': 'true' }, '\u2717'), visibleWhitespace(t.candidate)) : h('span', { class: 'dim' }, `\u2026 ${fails.length - 5} more \u2026`))),
      hit
        ? h('span', { class: 'rp-try hit', title: `in the vocabulary: id ${hit.id}` }, h('span', { class: 'rp-mark', 'aria-hidden': 'true' }, '\u2713'), visibleWhitespace(hit.candidate), h('span', { class: 'rp-tok-id' }, ` ${hit.id ?? ''}`))
        : h('span', { class: 'rp-none' }, 'no entry matches here'));
  };
  block.append(rowList(byStart.length, row, `WordPiece attempts on ${visibleWhitespace(piece.text)}`, byStart.length > PLAIN_ROWS ? `${byStart.length} positions` : null));
  return block;
}

/** Unigram: the best path's pieces with their scores and the total. */
function unigramBlock(s: Extract<ModelStep, { kind: 'unigram' }>): HTMLElement {
  const block = h('div', { class: 'rp-block rp-unigram' });
  block.append(h('p', {}, stepIcon('symbol-string'), `Unigram picks the segmentation with the highest total log-probability (Viterbi over every way to split the piece): ${s.pieces.length} piece${s.pieces.length === 1 ? '' : 's'}.`));
  const path = h('div', { class: 'rp-path', role: 'list', 'aria-label': `best path, total score ${s.score}` });
  s.pieces.forEach((p, k) => {
    if (k) path.append(h('span', { class: 'rp-plus', 'aria-hidden': 'true' }, '+'));
    path.append(h('span', { class: 'rp-uni', role: 'listitem', 'aria-label': `${p.piece}, id ${p.id}, score ${p.score}` },
      h('span', { class: 'rp-sym merged' }, visibleWhitespace(p.piece)),
      h('span', { class: 'rp-score' }, signed(p.score)),
      h('span', { class: 'rp-tok-id' }, `id ${p.id}`)));
  });
  path.append(h('span', { class: 'rp-plus', 'aria-hidden': 'true' }, '='), h('span', { class: 'rp-total' }, signed(s.score), h('span', { class: 'dim' }, ' total')));
  block.append(path);
  return block;
}

function signed(x: number): string {
  return Number(x.toFixed(4)).toString().replace('-', '\u2212');
}

/**
 * Rows as a plain list, or — past PLAIN_ROWS — a virtualised scroller (only visible rows exist)
 * inside a collapsible <details>, so hundreds of merges stay cheap.
 */
function rowList(count: number, row: (i: number) => HTMLElement, label: string, summary: string | null): HTMLElement {
  if (count <= PLAIN_ROWS) {
    const list = h('div', { class: 'rp-rows', role: 'list', 'aria-label': label });
    for (let i = 0; i < count; i++) list.append(striped(row(i), i));
    return list;
  }
  const details = h('details', { class: 'rp-details', open: true });
  details.append(h('summary', {}, `${summary} \u2014 scroll, or use the arrow keys inside the list`));
  details.append(new VirtualRows(count, row, label).element);
  return details;
}

function striped(el: HTMLElement, i: number): HTMLElement {
  if (i % 2) el.classList.add('odd');
  return el;
}

/** A fixed-row-height virtual list: a tall spacer and the rows that are in view. */
class VirtualRows {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private first = -1;
  private last = -1;
  private frame = 0;

  constructor(private readonly count: number, private readonly row: (i: number) => HTMLElement, label: string) {
    this.spacer = h('div', { class: 'rp-vspacer' });
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    this.element = h('div', { class: 'rp-vlist', tabindex: 0, role: 'list', 'aria-label': `${label} (${count} rows)` }, this.spacer);
    this.element.style.height = `${Math.min(count, VISIBLE_ROWS) * ROW_HEIGHT + 2}px`;
    this.element.addEventListener('scroll', () => this.schedule());
    this.element.addEventListener('keydown', e => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.element);
    this.paint();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const top = this.element.scrollTop;
    const height = this.element.clientHeight || VISIBLE_ROWS * ROW_HEIGHT;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 4);
    const last = Math.min(this.count - 1, Math.ceil((top + height) / ROW_HEIGHT) + 4);
    if (first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    clear(this.spacer);
    for (let i = first; i <= last; i++) {
      const el = striped(this.row(i), i);
      el.style.top = `${i * ROW_HEIGHT}px`;
      el.setAttribute('aria-posinset', String(i + 1));
      el.setAttribute('aria-setsize', String(this.count));
      this.spacer.append(el);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const el = this.element;
    const page = el.clientHeight - ROW_HEIGHT;
    const to =
      e.key === 'ArrowDown' ? el.scrollTop + ROW_HEIGHT
      : e.key === 'ArrowUp' ? el.scrollTop - ROW_HEIGHT
      : e.key === 'PageDown' ? el.scrollTop + page
      : e.key === 'PageUp' ? el.scrollTop - page
      : e.key === 'Home' ? 0
      : e.key === 'End' ? el.scrollHeight
      : null;
    if (to === null) return;
    e.preventDefault();
    el.scrollTop = to;
  }
}
