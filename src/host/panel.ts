import * as vscode from 'vscode';
import { withoutTokens, type ExportFormat, type FromPanel, type PanelOnly, type PanelSettings, type TextSource, type ToPanel } from '../shared/panelProtocol';
import { assertNever } from '../core/errors';
import { checkPanelMessage, checkPanelState, type PanelMessageContext } from '../shared/panelMessages';
import { packedView, type PackedParts } from '../shared/resultPacking';
import type { EncodeReply } from '../shared/workerProtocol';
import { DisposableStore } from './disposables';
import { copyIds } from './copyIds';
import { panelHtml } from './panelHtml';

/** The panel's view type (also the serializer's key). */
export const PANEL_VIEW_TYPE = 'embeddingLens.panel';

/** What the panel needs from the rest of the host. */
export interface PanelHost {
  readonly extensionUri: vscode.Uri;
  /** Encode `text` with the current settings (or the panel's own, see panelOnly) and show it in this panel; `typed` runs it without a progress notification. */
  encodeInto(panel: InspectorPanel, text: string, source: TextSource, focus?: { start: number; end: number }, o?: { typed?: boolean }): Promise<unknown>;
  /** The options bar's choices for this panel. */
  settings(panel?: InspectorPanel): PanelSettings;
  /** Show the explainer's example in this panel (the seed model for this panel only). */
  showSeedExample(panel?: InspectorPanel): Promise<void>;
  /** Apply options chosen in the panel (they become the user's settings, or the panel's own) and re-encode. */
  applyOptions(panel: InspectorPanel, model: string | undefined, options: Extract<FromPanel, { type: 'setOptions' }>['options']): Promise<void>;
  /** Requests that go to the worker on the panel's behalf. */
  lookup(panel: InspectorPanel, requestId: number, ids: readonly number[], k: number): Promise<void>;
  /** The Neighbours tab's search box (search.ts). */
  search(panel: InspectorPanel, message: Extract<FromPanel, { type: 'search' }>): Promise<void>;
  explain(panel: InspectorPanel, requestId: number, start: number, end: number): Promise<void>;
  project(panel: InspectorPanel, message: Extract<FromPanel, { type: 'project' }>): Promise<void>;
  exportResult(panel: InspectorPanel, requestId: number, format: ExportFormat, png?: ArrayBuffer): Promise<void>;
  reveal(source: TextSource, start: number, end: number, highlightOnly: boolean): void;
  clearHighlight(): void;
  log: vscode.LogOutputChannel;
}

/**
 * The inspector panel: one webview that shows the last result. The webview speaks first
 * (`ready`); the host answers with the settings and replays the last result, so a panel that
 * was hidden or reloaded shows its data again without retainContextWhenHidden.
 */
export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;
  private readonly disposables = new DisposableStore();
  /** The result on show, and its packed parts (found once, by the worker: replays reuse them). */
  private lastResult: { requestId: number; result: EncodeReply; source: TextSource; focus?: { start: number; end: number } | undefined; packed?: PackedParts | undefined } | undefined;
  /** The request whose didTokens went to the webview since it last said ready. */
  private tokensPosted: number | undefined;
  /**
   * Messages posted before the webview's first `ready`, sent in order when it comes: a result
   * posted early is then drawn once, not once as posted and again as the reply to `ready`.
   */
  private held: ToPanel[] | undefined = [];
  private lastText: { text: string; source: TextSource } | undefined;
  /** The tokens on show (didTokens comes before its didEncode): what token spans refer to. */
  private shownTokens: { source: TextSource; textLength: number; rows: number } | undefined;
  private readyCount = 0;
  private nextRequestId = 1;
  /**
   * The model and options this panel uses instead of the settings (Show the Seed Example sets
   * them; inspecting an editor's text or choosing a model in the options bar ends them). Never
   * written to the settings.
   */
  panelOnly: PanelOnly | undefined;
  /** The webview's "follow selection" toggle: the host re-encodes the editor's selection as it changes. */
  follow = false;
  /** What the webview reported it drew last (tests read it through the extension's API). */
  rendered: Extract<FromPanel, { type: 'rendered' }> | undefined;
  /** What the webview reported it drew last from a didTokens (ahead of the result). */
  drewTokens: Extract<FromPanel, { type: 'drewTokens' }> | undefined;
  /** What the webview reported it drew last in the Compare tab. */
  drewCompare: Extract<FromPanel, { type: 'drewCompare' }> | undefined;
  /** How many results the webview has drawn. */
  renderCount = 0;
  private readonly renderedListeners = new Set<(r: Extract<FromPanel, { type: 'rendered' }>) => void>();

  /** Answers the webview's `compare` requests (set by src/host/compare.ts; unset, they fail). */
  static compareHandler: ((panel: InspectorPanel, m: Extract<FromPanel, { type: 'compare' }>) => Promise<void>) | undefined;

  /** The open panel, if any. */
  static get active(): InspectorPanel | undefined {
    return InspectorPanel.current;
  }

  /**
   * Shows the panel (creating it when there is none). With `source`, the editor group of the
   * editor whose text it shows: the panel goes beside it and never into it, so the source stays
   * visible — an open panel in that group (the user opened the file in the panel's column) moves
   * to the next column, which VS Code creates when needed.
   */
  static show(host: PanelHost, preserveFocus = true, source?: vscode.ViewColumn): InspectorPanel {
    const current = InspectorPanel.current;
    if (current) {
      const column = current.column();
      current.panel.reveal(source !== undefined && column === source ? besideColumn(source) : undefined, preserveFocus);
      return current;
    }
    const viewColumn = source !== undefined ? besideColumn(source) : vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Embedding Lens', { viewColumn, preserveFocus }, webviewOptions(host.extensionUri));
    return new InspectorPanel(panel, host);
  }

  /** The editor group the panel's tab is in (also when another tab of that group is on top). */
  column(): vscode.ViewColumn | undefined {
    for (const g of vscode.window.tabGroups.all) {
      for (const t of g.tabs) if (t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(PANEL_VIEW_TYPE)) return g.viewColumn;
    }
    return this.panel.viewColumn;
  }

  /**
   * Restores a panel VS Code kept across a reload (WebviewPanelSerializer): `state` is what the
   * webview saved (setState), checked before use; the panel re-encodes its text when it says ready.
   */
  static revive(panel: vscode.WebviewPanel, host: PanelHost, state: unknown): InspectorPanel {
    InspectorPanel.current?.dispose();
    panel.webview.options = webviewOptions(host.extensionUri);
    const p = new InspectorPanel(panel, host);
    const restored = checkPanelState(state);
    if (restored.last) p.lastText = restored.last;
    p.panelOnly = restored.panelOnly;
    p.follow = restored.follow ?? false;
    host.log.info(`panel restored after a reload: ${restored.last ? `${restored.last.text.length} characters of ${restored.last.source.label}` : 'no text'}${restored.panelOnly ? `, ${restored.panelOnly.model} for this panel only` : ''}${p.follow ? ', following the selection' : ''}`);
    return p;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
  ) {
    InspectorPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'icon.svg');
    panel.webview.html = panelHtml({ cspSource: panel.webview.cspSource, asset: (...p) => panel.webview.asWebviewUri(vscode.Uri.joinPath(host.extensionUri, ...p)).toString() });
    this.disposables.add(panel.onDidDispose(() => this.dispose()));
    this.disposables.add(panel.webview.onDidReceiveMessage((m: unknown) => this.onRawMessage(m)));
  }

  private disposed = false;

  /** A fresh id for a host-initiated request shown in this panel. */
  newRequestId(): number {
    return this.nextRequestId++ + 1_000_000;
  }

  /** Sends a message to the webview (dropped when it is gone). */
  post(message: ToPanel): void {
    // A request that finishes after the panel closed has nowhere to go (and posting to a
    // disposed webview throws).
    if (this.disposed) return;
    if (message.type === 'didTokens') {
      this.shownTokens = { source: message.source, textLength: message.tokens.text.length, rows: message.tokens.model.embedding.rows };
      this.tokensPosted = message.requestId;
    }
    if (message.type === 'didEncode') {
      // The worker's packed parts travel beside the reply, not inside the one kept (exports send it back).
      const { packed, ...result } = message.result;
      this.shownTokens = { source: message.source, textLength: result.text.length, rows: result.model.embedding.rows };
      this.lastResult = { requestId: message.requestId, result, source: message.source, focus: message.focus, packed: message.packed ?? packed };
      this.lastText = { text: result.text, source: message.source };
      message = this.resultMessage(this.lastResult, this.tokensPosted === message.requestId);
    }
    if (this.held) {
      this.held.push(message);
      return;
    }
    void this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }

  /** The didEncode that shows `last`: packed when it was packed, without its tokens when they were sent. */
  private resultMessage(last: NonNullable<InspectorPanel['lastResult']>, tokensSent: boolean): ToPanel {
    let result = last.packed ? packedView(last.result, last.packed) : last.result;
    if (tokensSent) result = withoutTokens(result);
    return { type: 'didEncode', requestId: last.requestId, result, source: last.source, focus: last.focus, packed: last.packed, tokensSent };
  }

  /** The text last shown (to re-encode when settings change). */
  get currentText(): { text: string; source: TextSource } | undefined {
    return this.lastText;
  }

  /**
   * Resolves with the webview's next `rendered` report — of request `requestId` when given — or
   * with undefined when `token` is cancelled, the panel closes, or `ms` pass first.
   */
  whenRendered(requestId?: number, token?: vscode.CancellationToken, ms?: number): Promise<Extract<FromPanel, { type: 'rendered' }> | undefined> {
    return new Promise(resolve => {
      const subs: vscode.Disposable[] = [];
      const done = (r: Extract<FromPanel, { type: 'rendered' }> | undefined): void => {
        this.renderedListeners.delete(l);
        for (const d of subs) d.dispose();
        resolve(r);
      };
      const l = (r: Extract<FromPanel, { type: 'rendered' }>): void => {
        if (requestId === undefined || r.requestId === requestId) done(r);
      };
      this.renderedListeners.add(l);
      if (this.disposed) return done(undefined);
      subs.push(this.panel.onDidDispose(() => done(undefined)));
      if (token) subs.push(token.onCancellationRequested(() => done(undefined)));
      if (ms !== undefined) {
        const timer = setTimeout(() => done(undefined), ms);
        subs.push({ dispose: () => clearTimeout(timer) });
      }
    });
  }

  /** How many times the webview said `ready` (reloads included). */
  get readyTimes(): number {
    return this.readyCount;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    this.host.clearHighlight();
    this.disposables.dispose();
    this.panel.dispose();
  }

  /** What a message from the webview is checked against: the result on show and the models offered. */
  private messageContext(): PanelMessageContext {
    const r = this.lastResult?.result;
    const t = this.shownTokens;
    return {
      // Spans and ids refer to the tokens on show (which may be ahead of the result on show).
      result: r && t && { textLength: t.textLength, rows: t.rows, layers: r.encoder.numLayers, directions: r.encoder.bidirectional ? 2 : 1 },
      models: () => this.host.settings(this).models.map(m => m.value),
    };
  }

  /** The webview is untrusted: a message is acted on only after checkPanelMessage accepts it. */
  private onRawMessage(raw: unknown): void {
    try {
      const checked = checkPanelMessage(raw, this.messageContext());
      if (checked.ok) {
        this.onMessage(checked.message);
        return;
      }
      this.host.log.warn(`panel message refused: ${checked.why}`);
      // A refused request is failed at once, so the panel does not wait for its timeout.
      if (checked.requestId !== undefined) this.post({ type: 'didFail', requestId: checked.requestId, message: `The extension refused the panel's request: ${checked.why}`, reason: 'invalidMessage' });
    } catch (e) {
      this.host.log.error(`panel message not handled: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private onMessage(m: FromPanel): void {
    const fail = (requestId: number) => (e: unknown) =>
      this.post({ type: 'didFail', requestId, message: e instanceof Error ? e.message : String(e), reason: (e as { reason?: string })?.reason ?? 'internal' });
    switch (m.type) {
      case 'ready': {
        this.readyCount++;
        const held = this.held;
        this.held = undefined;
        // A new webview (or a reloaded one) has none of the tokens sent before.
        this.tokensPosted = undefined;
        this.post({ type: 'didChangeSettings', settings: this.host.settings(this) });
        if (held?.length) {
          // The first ready: what was posted before it, in order (it holds the latest result if any).
          for (const message of held) {
            if (message.type === 'didTokens') this.tokensPosted = message.requestId;
            void this.panel.webview.postMessage(message).then(undefined, () => undefined);
          }
          return;
        }
        // A reload: the result again, whole (posted as it is: post() would take it for a new one).
        if (this.lastResult) void this.panel.webview.postMessage(this.resultMessage(this.lastResult, false)).then(undefined, () => undefined);
        else if (this.lastText) void this.host.encodeInto(this, this.lastText.text, this.lastText.source);
        return;
      }
      case 'encode':
        // Typed text: the latest request wins (encodeInto cancels the one before).
        void this.host.encodeInto(this, m.text, { uri: null, label: 'typed text', offset: 0 }, undefined, { typed: true });
        return;
      case 'showSeedExample':
        this.host.showSeedExample(this).catch((e: unknown) => this.host.log.error(`seed example: ${e instanceof Error ? e.message : String(e)}`));
        return;
      case 'follow':
        this.follow = m.on;
        this.host.log.info(`panel: follow selection ${m.on ? 'on' : 'off'}`);
        return;
      case 'setOptions':
        void this.host.applyOptions(this, m.model, m.options);
        return;
      case 'revealToken':
      case 'highlightToken': {
        const source = this.shownTokens?.source;
        if (!source) return;
        if (m.type === 'highlightToken' && !m.span) {
          this.host.clearHighlight();
          return;
        }
        const span = m.type === 'highlightToken' ? m.span! : m;
        // Only inside the document the result came from, as it is now (it may have been edited).
        const doc = source.uri === null ? undefined : vscode.workspace.textDocuments.find(d => d.uri.toString() === source.uri);
        if (doc && source.offset + span.end > doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end)) {
          this.host.log.warn(`panel message refused: ${m.type} ${span.start}..${span.end} lies past the end of ${doc.uri.toString()} now`);
          return;
        }
        this.host.reveal(source, span.start, span.end, m.type === 'highlightToken');
        return;
      }
      case 'lookup':
        this.host.lookup(this, m.requestId, m.ids, m.k).catch(fail(m.requestId));
        return;
      case 'search':
        this.host.search(this, m).catch(fail(m.requestId));
        return;
      case 'explain':
        this.host.explain(this, m.requestId, m.start, m.end).catch(fail(m.requestId));
        return;
      case 'project':
        this.host.project(this, m).catch(fail(m.requestId));
        return;
      case 'export':
        this.host.exportResult(this, m.requestId, m.format, m.png).catch(fail(m.requestId));
        return;
      case 'copyIds':
        void copyIds(this.lastResult, m.requestId, m.format).catch(e => this.host.log.error(`copy ids: ${e instanceof Error ? e.message : String(e)}`));
        return;
      case 'selectModel':
        void vscode.commands.executeCommand('embeddingLens.selectModel');
        return;
      case 'compare':
        (InspectorPanel.compareHandler?.(this, m) ?? Promise.reject(new Error('comparing is not available'))).catch(fail(m.requestId));
        return;
      case 'drewCompare':
        this.drewCompare = m;
        this.host.log.info(`panel drew comparison ${m.requestId}: ${m.a} and ${m.b} tokens, ${m.groups} groups, ${m.differ} cut differently`);
        return;
      case 'drewTokens':
        this.drewTokens = m;
        this.host.log.info(`panel drew the tokens of request ${m.requestId}: ${m.tokens} tokens`);
        return;
      case 'rendered':
        this.rendered = m;
        this.renderCount++;
        this.host.log.info(`panel drew request ${m.requestId}: ${m.tokens} tokens, T = ${m.inputIds.length}`);
        for (const l of [...this.renderedListeners]) l(m);
        return;
      default:
        assertNever(m, 'panel message');
    }
  }

  /** The last result (for export). */
  get result(): { requestId: number; result: EncodeReply; source: TextSource } | undefined {
    return this.lastResult;
  }
}

/** The column to the right of `c` (the left neighbour from the last column). */
function besideColumn(c: vscode.ViewColumn): vscode.ViewColumn {
  return c >= vscode.ViewColumn.Nine ? vscode.ViewColumn.Eight : ((c + 1) as vscode.ViewColumn);
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // Only our built bundles and media; nothing else on disk is reachable from the webview.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    enableFindWidget: true,
  };
}
