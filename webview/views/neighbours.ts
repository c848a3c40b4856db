// The selected token's nearest rows of the embedding table by cosine, over the whole vocabulary
// (computed in the worker). A neighbour can be explored in turn (Enter), with a trail back.
// A search box finds any word of the vocabulary (the Embedding Projector's "search"): an exact
// entry shows its neighbours at once; a word that is not one entry is said to be so, with its
// tokens and the entries that start with it to pick from.
import type { PanelState } from '../../src/shared/panelProtocol';
import type { FindTokenReply, VectorsReply, VocabEntry } from '../../src/shared/workerProtocol';
import { clear, h, renderStatus } from '../dom';
import { short } from '../format';
import { isSuperseded, RequestLane } from '../requests';
import { displayToken, visibleWhitespace, type Result } from '../result';
import type { Selection } from '../selection';
import { saveState, vscode } from '../vscodeApi';

/** The choices of k. */
export const NEIGHBOUR_KS = [5, 10, 25, 50] as const;

/** UI state this view keeps beside PanelState's own fields. */
interface NeighboursState {
  readonly neighboursK?: number;
}

/** One id whose neighbours are shown: the selected token, or a neighbour being explored. */
interface Subject {
  readonly id: number;
  /** How it is shown: the token's source text for the selected token, else its spelling. */
  readonly label: string;
  /** The vocabulary's spelling. */
  readonly spelling: string;
  /** The selected token's index (for the trail), or -1. */
  readonly token: number;
  /** Found with the search box (else explored from the list). */
  readonly searched?: boolean;
}

/** How many entries that start with the word the search lists. */
const SEARCH_LIMIT = 40;
/** Typing pauses this long before the search runs (Enter runs it at once). */
const SEARCH_DELAY_MS = 250;

type Select = HTMLElement & { value: string };

const CACHE_SIZE = 64;

/** The neighbours tab. */
export class NeighboursView {
  readonly element = h('section', { class: 'neighbours-view', 'aria-label': 'Nearest neighbours' });
  private readonly kSelect: Select;
  private readonly prev = h('vscode-button', { secondary: true, icon: 'chevron-left', title: 'Previous token', 'aria-label': 'Previous token' });
  private readonly next = h('vscode-button', { secondary: true, icon: 'chevron-right', title: 'Next token', 'aria-label': 'Next token' });
  private readonly back = h('vscode-button', { secondary: true, icon: 'arrow-left', title: 'Back (Backspace)', 'aria-label': 'Back to the previous word' });
  private readonly trail = h('nav', { class: 'nb-trail', 'aria-label': 'Explored words' });
  private readonly head = h('div', { class: 'nb-head' });
  private readonly status = h('div', { class: 'nb-status', role: 'status', 'aria-live': 'polite' });
  private readonly list = h('ol', { class: 'nb-list', role: 'listbox', 'aria-label': 'Nearest neighbours' });
  private readonly lane = new RequestLane<'lookup'>();
  private readonly searchField = h('vscode-textfield', { id: 'nb-search', type: 'search', placeholder: 'Find a word', 'aria-label': 'Find a word in the vocabulary', title: 'Any word of the vocabulary: Enter shows its nearest neighbours; Escape clears' }) as HTMLElement & { value: string };
  /** What the search found: the entry, or why the word is not one, and what to pick instead. */
  private readonly found = h('div', { class: 'nb-found', role: 'status', 'aria-live': 'polite' });
  private readonly searchLane = new RequestLane<'search'>();
  private searchTimer = 0;
  private searched = '';
  /** Asks which neighbours are random rows (k = 0: rows only, no search). */
  private readonly randomLane = new RequestLane<'lookup'>();
  /** Whether an id's row is random (seed model's unlisted words), by id, for the current model. */
  private readonly randomById = new Map<number, boolean>();
  private readonly cache = new Map<string, VectorsReply>();
  private result: Result | undefined;
  private k: number;
  /** The selected token first, then the neighbours explored from it. */
  private path: Subject[] = [];
  private rows: HTMLElement[] = [];
  private shown: VectorsReply['neighbours'][number] = [];
  private active = 0;
  private selectedSeen = -2;
  private wantFocus = false;
  private stale = true;
  private timer = 0;
  /** Milliseconds the last list render took. */
  lastRenderMs = 0;

  constructor(private readonly selection: Selection) {
    const saved = (vscode.getState() as (PanelState & NeighboursState) | undefined)?.neighboursK;
    this.k = NEIGHBOUR_KS.includes(saved as 5) ? saved! : 10;
    this.kSelect = h('vscode-single-select', { id: 'nb-k', 'aria-label': 'Number of neighbours', title: 'How many neighbours' }, ...NEIGHBOUR_KS.map(k => h('vscode-option', { value: String(k), selected: k === this.k }, `top ${k}`))) as Select;
    this.kSelect.addEventListener('change', () => {
      const k = Number(this.kSelect.value);
      if (!NEIGHBOUR_KS.includes(k as 5) || k === this.k) return;
      this.k = k;
      const patch: Partial<PanelState> & NeighboursState = { neighboursK: k };
      saveState(patch);
      this.refresh();
    });
    this.prev.addEventListener('click', () => this.step(-1));
    this.next.addEventListener('click', () => this.step(1));
    this.back.addEventListener('click', () => this.goBack());
    this.list.addEventListener('keydown', e => this.onKey(e));
    this.searchField.append(h('span', { slot: 'content-before', class: 'codicon codicon-search', 'aria-hidden': 'true' }));
    this.searchField.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => this.search(), SEARCH_DELAY_MS);
    });
    this.searchField.addEventListener('keydown', e => {
      const k = (e as KeyboardEvent).key;
      if (k === 'Enter') {
        e.preventDefault();
        clearTimeout(this.searchTimer);
        this.search(true);
      } else if (k === 'Escape' && this.searchField.value) {
        e.preventDefault();
        e.stopPropagation();
        this.searchField.value = '';
        this.search();
      }
    });
    this.element.append(
      h('div', { class: 'nb-bar', role: 'toolbar', 'aria-label': 'Neighbours options' }, this.prev, this.next, this.back, this.trail, h('span', { class: 'nb-spacer' }), h('label', { class: 'opt' }, h('span', {}, 'neighbours'), this.kSelect)),
      h('div', { class: 'nb-search', role: 'search' }, this.searchField, this.found),
      this.head,
      this.status,
      this.list,
    );
    selection.onChange(() => {
      if (this.selection.selected === this.selectedSeen) return; // a hover only
      this.resetPath();
      this.schedule();
    });
    // The tab became visible (or resized): fetch what changed while it was hidden.
    new ResizeObserver(() => {
      if (this.stale && this.visible()) this.refresh();
    }).observe(this.element);
  }

  show(r: Result): void {
    const model = this.result?.reply.model.id;
    this.result = r;
    this.cache.clear();
    this.randomById.clear();
    // Another model has another vocabulary: what the search found no longer holds.
    if (model !== undefined && model !== r.reply.model.id) {
      this.searchLane.cancel();
      this.searched = '';
      clear(this.found);
      if (this.searchField.value) this.search();
    }
    this.resetPath();
    this.schedule(0);
  }

  private resetPath(): void {
    const r = this.result;
    const i = this.selection.selected;
    this.selectedSeen = i;
    this.path = r && i >= 0 && i < r.n ? [{ id: r.ids[i]!, label: displayToken(r, i), spelling: r.texts[i]!, token: i }] : [];
    this.stale = true;
  }

  private visible(): boolean {
    return this.element.isConnected && this.element.getClientRects().length > 0;
  }

  /** Arrow keys in the tokens view move the selection quickly: ask once it rests. */
  private schedule(delay = 120): void {
    this.stale = true;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      if (this.visible()) this.refresh();
      else this.renderHead(); // keep the heading current; the lookup waits until the tab shows
    }, delay);
  }

  private refresh(): void {
    this.stale = false;
    const r = this.result;
    this.renderHead();
    this.renderTrail();
    const subject = this.path[this.path.length - 1];
    if (!r || !subject) {
      this.lane.cancel();
      this.setStatus('', '');
      clear(this.list);
      this.rows = [];
      return;
    }
    const key = `${r.reply.model.id}\u0000${subject.id}\u0000${this.k}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.setStatus('', '');
      this.renderList(cached, subject);
      this.askRandom(cached);
      return;
    }
    this.setStatus('busy', `Finding the ${this.k} nearest of ${r.reply.model.embedding.rows.toLocaleString('en-US')} rows\u2026`);
    this.list.setAttribute('aria-busy', 'true');
    this.lane.send({ type: 'lookup', ids: [subject.id], k: this.k }).then(
      m => {
        this.list.removeAttribute('aria-busy');
        if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, m.vectors);
        this.setStatus('', '');
        this.renderList(m.vectors, subject);
        this.askRandom(m.vectors);
      },
      (e: unknown) => {
        if (isSuperseded(e)) return;
        this.list.removeAttribute('aria-busy');
        clear(this.list);
        this.rows = [];
        this.setStatus('error', e instanceof Error ? e.message : String(e), true);
      },
    );
  }

  private renderHead(): void {
    const r = this.result;
    clear(this.head);
    const i = this.selection.selected;
    (this.prev as HTMLElement & { disabled: boolean }).disabled = !r || r.n === 0 || i <= 0;
    (this.next as HTMLElement & { disabled: boolean }).disabled = !r || r.n === 0 || i >= r.n - 1;
    (this.back as HTMLElement & { disabled: boolean }).disabled = this.path.length < 2;
    this.back.hidden = this.path.length < 2;
    const subject = this.path[this.path.length - 1];
    if (!r) return;
    if (!subject) {
      this.head.append(h('p', { class: 'nb-prompt' }, h('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), ' Select a token (click it in the Tokens tab, a row of a matrix, or use the arrows above) to see the rows of the embedding table nearest to it.'));
      return;
    }
    this.head.append(
      h('h3', {},
        h('span', { class: 'nb-word' }, subject.label),
        h('span', { class: 'dim' }, ` id ${subject.id}`),
        subject.token >= 0 && subject.label !== visibleWhitespace(subject.spelling) ? h('span', { class: 'dim' }, ` \u00b7 vocabulary ${visibleWhitespace(subject.spelling)}`) : null,
        subject.token >= 0 ? h('span', { class: 'dim' }, ` \u00b7 token ${subject.token} of ${r.n}`) : h('span', { class: 'dim' }, subject.searched ? ' \u00b7 found by search' : ' \u00b7 explored from the list'),
      ),
      h('p', { class: 'dim nb-what' }, `Cosine similarity of this row to every row of the embedding table (${r.reply.model.embedding.rows.toLocaleString('en-US')} rows \u00d7 ${r.reply.model.embedding.dim}), itself excluded. Enter on a neighbour explores it; Backspace goes back.`),
    );
  }

  private renderTrail(): void {
    clear(this.trail);
    if (this.path.length < 2) return;
    this.path.forEach((s, n) => {
      if (n > 0) this.trail.append(h('span', { class: 'codicon codicon-chevron-right', 'aria-hidden': 'true' }));
      const last = n === this.path.length - 1;
      const b = h('button', { class: 'nb-crumb', type: 'button', 'aria-current': last ? 'step' : undefined, disabled: last, title: `id ${s.id}` }, s.label);
      b.addEventListener('click', () => {
        this.path = this.path.slice(0, n + 1);
        this.refresh();
      });
      this.trail.append(b);
    });
  }

  private renderList(v: VectorsReply, subject: Subject): void {
    const t0 = performance.now();
    const r = this.result!;
    const norm = v.norms[0] ?? 0;
    const random = v.random[0] ?? false;
    const facts = h('div', { class: 'nb-facts' },
      h('span', {}, `\u2016row\u2016 = ${short(norm)}`),
      h('span', { class: 'dim' }, ` \u00b7 E = ${v.dim}`),
      random
        ? h('span', { class: 'badge random', title: 'This word is not in the seed model\u2019s list: its id and row are seeded random, so its neighbours carry no meaning.' }, 'random row (seeded)')
        : h('span', { class: 'badge real' }, 'real row'),
      random ? h('span', { class: 'dim' }, ' its vector was drawn at random (seeded), so its neighbours carry no meaning.') : null,
    );
    const old = this.head.querySelector('.nb-facts');
    if (old) old.replaceWith(facts);
    else this.head.append(facts);
    clear(this.list);
    const neighbours = v.neighbours[0] ?? [];
    this.shown = neighbours;
    this.list.setAttribute('aria-label', `The ${neighbours.length} nearest neighbours of ${subject.label} by cosine`);
    this.rows = neighbours.map((n, rank) => {
      const a = Math.min(1, Math.abs(n.cosine));
      const fill = h('span', { class: `nb-fill ${n.cosine < 0 ? 'neg' : 'pos'}` });
      fill.style.width = `${(a * 100).toFixed(1)}%`;
      const inText = indexOfId(r, n.id);
      const random = this.randomById.get(n.id) === true;
      const row = h('li', { class: 'nb-row', role: 'option', tabindex: -1, 'aria-selected': 'false', 'data-id': n.id, 'aria-label': `${rank + 1}. ${n.text}, id ${n.id}, cosine ${n.cosine.toFixed(4)}${inText >= 0 ? ', also in this text' : ''}${random ? ', random row' : ''}`, title: `${JSON.stringify(n.text)} id ${n.id} \u00b7 cosine ${n.cosine}` },
        h('span', { class: 'nb-rank' }, String(rank + 1)),
        h('span', { class: 'nb-token' }, visibleWhitespace(n.text),
          inText >= 0 ? h('span', { class: 'nb-in-text', title: `token ${inText} of this text` }, 'in text') : null,
          random ? h('span', { class: 'nb-random', title: 'A random row (seeded): a word the model does not list' }, 'random') : null),
        h('span', { class: 'nb-id' }, String(n.id)),
        h('span', { class: 'nb-bar-track', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'nb-cos' }, n.cosine.toFixed(4)),
      );
      row.addEventListener('click', () => this.activate(rank));
      row.addEventListener('dblclick', () => this.explore(rank));
      return row;
    });
    if (!this.rows.length) this.list.append(h('li', { class: 'dim' }, 'No other rows.'));
    this.list.append(...this.rows);
    this.active = 0;
    this.markActive(this.wantFocus);
    this.wantFocus = false;
    this.lastRenderMs = performance.now() - t0;
    this.list.dataset.renderMs = this.lastRenderMs.toFixed(2);
  }

  /** Finds out which neighbours are random rows, then re-renders (only asks for ids not known yet). */
  private askRandom(v: VectorsReply): void {
    const ids = (v.neighbours[0] ?? []).map(n => n.id).filter(id => !this.randomById.has(id));
    const subject = this.path[this.path.length - 1];
    if (!ids.length || !subject) return;
    this.randomLane.send({ type: 'lookup', ids, k: 0 }).then(
      m => {
        m.ids.forEach((id, i) => this.randomById.set(id, m.vectors.random[i] ?? false));
        // Re-render only when it changes something and the list still shows this reply.
        if (this.path[this.path.length - 1] === subject && ids.some(id => this.randomById.get(id))) {
          const active = this.active;
          const focused = this.list.contains(document.activeElement);
          this.renderList(v, subject);
          this.active = Math.min(active, this.rows.length - 1);
          this.markActive(focused);
        }
      },
      () => undefined, // the labels are extra: a failure leaves the list as it is
    );
  }

  private markActive(focus: boolean): void {
    this.rows.forEach((row, n) => {
      row.tabIndex = n === this.active ? 0 : -1;
      row.setAttribute('aria-selected', String(n === this.active));
      row.classList.toggle('active', n === this.active);
    });
    if (focus) this.rows[this.active]?.focus();
  }

  private activate(n: number): void {
    this.active = n;
    this.markActive(true);
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.rows.length;
    if (!n) return;
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(n - 1, this.active + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, this.active - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else if (e.key === 'PageDown') next = Math.min(n - 1, this.active + 10);
    else if (e.key === 'PageUp') next = Math.max(0, this.active - 10);
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.explore(this.active);
      return;
    } else if (e.key === 'Backspace' || (e.key === 'ArrowLeft' && e.altKey)) {
      e.preventDefault();
      this.goBack();
      return;
    } else return;
    e.preventDefault();
    this.activate(next);
  }

  /** Shows the neighbours of a neighbour. */
  private explore(rank: number): void {
    const n = this.shown[rank];
    if (!n) return;
    this.path = [...this.path, { id: n.id, label: visibleWhitespace(n.text), spelling: n.text, token: -1 }];
    this.focusAfter();
  }

  /** Looks the box's word up in the vocabulary (`now`: Enter, so the same word again still answers). */
  private search(now = false): void {
    const query = this.searchField.value;
    if (!query) {
      this.searchLane.cancel();
      this.searched = '';
      clear(this.found);
      // Back to the selected token's neighbours.
      if (this.path[0]?.searched) {
        this.resetPath();
        this.refresh();
      }
      return;
    }
    if (!this.result || (query === this.searched && !now)) return;
    this.searched = query;
    renderStatus(this.found, 'nb-found', 'busy', `Looking for \u201c${query}\u201d in ${this.result.reply.model.tokenizer.vocabSize.toLocaleString('en-US')} entries\u2026`);
    this.searchLane.send({ type: 'search', query, limit: SEARCH_LIMIT }).then(
      m => this.showFound(m.found, now),
      (e: unknown) => {
        if (isSuperseded(e)) return;
        this.searched = '';
        renderStatus(this.found, 'nb-found', 'error', e instanceof Error ? e.message : String(e), () => this.search(true));
      },
    );
  }

  /**
   * The answer to a search. An exact entry (or a word the tokenizer reads as one token, e.g.
   * after lower-casing) shows its neighbours at once; otherwise the word is said not to be one
   * entry, and its tokens and the entries starting with it are offered to pick from.
   */
  private showFound(f: FindTokenReply, focus: boolean): void {
    clear(this.found);
    this.found.className = 'nb-found';
    const word = h('span', { class: 'nb-word' }, visibleWhitespace(f.query));
    const pick = (e: VocabEntry, cls = ''): HTMLElement => {
      const b = h('button', { class: `nb-pick ${cls}`, type: 'button', 'data-id': e.id, title: `id ${e.id}: show its nearest neighbours`, 'aria-label': `${e.text}, id ${e.id}` }, visibleWhitespace(e.text), h('span', { class: 'nb-pick-id' }, String(e.id)));
      b.addEventListener('click', () => this.showEntry(e, true));
      return b;
    };
    const line = (label: string, entries: readonly VocabEntry[]): HTMLElement | null =>
      entries.length ? h('div', { class: 'nb-found-line' }, h('span', { class: 'dim' }, label), ...entries.map(e => pick(e))) : null;
    const vocab = `${f.vocabSize.toLocaleString('en-US')}-entry vocabulary`;
    const one = f.exact ?? f.reads;
    if (f.exact) {
      this.found.append(h('p', { class: 'nb-found-what' }, h('span', { class: 'codicon codicon-pass', 'aria-hidden': 'true' }), word, ` is entry ${f.exact.id} of the ${vocab}.`));
    } else if (one) {
      this.found.append(h('p', { class: 'nb-found-what' }, h('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), word, ' is not spelled so in the vocabulary; the tokenizer reads it as one token, ', pick(one, 'nb-pick-current'), '.'));
    } else {
      this.found.append(h('p', { class: 'nb-found-what nb-not-entry' }, h('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }), word, ` is not one entry of the ${vocab}. Pick one below.`));
      this.found.append(line(`tokens (${f.tokens.length}):`, f.tokens) ?? h('span', {}));
    }
    const spaced = f.spaced.length && (f.spaced.length !== 1 || f.spaced[0]!.id !== one?.id) ? line('after a space:', f.spaced) : null;
    if (spaced) this.found.append(spaced);
    const others = f.prefixed.filter(e => e.id !== one?.id);
    if (others.length) {
      // The entry shown above is not counted again.
      const total = f.prefixedTotal - (others.length < f.prefixed.length ? 1 : 0);
      const more = total - others.length;
      const label = `${total.toLocaleString('en-US')} ${one ? 'other ' : ''}${total === 1 ? 'entry starts' : 'entries start'} with it:`;
      this.found.append(h('div', { class: 'nb-found-line nb-prefixed' }, h('span', { class: 'dim' }, label), ...others.map(e => pick(e)), more > 0 ? h('span', { class: 'dim' }, ` \u2026 and ${more.toLocaleString('en-US')} more`) : null));
    } else if (!one) {
      this.found.append(h('div', { class: 'nb-found-line dim' }, 'No entry starts with it.'));
    }
    if (one) this.showEntry(one, focus);
  }

  /** Shows the neighbours of a vocabulary entry found by search (a fresh trail). */
  private showEntry(e: VocabEntry, focus: boolean): void {
    for (const b of Array.from(this.found.querySelectorAll<HTMLElement>('.nb-pick'))) b.classList.toggle('nb-pick-current', Number(b.dataset.id) === e.id);
    this.path = [{ id: e.id, label: visibleWhitespace(e.text), spelling: e.text, token: -1, searched: true }];
    this.wantFocus = focus;
    this.refresh();
  }

  /** Keeps the keyboard in the list after it is rebuilt (now from the cache, or when the reply comes). */
  private focusAfter(): void {
    this.wantFocus = true;
    this.refresh();
  }

  private goBack(): void {
    if (this.path.length < 2) return;
    this.path = this.path.slice(0, -1);
    this.focusAfter();
  }

  private step(d: number): void {
    const r = this.result;
    if (!r || r.n === 0) return;
    const i = Math.max(0, Math.min(r.n - 1, (this.selection.selected < 0 ? (d > 0 ? -1 : r.n) : this.selection.selected) + d));
    this.selection.select(i);
  }

  private setStatus(kind: '' | 'busy' | 'error', text: string, retry = false): void {
    renderStatus(this.status, 'nb-status', kind, text, retry ? () => this.refresh() : undefined);
  }
}

/** The first token of the text with this id, or -1. */
function indexOfId(r: Result, id: number): number {
  for (let i = 0; i < r.n; i++) if (r.ids[i] === id) return i;
  return -1;
}
