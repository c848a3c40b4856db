// The Compare tab: the text on show through two models or tokenizers (A and B), aligned by span
// (src/core/align.ts, run by the host). One box per group: the source text, A's tokens and ids,
// B's tokens and ids; a group the two sides cut differently is marked. For two models whose
// embeddings have the same width, each aligned pair spelled the same in both vocabularies shows
// the cosine of its two rows.
import { readGroups, type GroupView } from '../../src/shared/compareReply';
import { COMPARE_TOKENIZER_PREFIX, COMPARE_TOKENIZERS, type CompareReply, type CompareSideWire, type PanelSettings, type ToPanel } from '../../src/shared/panelProtocol';
import { FIRST_VIEW_REQUEST_ID } from '../requests';
import { afterPaint, clear, h, renderStatus } from '../dom';
import { visibleWhitespace } from '../result';
import { saveState, vscode } from '../vscodeApi';

type Select = HTMLElement & { value: string };

/** Most groups drawn as boxes; the rest are counted (the ids lines still list every id). */
export const MAX_DRAWN_GROUPS = 3000;
/** How long to wait for the host's answer. */
const TIMEOUT_MS = 120_000;
/** This view's request ids: above the views' own range in requests.ts, so neither takes the other's replies. */
let nextId = FIRST_VIEW_REQUEST_ID + (1 << 29);

/** The rule under the rows, stated once. */
const RULE = 'Groups: stretches of the text where both sides have a token boundary at each end; \u2260 marks a group the two sides cut differently. '
  + 'Cosine (two models with embeddings of the same width only): for each pair of tokens in a group both sides cut alike that both vocabularies spell the same, '
  + 'the cosine of the two models\u2019 rows, compared as stored \u2014 meaningful only when the models share an embedding space.';

interface SideView {
  readonly wire: CompareSideWire;
  readonly ids: Int32Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly special: Uint8Array;
}

function sideView(w: CompareSideWire): SideView {
  return { wire: w, ids: new Int32Array(w.tokens.ids), starts: new Int32Array(w.tokens.starts), ends: new Int32Array(w.tokens.ends), special: new Uint8Array(w.tokens.special) };
}

/** The Compare tab. */
export class CompareView {
  readonly element = h('section', { class: 'compare-view', 'aria-label': 'Compare tokenizers' });
  private readonly a: Select;
  private readonly b: Select;
  private readonly status = h('div', { class: 'cmp-status', role: 'status', 'aria-live': 'polite' });
  private readonly out = h('div', { class: 'cmp-out' });
  private settings: PanelSettings | undefined;
  private pending = -1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether a comparison was asked for in this panel (then a new text is compared again). */
  private active = false;
  private hasText = false;

  constructor() {
    this.a = h('vscode-single-select', { id: 'cmp-a', 'aria-label': 'Side A: model or tokenizer' }) as Select;
    this.b = h('vscode-single-select', { id: 'cmp-b', 'aria-label': 'Side B: model or tokenizer' }) as Select;
    const run = h('vscode-button', { id: 'cmp-run' }, 'Compare');
    run.addEventListener('click', () => this.request());
    for (const s of [this.a, this.b]) s.addEventListener('change', () => this.request());
    this.element.append(
      h('div', { class: 'cmp-controls', role: 'group', 'aria-label': 'Sides to compare' },
        h('label', { class: 'opt' }, h('span', {}, 'A'), this.a),
        h('label', { class: 'opt' }, h('span', {}, 'B'), this.b),
        run,
      ),
      this.status,
      this.out,
    );
    this.active = vscode.getState()?.compare !== undefined;
    window.addEventListener('message', e => this.onMessage(e.data as ToPanel));
  }

  /** A new result is on show: compare its text again if a comparison was shown. */
  show(): void {
    this.hasText = true;
    if (this.active) this.request();
  }

  private onMessage(m: ToPanel | undefined): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'didChangeSettings') this.setChoices(m.settings);
    else if (m.type === 'didCompare') {
      // The host's own comparisons (the command) have ids below the views' range and always count.
      if (m.requestId !== this.pending && m.requestId >= FIRST_VIEW_REQUEST_ID) return;
      this.finish();
      this.active = true;
      this.draw(m.compare, m.requestId);
      if (m.reveal) this.reveal();
    } else if (m.type === 'didFail' && m.requestId === this.pending) {
      this.finish();
      if (m.reason !== 'cancelled') renderStatus(this.status, 'cmp-status', 'error', m.message, () => this.request());
    }
  }

  /** The models the options bar offers, then the named tokenizers. */
  private setChoices(s: PanelSettings): void {
    this.settings = s;
    const saved = vscode.getState()?.compare;
    const values: string[] = [];
    for (const sel of [this.a, this.b]) {
      clear(sel);
      for (const m of s.models) {
        sel.append(h('vscode-option', { value: m.value, description: m.value === s.model ? 'the panel\u2019s model' : m.value }, m.label));
        values.push(m.value);
      }
      for (const n of COMPARE_TOKENIZERS) {
        sel.append(h('vscode-option', { value: COMPARE_TOKENIZER_PREFIX + n, description: 'tokenizer only' }, n));
        values.push(COMPARE_TOKENIZER_PREFIX + n);
      }
    }
    const a = saved && values.includes(saved.a) ? saved.a : s.model;
    const fallback = a === COMPARE_TOKENIZER_PREFIX + 'o200k_base' ? COMPARE_TOKENIZER_PREFIX + 'gpt2' : COMPARE_TOKENIZER_PREFIX + 'o200k_base';
    const b = saved && values.includes(saved.b) ? saved.b : fallback;
    selectValue(this.a, a);
    selectValue(this.b, b);
  }

  private request(): void {
    if (!this.settings) return;
    if (!this.hasText) {
      renderStatus(this.status, 'cmp-status', '', 'Inspect or type some text first; the comparison runs on the text on show.');
      return;
    }
    const a = this.a.value;
    const b = this.b.value;
    if (!a || !b) return;
    this.active = true;
    saveState({ compare: { a, b } });
    this.finish();
    const id = nextId++;
    this.pending = id;
    renderStatus(this.status, 'cmp-status', 'busy', `Comparing ${labelOf(a)} and ${labelOf(b)}\u2026`);
    this.timer = setTimeout(() => {
      if (this.pending !== id) return;
      this.pending = -1;
      renderStatus(this.status, 'cmp-status', 'error', `No answer to the comparison after ${TIMEOUT_MS / 1000} s: see the "Embedding Lens" output channel.`, () => this.request());
    }, TIMEOUT_MS);
    vscode.postMessage({ type: 'compare', requestId: id, a, b });
  }

  private finish(): void {
    this.pending = -1;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Shows this tab (the command opened the panel for it). */
  private reveal(): void {
    const tabs = this.element.closest('vscode-tabs') as (HTMLElement & { selectedIndex: number }) | null;
    const panel = this.element.closest('vscode-tab-panel');
    if (!tabs || !panel) return;
    const panels = [...tabs.querySelectorAll(':scope > vscode-tab-panel')];
    const i = panels.indexOf(panel);
    if (i >= 0) tabs.selectedIndex = i;
    saveState({ tab: panel.getAttribute('data-panel') ?? 'compare' });
  }

  private draw(c: CompareReply, requestId: number): void {
    renderStatus(this.status, 'cmp-status', '', '');
    clear(this.out);
    const [A, B] = [sideView(c.sides[0]), sideView(c.sides[1])];
    // The selects follow what is shown (the command may have chosen other sides).
    for (const [sel, side] of [[this.a, A], [this.b, B]] as const) {
      if (![...sel.querySelectorAll('vscode-option')].some(o => o.getAttribute('value') === side.wire.choice)) sel.append(h('vscode-option', { value: side.wire.choice }, side.wire.label));
      selectValue(sel, side.wire.choice);
    }
    saveState({ compare: { a: A.wire.choice, b: B.wire.choice } });
    const groups = readGroups(c.groups);
    const differ = groups.reduce((n, g) => n + (g.same ? 0 : 1), 0);
    const cosine = c.cosine ? new Float32Array(c.cosine) : null;
    const side = (name: string, s: SideView): HTMLElement =>
      h('div', { class: `cmp-count cmp-${name.toLowerCase()}` },
        h('span', { class: 'cmp-side-name' }, name), ' ',
        h('strong', {}, s.wire.label), ` \u2014 ${s.wire.tokenizer}: `,
        h('span', { class: 'cmp-n', 'data-side': name.toLowerCase() }, `${s.ids.length.toLocaleString('en-US')} tokens`),
      );
    this.out.append(
      h('div', { class: 'cmp-summary' },
        side('A', A),
        side('B', B),
        h('div', { class: 'cmp-groups-count' }, `${groups.length.toLocaleString('en-US')} groups; ${differ.toLocaleString('en-US')} cut differently`),
      ),
    );
    const list = h('div', { class: 'cmp-groups', role: 'list', 'aria-label': `${groups.length} aligned groups` });
    const drawn = Math.min(groups.length, MAX_DRAWN_GROUPS);
    for (let g = 0; g < drawn; g++) list.append(this.group(c.text, groups[g]!, A, B, cosine));
    this.out.append(list);
    if (drawn < groups.length) this.out.append(h('p', { class: 'cmp-more' }, `The first ${drawn.toLocaleString('en-US')} of ${groups.length.toLocaleString('en-US')} groups are drawn; the ids below are complete.`));
    this.out.append(
      h('div', { class: 'cmp-ids' },
        h('div', {}, h('span', { class: 'cmp-side-name' }, 'A'), ' ids ', h('code', { class: 'cmp-ids-a' }, `[${Array.from(A.ids).join(', ')}]`)),
        h('div', {}, h('span', { class: 'cmp-side-name' }, 'B'), ' ids ', h('code', { class: 'cmp-ids-b' }, `[${Array.from(B.ids).join(', ')}]`)),
      ),
      h('p', { class: 'cmp-note cmp-cosine-note' }, c.cosineNote),
      h('p', { class: 'cmp-note cmp-rule' }, RULE),
    );
    afterPaint(() => vscode.postMessage({ type: 'drewCompare', requestId, a: A.ids.length, b: B.ids.length, groups: groups.length, differ }));
  }

  private group(text: string, g: GroupView, A: SideView, B: SideView, cosine: Float32Array | null): HTMLElement {
    const src = g.start === g.end ? '' : visibleWhitespace(text.slice(g.start, g.end));
    const el = h('div', { class: `cmp-group${g.same ? '' : ' differ'}`, role: 'listitem', 'data-start': g.start, 'data-end': g.end, title: `${g.start}:${g.end}${g.same ? '' : ' \u2014 cut differently'}` },
      h('div', { class: 'cmp-src' }, g.same ? '' : h('span', { class: 'cmp-mark', 'aria-label': 'cut differently' }, '\u2260 '), src || (g.start === g.end ? 'special' : '')),
      this.tokens('a', text, A, g.aFrom, g.aTo, cosine),
      this.tokens('b', text, B, g.bFrom, g.bTo, null),
    );
    return el;
  }

  private tokens(name: 'a' | 'b', text: string, s: SideView, from: number, to: number, cosine: Float32Array | null): HTMLElement {
    const row = h('div', { class: `cmp-side cmp-side-${name}`, 'aria-label': `side ${name.toUpperCase()}` });
    if (from === to) row.append(h('span', { class: 'cmp-none' }, '\u2014'));
    for (let i = from; i < to; i++) {
      const spelled = s.wire.tokens.texts[i]!;
      const shared = (i > 0 && s.starts[i - 1] === s.starts[i] && s.ends[i - 1] === s.ends[i]) || (i + 1 < s.ids.length && s.starts[i + 1] === s.starts[i] && s.ends[i + 1] === s.ends[i]);
      const srcText = s.starts[i] === s.ends[i] || shared ? spelled : visibleWhitespace(text.slice(s.starts[i], s.ends[i])) || spelled;
      const cos = cosine ? cosine[i]! : NaN;
      row.append(
        h('span', { class: `cmp-tok${s.special[i] ? ' special' : ''}`, title: `${JSON.stringify(spelled)} = ${s.ids[i]} (${s.starts[i]}:${s.ends[i]})`, 'data-index': i },
          h('span', { class: 'chip-text' }, srcText),
          h('span', { class: 'chip-id' }, String(s.ids[i])),
          Number.isNaN(cos) ? null : h('span', { class: 'cmp-cos', title: 'cosine of the two models\u2019 rows' }, `cos ${cos.toFixed(3)}`),
        ),
      );
    }
    return row;
  }
}

/**
 * Chooses `value` in a vscode-single-select: by the options' `selected` attribute too, since an
 * element still taking in options it was just given keeps a bare `.value` only once they are in.
 */
function selectValue(sel: Select, value: string): void {
  for (const o of sel.querySelectorAll('vscode-option')) {
    if (o.getAttribute('value') === value) o.setAttribute('selected', '');
    else o.removeAttribute('selected');
  }
  sel.value = value;
}

function labelOf(choice: string): string {
  if (choice.startsWith(COMPARE_TOKENIZER_PREFIX)) return choice.slice(COMPARE_TOKENIZER_PREFIX.length);
  if (choice.startsWith('builtin:')) return choice.slice('builtin:'.length);
  return choice.split(/[\\/]/).filter(Boolean).pop() ?? choice;
}
