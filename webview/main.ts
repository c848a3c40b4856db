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
import { MAX_SELECTION_CHARS, withTokens, type PanelSettings, type TextSource, type ToPanel } from '../src/shared/panelProtocol';
import { afterPaint, h, renderStatus } from './dom';
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
import { CompareView } from './views/compare';
import { TextInput } from './views/textInput';
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
  private readonly text = new TextInput();
  private readonly header = new PipelineHeader();
  private readonly selection = new Selection();
  private readonly views: ResultView[];
  private readonly tabs: HTMLElement;
  /** The newest encode the host started (didStart): a result or failure of an older one is superseded and dropped. */
  private latest = 0;
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
    const compare = new CompareView();
    this.views = [this.header, tokens, matrix, hidden, stepper, neighbours, projection, replay, exportMenu, compare];
    const tabDefs: [string, string, HTMLElement][] = [
      ['tokens', 'Tokens', tokens.element],
      ['matrix', 'Padded matrix', matrix.element],
      ['hidden', 'Hidden states', hidden.element],
      ['step', 'Step-through', stepper.element],
      ['neighbours', 'Neighbours', neighbours.element],
      ['projection', 'Projection', projection.element],
      ['replay', 'Replay', replay.element],
      ['compare', 'Compare', compare.element],
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
    this.root.append(this.options.element, this.text.element, this.status, this.empty, this.body);
    window.addEventListener('message', e => this.onMessage(e.data as ToPanel));
    onThemeChange(() => {
      const p = readPalette();
      for (const v of this.views) v.repaint?.();
      void p;
    });
    vscode.postMessage({ type: 'ready' });
    this.text.announce();
  }

  private emptyState(): HTMLElement {
    const seed = h('vscode-button', { id: 'seed-example', secondary: true }, 'Show the seed example');
    // The explainer's example as Show the Seed Example gives it (the seed model, max length 8), not typed text.
    seed.addEventListener('click', () => vscode.postMessage({ type: 'showSeedExample' }));
    return h('section', { class: 'empty', 'aria-label': 'Inspect text' },
      h('h2', {}, 'What does the model see?'),
      h('p', {}, 'Text is split by the model\u2019s tokenizer, each id picks its row of the embedding table, the rows are padded into a (T, E) matrix, and an RNN reads them one step at a time. Type above, or select text in an editor.'),
      h('div', { class: 'buttons' }, seed),
    );
  }

  /** A result's text and source on show: the text box shows it, and the saved state keeps it for a reload (never the result). */
  private showText(text: string, source: TextSource): void {
    // After the tokens are painted: a long text laid out in the box (and copied into the state)
    // must not hold up the first drawing of a big selection.
    afterPaint(() => {
      this.text.show(text, source);
      saveState({ last: text.length <= MAX_SELECTION_CHARS ? { text, source } : undefined });
    });
  }

  private onMessage(m: ToPanel): void {
    switch (m.type) {
      case 'didStart':
        this.latest = Math.max(this.latest, m.requestId);
        this.setStatus('busy', `Encoding ${m.label}\u2026`);
        return;
      case 'didTokens': {
        if (m.requestId < this.latest) return; // a superseded request
        // The Tokens tab first; the other views keep the previous result until didEncode.
        const t = decodeTokens(m.requestId, m.tokens, m.source, m.focus);
        this.early = t;
        this.showText(m.tokens.text, m.source);
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
        if (m.requestId < this.latest) return; // a superseded request
        const early = this.early?.requestId === m.requestId ? this.early : undefined;
        if (m.tokensSent && !early) {
          // Its tokens came in a didTokens this webview never saw (it was reloaded in between): ask for the whole result.
          vscode.postMessage({ type: 'ready' });
          return;
        }
        this.early = undefined;
        const reply = unpackResult(m.tokensSent && early ? withTokens(m.result, early.reply) : m.result, m.packed);
        const r = decodeResult(m.requestId, reply, m.source, m.focus, early);
        if (!early) this.showText(reply.text, m.source);
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
        if (m.requestId < this.latest) return; // a superseded request (cancelled for a newer one)
        if (m.reason === 'cancelled') {
          this.setStatus('', '');
          return;
        }
        this.setStatus('error', m.message);
        return;
      case 'didChangeSettings':
        this.options.setSettings(m.settings as PanelSettings);
        this.text.setPanelOnly(m.settings.panelOnly ? m.settings.model : undefined);
        // A panel-only model (the seed example) comes back after a reload: the host gets it from the saved state.
        saveState({ panelOnly: m.settings.panelOnly ? { model: m.settings.model, options: m.settings.options } : undefined });
        return;
      case 'focusText':
        this.text.focus();
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
 * Lets the tab headers wrap onto a second line in a narrow panel instead of running off its
 * edge: <vscode-tabs> lays them out in one flex row inside its shadow root and has no part to
 * style, so a constructed style sheet (allowed by the CSP, unlike inline styles) is added there.
 */
function wrapTabHeaders(tabs: HTMLElement): void {
  void customElements.whenDefined('vscode-tabs').then(() => {
    const root = tabs.shadowRoot;
    if (!root) return;
    const sheet = new CSSStyleSheet();
    // A narrow panel keeps one row of tabs that scrolls sideways (styles.css, "narrow panel").
    sheet.replaceSync('.tablist { flex-wrap: wrap; row-gap: 2px; } @media (max-width: 320px) { .header { overflow-x: auto; scrollbar-width: thin; } .tablist { flex-wrap: nowrap; } }');
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  });
}

new App();
