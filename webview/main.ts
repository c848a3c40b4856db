// The Embedding Lens panel. It speaks first (`ready`), then draws whatever the host sends.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import './styles.css';
import { withTokens, type PanelSettings, type ToPanel } from '../src/shared/panelProtocol';
import { h, renderStatus } from './dom';
import { unpackResult } from '../src/shared/resultPacking';
import { decodeResult, decodeTokens, type Result, type TokensPart } from './result';
import { FIRST_VIEW_REQUEST_ID } from './requests';
import { onThemeChange, readPalette } from './theme';
import { OptionsBar } from './views/optionsBar';
import { PipelineHeader } from './views/pipelineHeader';
import { TokensView } from './views/tokens';
import { MatrixView } from './views/matrix';
import { HiddenView } from './views/hidden';
import { ExportMenu } from './views/exportMenu';
import { NeighboursView } from './views/neighbours';
import { ProjectionView } from './views/projection/view';
import { ReplayView } from './views/replay';
import { StepperView } from './views/stepper/view';
import { Selection } from './selection';
import { saveState, vscode } from './vscodeApi';

/** A view of the result that the app keeps up to date. */
export interface ResultView {
  readonly element: HTMLElement;
  show(result: Result): void;
  /** The theme changed: repaint canvases. */
  repaint?(): void;
}

class App {
  private readonly root = document.getElementById('app')!;
  private readonly status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly empty: HTMLElement;
  private readonly body = h('div', { class: 'result', hidden: true });
  private readonly options = new OptionsBar();
  private readonly header = new PipelineHeader();
  private readonly selection = new Selection();
  private readonly views: ResultView[];
  private readonly tabs: HTMLElement;
  private pending = 0;
  private readonly tokensView: TokensView;
  /** The token part drawn ahead of its result (didTokens), until the result arrives. */
  private early: TokensPart | undefined;

  constructor() {
    this.empty = this.emptyState();
    const tokens = new TokensView(this.selection);
    this.tokensView = tokens;
    const matrix = new MatrixView(this.selection);
    const hidden = new HiddenView(this.selection);
    const neighbours = new NeighboursView(this.selection);
    const projection = new ProjectionView(this.selection);
    const replay = new ReplayView(this.selection);
    const stepper = new StepperView(this.selection);
    const exportMenu = new ExportMenu();
    this.views = [this.header, tokens, matrix, hidden, stepper, neighbours, projection, replay, exportMenu];
    const tabDefs: [string, string, HTMLElement][] = [
      ['tokens', 'Tokens', tokens.element],
      ['matrix', 'Padded matrix', matrix.element],
      ['hidden', 'Hidden states', hidden.element],
      ['step', 'Step-through', stepper.element],
      ['neighbours', 'Neighbours', neighbours.element],
      ['projection', 'Projection', projection.element],
      ['replay', 'Replay', replay.element],
    ];
    this.tabs = h('vscode-tabs', { 'aria-label': 'Views of the result', panel: true });
    wrapTabHeaders(this.tabs);
    for (const [id, title, el] of tabDefs) {
      this.tabs.append(h('vscode-tab-header', { slot: 'header', 'data-tab': id }, title));
      this.tabs.append(h('vscode-tab-panel', { 'data-panel': id }, el));
    }
    const saved = vscode.getState()?.tab;
    const index = tabDefs.findIndex(([id]) => id === saved);
    if (index > 0) this.tabs.setAttribute('selected-index', String(index));
    this.tabs.addEventListener('vsc-tabs-select', e => {
      const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
      saveState({ tab: tabDefs[i]?.[0] });
    });
    this.body.append(this.header.element, exportMenu.element, this.tabs);
    this.root.append(this.options.element, this.status, this.empty, this.body);
    window.addEventListener('message', e => this.onMessage(e.data as ToPanel));
    onThemeChange(() => {
      const p = readPalette();
      for (const v of this.views) v.repaint?.();
      void p;
    });
    vscode.postMessage({ type: 'ready' });
  }

  private emptyState(): HTMLElement {
    const area = h('vscode-textarea', { id: 'input-text', rows: 5, placeholder: 'Type or paste text here, or select text in an editor and run "Embedding Lens: Inspect Selection".', 'aria-label': 'Text to inspect', resize: 'vertical' });
    const go = h('vscode-button', { id: 'inspect-text' }, 'Inspect');
    const seed = h('vscode-button', { id: 'seed-example', secondary: true }, 'Show the seed example');
    const send = (): void => {
      const text = (area as unknown as { value: string }).value;
      if (text.trim()) vscode.postMessage({ type: 'encode', text });
    };
    go.addEventListener('click', send);
    area.addEventListener('keydown', e => {
      if ((e as KeyboardEvent).key === 'Enter' && ((e as KeyboardEvent).ctrlKey || (e as KeyboardEvent).metaKey)) send();
    });
    seed.addEventListener('click', () => vscode.postMessage({ type: 'encode', text: 'White refrigerator is evil.' }));
    return h('section', { class: 'empty', 'aria-label': 'Inspect text' },
      h('h2', {}, 'What does the model see?'),
      h('p', {}, 'Text is split by the model\u2019s tokenizer, each id picks its row of the embedding table, the rows are padded into a (T, E) matrix, and an RNN reads them one step at a time.'),
      area,
      h('div', { class: 'buttons' }, go, seed),
    );
  }

  private onMessage(m: ToPanel): void {
    switch (m.type) {
      case 'didStart':
        this.pending = m.requestId;
        this.setStatus('busy', `Encoding ${m.label}\u2026`);
        return;
      case 'didTokens': {
        if (this.pending && m.requestId < this.pending) return; // a superseded request
        // The Tokens tab first; the other views keep the previous result until didEncode.
        const t = decodeTokens(m.requestId, m.tokens, m.source, m.focus);
        this.early = t;
        this.setStatus('busy', `${t.n.toLocaleString('en-US')} tokens; drawing the matrices\u2026`);
        this.empty.hidden = true;
        this.body.hidden = false;
        this.selection.resetTokens(t);
        this.tokensView.show(t);
        if (m.focus) this.selection.selectSpan(m.focus.start, m.focus.end);
        afterPaint(() => vscode.postMessage({ type: 'drewTokens', requestId: m.requestId, tokens: t.n }));
        return;
      }
      case 'didEncode': {
        if (this.pending && m.requestId < this.pending) return; // a superseded request
        this.pending = 0;
        const early = this.early?.requestId === m.requestId ? this.early : undefined;
        if (m.tokensSent && !early) {
          // Its tokens came in a didTokens this webview never saw (it was reloaded in between): ask for the whole result.
          vscode.postMessage({ type: 'ready' });
          return;
        }
        this.early = undefined;
        const reply = unpackResult(m.tokensSent && early ? withTokens(m.result, early.reply) : m.result, m.packed);
        const r = decodeResult(m.requestId, reply, m.source, m.focus, early);
        this.setStatus('', '');
        this.empty.hidden = true;
        this.body.hidden = false;
        if (!early) this.selection.reset(r);
        const timings: Record<string, number> = {};
        for (const v of this.views) {
          if (early && v === this.tokensView) continue;
          const t0 = performance.now();
          v.show(r);
          timings[v.constructor.name] = Math.round(performance.now() - t0);
        }
        // How long each view took to show it (the big-selection webview test prints them).
        (window as unknown as { __lensShowMs?: Record<string, number> }).__lensShowMs = timings;
        // After the views hold the result: only now may every view hear the new token indices.
        if (early) this.selection.rebind(r);
        if (m.focus && !early) this.selection.selectSpan(m.focus.start, m.focus.end);
        // After the browser has painted (two frames), so the host's progress ends when it shows.
        afterPaint(() => vscode.postMessage({ type: 'rendered', requestId: m.requestId, inputIds: Array.from(r.inputIds), tokens: r.n }));
        return;
      }
      case 'didFail':
        // Failures of the views' own requests (ids from webview/requests.ts) are theirs to show.
        if (m.requestId >= FIRST_VIEW_REQUEST_ID) return;
        if (m.reason === 'cancelled') {
          this.setStatus('', '');
          return;
        }
        this.pending = 0;
        this.setStatus('error', m.message);
        return;
      case 'didChangeSettings':
        this.options.setSettings(m.settings as PanelSettings);
        return;
      case 'didLookup':
      case 'didSearch':
      case 'didExplain':
      case 'didProject':
      case 'didExport':
        window.dispatchEvent(new CustomEvent('lens-reply', { detail: m }));
        return;
    }
  }

  private setStatus(kind: '' | 'busy' | 'error', text: string): void {
    renderStatus(this.status, 'status', kind, text);
  }
}

/**
 * Runs `fn` once after the next paint (a frame, then a task), or after 300 ms when no frame
 * comes (a hidden webview gets no animation frames).
 */
function afterPaint(fn: () => void): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    fn();
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 300);
}

/**
 * Lets the tab headers wrap onto a second line in a narrow panel instead of running off its
 * edge: <vscode-tabs> lays them out in one flex row inside its shadow root and has no part to
 * style, so a constructed style sheet (allowed by the CSP, unlike inline styles) is added there.
 */
function wrapTabHeaders(tabs: HTMLElement): void {
  void customElements.whenDefined('vscode-tabs').then(() => {
    const root = tabs.shadowRoot;
    if (!root) return;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('.tablist { flex-wrap: wrap; row-gap: 2px; }');
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  });
}

new App();
