import * as vscode from 'vscode';
import { MAX_SELECTION_CHARS, tokensPart, type ExportFormat, type FromPanel, type PanelOnly, type PanelSettings, type TextSource } from '../shared/panelProtocol';
import type { DiscoverReply, EncodeReply, ModelRef, ModelSummary, PipelineOptionsWire } from '../shared/workerProtocol';
import { TokenBoundaries } from './boundaries';
import { registerCompare } from './compare';
import { HOVER_MODE_KEY, HOVER_MODES, migrateHoverSetting, modelLabel, readModelSearch, readSettings, saveSetting, SECTION, type HoverMode, type LensSettings } from './config';
import { DisposableStore } from './disposables';
import { exportResult } from './exporter';
import { inspecting, TokenHover } from './hover';
import { answerSearch } from './search';
import { ErrorReporter } from './log';
import { activeModelPicker, BUILTIN_MODELS, modelPickItems, pickModel, recentModels, rememberModel, saveModelSetting, type ModelPick } from './modelPicker';
import { InspectorPanel, PANEL_VIEW_TYPE, type PanelHost } from './panel';
import { withDelayedProgress } from './progress';
import { HOVER_MODE_LABELS, HoverModeStatus, TokenCountStatus } from './statusBar';
import { TokenCache } from './tokenCache';
import { WorkerClient } from './workerClient';

/** Longest selection the panel encodes (characters); beyond it the user is offered its first part. */
export { MAX_SELECTION_CHARS };

/**
 * The same error shown again within this window is only logged: one fault reaches several
 * features at once (the panel's encode, the status bar's count, a hover), and the user should
 * see it once.
 */
export const REPEAT_WINDOW_MS = 10_000;

/**
 * Longest wait for the panel to report drawing a result (its `rendered`) before the progress
 * notification ends anyway (a hidden panel may draw only when shown).
 */
export const RENDER_WAIT_MS = 20_000;

/** The seed example's sentence (the explainer's). */
export const SEED_SENTENCE = 'White refrigerator is evil.';

/**
 * What Show the Seed Example uses, for its panel only: the seed model with its own max length
 * (8, builtin:seed's `max_length`), right padding and the default random encoder, so the
 * explainer's numbers come out exactly whatever the user's settings say.
 */
export const SEED_EXAMPLE: PanelOnly = {
  model: 'builtin:seed',
  options: { maxLength: 8, paddingSide: 'right', truncationSide: 'right', skipPadding: false, addSpecialTokens: true },
};

/** Quiet time after the last selection change or edit before a followed selection is re-encoded. */
export const FOLLOW_DELAY_MS = 200;

/** The first `n` characters of `text`, one fewer when the n-th would split a surrogate pair. */
export function firstChars(text: string, n: number): string {
  if (text.length <= n) return text;
  const hi = text.charCodeAt(n - 1);
  const lo = text.charCodeAt(n);
  return text.slice(0, hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff ? n - 1 : n);
}

/**
 * The extension's controller: owns the worker, the settings, the panel's requests and the
 * editor features. Everything it creates is disposed with it.
 */
export class Lens implements PanelHost, vscode.Disposable {
  readonly worker: WorkerClient;
  readonly errors: ErrorReporter;
  readonly tokens: TokenCache;
  readonly status: TokenCountStatus;
  readonly boundaries: TokenBoundaries;
  readonly hover: TokenHover;
  readonly hoverStatus: HoverModeStatus;
  /** The old hover setting's migration, started at activation (tests await it). */
  readonly hoverMigrated: Promise<void>;
  private readonly disposables = new DisposableStore();
  private readonly highlight = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
    borderStyle: 'solid',
    borderWidth: '1px',
  });
  private encodeCts: vscode.CancellationTokenSource | undefined;
  private warnedUntrusted = false;
  /** When each error (reason + message) was last shown, for REPEAT_WINDOW_MS. */
  private readonly lastShown = new Map<string, number>();
  /** The document range the panel shows (UTF-16 offsets), kept up to date through edits while following. */
  private followed: { uri: string; start: number; end: number } | undefined;
  private followTimer: ReturnType<typeof setTimeout> | undefined;
  /** Selections the lens set itself (revealing a token): not taken for the user's when following. */
  private ownSelection: { uri: string; start: number; end: number } | undefined;

  readonly extensionUri: vscode.Uri;
  readonly log: vscode.LogOutputChannel;
  /** In test mode, every line written to the log, as `level message` (the integration tests read it). */
  readonly logLines: string[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    log: vscode.LogOutputChannel,
  ) {
    this.log = context.extensionMode === vscode.ExtensionMode.Test ? recordingLog(log, this.logLines) : log;
    log = this.log;
    this.extensionUri = context.extensionUri;
    this.errors = new ErrorReporter(log);
    this.worker = this.disposables.add(
      new WorkerClient(context.extensionUri.fsPath, log, {
        deadlineSeconds: () => readSettings().requestTimeout,
        testMode: context.extensionMode === vscode.ExtensionMode.Test,
      }),
    );
    this.tokens = new TokenCache(this.worker);
    const onError = (what: string, e: unknown): void => this.report(what, e);
    this.status = this.disposables.add(new TokenCountStatus(this.worker, () => this.settings_(), onError));
    this.boundaries = this.disposables.add(new TokenBoundaries(this.tokens, () => this.settings_(), onError));
    this.disposables.add(this.highlight);
    // Settings are read once here: activation stays cheap (the startup measurement in hoverModes.test.ts).
    const s0 = readSettings();
    const gate = { panelOpen: () => InspectorPanel.active !== undefined };
    this.hover = this.disposables.add(new TokenHover(this.worker, this.tokens, () => this.settings_(), gate, onError, () => this.status.start()));
    this.hoverStatus = this.disposables.add(new HoverModeStatus(s => inspecting(s, gate)));
    this.onInspectingChanged(s0);
    // The panel opening or closing changes what whileInspecting allows.
    this.disposables.add(vscode.window.tabGroups.onDidChangeTabs(() => this.onInspectingChanged()));
    // After activation (a timer), not during it: activation stays as cheap as it was.
    this.hoverMigrated = new Promise<void>(resolve => setTimeout(resolve, 0)).then(() => this.migrateHoverSetting());
    // Token boundaries need the model anyway: the count may start with them.
    if (s0.boundaries) this.status.start();
    this.disposables.add(vscode.workspace.onDidChangeConfiguration(e => e.affectsConfiguration(SECTION) && this.onSettingsChanged()));
    this.disposables.add(vscode.workspace.onDidGrantWorkspaceTrust(() => this.onSettingsChanged()));
    this.disposables.add(vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, { deserializeWebviewPanel: async (panel, state: unknown) => {
      InspectorPanel.revive(panel, this, state);
      this.status.start();
      this.onInspectingChanged();
    } }));
    this.disposables.add(vscode.window.onDidChangeTextEditorSelection(e => this.onSelectionChanged(e)));
    this.disposables.add(vscode.workspace.onDidChangeTextDocument(e => this.onDocumentChanged(e)));
    this.disposables.add({ dispose: () => clearTimeout(this.followTimer) });
    this.registerCommands();
    this.tellIfUntrusted(s0);
  }

  dispose(): void {
    this.encodeCts?.cancel();
    InspectorPanel.active?.dispose();
    this.disposables.dispose();
  }

  /** The settings, with an untrusted workspace's model paths ignored (and the user told once). */
  private settings_(): LensSettings {
    const s = readSettings();
    this.tellIfUntrusted(s);
    return s;
  }

  private tellIfUntrusted(s: LensSettings): void {
    if (s.ignoredUntrusted.length === 0 || this.warnedUntrusted) return;
    this.warnedUntrusted = true;
    const msg = `Embedding Lens ignores ${s.ignoredUntrusted.join(' and ')} from this workspace's settings because the workspace is not trusted; it uses ${s.ref.model} instead.`;
    this.log.warn(msg);
    void vscode.window.showWarningMessage(msg, 'Manage Workspace Trust').then(c => c && vscode.commands.executeCommand('workbench.trust.manage'));
  }

  /**
   * Logs an error and shows it once: a request that failed only because another request's
   * fault restarted the worker ('restarted') is logged, not shown (the fault itself is shown),
   * and an error shown in the last REPEAT_WINDOW_MS is not shown again.
   */
  report(what: string, e: unknown, { always = false } = {}): void {
    const reason = (e as { reason?: string })?.reason ?? 'internal';
    const message = e instanceof Error ? e.message : String(e);
    if (reason === 'restarted') {
      this.log.warn(`${what}: ${message}`);
      return;
    }
    const key = `${reason}:${message}`;
    const now = Date.now();
    const last = this.lastShown.get(key);
    if (always && last !== undefined && now - last < REPEAT_WINDOW_MS) {
      this.log.error(`${what}: [${reason}] ${message} (shown ${now - last} ms ago; not shown again)`);
      return;
    }
    if (reason !== 'cancelled') this.lastShown.set(key, now);
    this.errors.report(what, e, { always });
  }

  /** A panel opened or closed, or token boundaries were turned on or off: the hover's mode may allow more or less. */
  private onInspectingChanged(s: LensSettings = readSettings()): void {
    this.hover.update(s);
    this.hoverStatus.update(s);
  }

  /** Migrates the deprecated `hover.enabled` (config.ts migrateHoverSetting) and logs what it did. */
  async migrateHoverSetting(): Promise<void> {
    try {
      for (const line of await migrateHoverSetting()) this.log.info(`settings: ${line}`);
    } catch (e) {
      // Read-only settings, say: readSettings still honours the old key.
      this.log.warn(`settings: could not migrate ${SECTION}.hover.enabled to ${SECTION}.${HOVER_MODE_KEY}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Toggle Token Hover: sets `embeddingLens.hover.mode` to `mode`, or to the one chosen in a
   * quick pick (the current one marked). Saved in the user settings unless the workspace sets
   * it (config.ts settingTarget). Resolves with the mode now in effect.
   */
  async toggleTokenHover(mode?: unknown): Promise<HoverMode | undefined> {
    const current = readSettings().hoverMode;
    let next: HoverMode | undefined;
    if (typeof mode === 'string' && (HOVER_MODES as readonly string[]).includes(mode)) {
      next = mode as HoverMode;
    } else if (mode !== undefined) {
      throw new Error(`Toggle Token Hover: unknown mode ${JSON.stringify(mode)}; expected one of ${HOVER_MODES.join(', ')}`);
    } else {
      const picked = await vscode.window.showQuickPick(
        HOVER_MODES.map(m => ({ label: `${m === current ? '$(check) ' : ''}${HOVER_MODE_LABELS[m].text}`, description: m, detail: HOVER_MODE_LABELS[m].detail, mode: m })),
        { title: 'Embedding Lens: Token Hover', placeHolder: `When token hovers show (now: ${HOVER_MODE_LABELS[current].text})` },
      );
      next = picked?.mode;
    }
    if (!next) return undefined;
    await saveSetting(HOVER_MODE_KEY, next);
    // The configuration event updates these too; now, so the caller sees the new state at once.
    this.onInspectingChanged();
    return readSettings().hoverMode;
  }

  private onSettingsChanged(): void {
    this.lastShown.clear();
    this.errors.reset();
    this.tokens.clear();
    const s = readSettings();
    this.onInspectingChanged(s);
    if (s.boundaries) this.status.start();
    this.status.schedule();
    this.boundaries.schedule();
    const panel = InspectorPanel.active;
    if (panel) {
      panel.post({ type: 'didChangeSettings', settings: this.settings(panel) });
      const current = panel.currentText;
      if (current) void this.encodeInto(panel, current.text, current.source);
    }
  }

  private registerCommands(): void {
    const reg = (id: string, fn: (...args: never[]) => unknown): void => {
      this.disposables.add(
        vscode.commands.registerCommand(id, async (...args: never[]) => {
          // Using Embedding Lens starts the status bar's count (it loads the model then, not at
          // startup); choosing the hover's mode needs no model.
          if (id !== 'embeddingLens.toggleTokenHover') this.status.start();
          try {
            return await fn(...args);
          } catch (e) {
            this.report(id, e, { always: true });
            return undefined;
          } finally {
            // A panel may have opened, or boundaries been turned on.
            this.onInspectingChanged();
          }
        }),
      );
    };
    reg('embeddingLens.inspectSelection', () => this.inspectSelection());
    reg('embeddingLens.openPanel', () => this.openPanel());
    reg('embeddingLens.selectModel', (arg?: { model?: unknown; workspace?: unknown }) => this.selectModel(arg));
    reg('embeddingLens.toggleTokenBoundaries', () => this.toggleBoundaries());
    reg('embeddingLens.showSeedExample', () => this.showSeedExample());
    reg('embeddingLens.inspectToken', (arg: { uri: string; start: number; end: number }) => this.inspectToken(arg));
    reg('embeddingLens.toggleTokenHover', (mode?: unknown) => this.toggleTokenHover(mode));
    reg('embeddingLens.showTokenHover', () => this.hover.showAtCursor());
    reg('embeddingLens.countTokens', () => this.status.schedule());
    this.disposables.add(registerCompare(this, this.context.globalState, reg));
  }

  /** Inspect Selection: the selection, or the current line when nothing is selected (and it says so). */
  async inspectSelection(): Promise<{ ids: number[] } | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Embedding Lens: open a file and select text to inspect (or use "Open Embedding Panel" to type text).');
      return undefined;
    }
    const doc = editor.document;
    let range: vscode.Range = editor.selection;
    if (editor.selection.isEmpty) {
      range = doc.lineAt(editor.selection.active.line).range;
      void vscode.window.setStatusBarMessage(`Embedding Lens: no selection \u2014 inspecting line ${range.start.line + 1}`, 4000);
    }
    let text = doc.getText(range);
    let note: string | undefined;
    if (text.length > MAX_SELECTION_CHARS) {
      const first = firstChars(text, MAX_SELECTION_CHARS);
      const n = first.length.toLocaleString('en-US');
      const action = `Inspect the first ${n} characters`;
      const msg = `Embedding Lens: the selection has ${text.length.toLocaleString('en-US')} characters; one inspection takes at most ${MAX_SELECTION_CHARS.toLocaleString('en-US')}. Inspect its first ${n}, or select less.`;
      this.log.warn(msg);
      const choice = await vscode.window.showWarningMessage(msg, action);
      if (choice !== action) return undefined;
      note = `Showing the first ${n} of the selection's ${text.length.toLocaleString('en-US')} characters: one inspection takes at most ${MAX_SELECTION_CHARS.toLocaleString('en-US')}. Select less to see the rest.`;
      text = first;
    }
    if (text.length === 0) {
      void vscode.window.showInformationMessage(`Embedding Lens: line ${range.start.line + 1} is empty; select some text to inspect.`);
      return undefined;
    }
    const start = doc.offsetAt(range.start);
    const source: TextSource = { uri: doc.uri.toString(), label: `${vscode.workspace.asRelativePath(doc.uri)}:${range.start.line + 1}`, offset: start, ...(note ? { note } : {}) };
    const panel = InspectorPanel.show(this, true, editor.viewColumn);
    this.endPanelOnly(panel);
    const result = await this.encodeInto(panel, text, source);
    return result ? { ids: Array.from(new Int32Array(result.inputIds)) } : undefined;
  }

  /** Open Embedding Panel: shows the panel and puts the cursor in its text input. */
  openPanel(): void {
    const panel = InspectorPanel.show(this, false, vscode.window.activeTextEditor?.viewColumn);
    panel.post({ type: 'focusText' });
  }

  /**
   * Show the Seed Example: the explainer's sentence with the seed model and its max length 8, in
   * the panel only (SEED_EXAMPLE): the settings are neither read for it nor written.
   */
  async showSeedExample(inPanel?: InspectorPanel): Promise<void> {
    const panel = inPanel ?? InspectorPanel.show(this, false, vscode.window.activeTextEditor?.viewColumn);
    panel.panelOnly = SEED_EXAMPLE;
    panel.post({ type: 'didChangeSettings', settings: this.settings(panel) });
    await this.encodeInto(panel, SEED_SENTENCE, { uri: null, label: 'the seed example', offset: 0 });
  }

  /** Back to the settings' model and options (the panel is about to show an editor's text). */
  endPanelOnly(panel: InspectorPanel): void {
    if (!panel.panelOnly) return;
    panel.panelOnly = undefined;
    panel.post({ type: 'didChangeSettings', settings: this.settings(panel) });
  }

  // Follow selection: while the panel's toggle is on, the editor's selection (and edits of the
  // text the panel shows) are re-encoded after FOLLOW_DELAY_MS of quiet; the latest wins.

  private onSelectionChanged(e: vscode.TextEditorSelectionChangeEvent): void {
    const panel = InspectorPanel.active;
    if (!panel?.follow) return;
    const sel = e.selections[0];
    const doc = e.textEditor.document;
    if (!sel || sel.isEmpty || doc.uri.scheme === 'output') return;
    const uri = doc.uri.toString();
    const start = doc.offsetAt(sel.start);
    const end = doc.offsetAt(sel.end);
    const own = this.ownSelection;
    if (own && own.uri === uri && own.start === start && own.end === end) return;
    this.followed = { uri, start, end };
    this.scheduleFollow(panel, doc);
  }

  private onDocumentChanged(e: vscode.TextDocumentChangeEvent): void {
    const panel = InspectorPanel.active;
    const f = this.followed;
    if (!f || e.document.uri.toString() !== f.uri || e.contentChanges.length === 0) return;
    // Keep the range on the same text through the edit (also when not following, so turning
    // follow on later starts from the right place); an edit touching it grows or shrinks it.
    let { start, end } = f;
    let touched = false;
    for (const c of [...e.contentChanges].sort((x, y) => y.rangeOffset - x.rangeOffset)) {
      const cs = c.rangeOffset;
      const ce = cs + c.rangeLength;
      const delta = c.text.length - c.rangeLength;
      if (ce < start || (ce === start && c.rangeLength > 0)) {
        start += delta;
        end += delta;
      } else if (cs <= end) {
        touched = true;
        start = Math.min(start, cs);
        end = Math.max(end, ce) + delta;
      }
    }
    this.followed = { uri: f.uri, start, end: Math.max(start, end) };
    // Edits after the range change nothing on show; edits before it move it (the panel's spans
    // point into the document by offset, so it is sent again).
    if (panel?.follow && (touched || start !== f.start)) this.scheduleFollow(panel, e.document);
  }

  private scheduleFollow(panel: InspectorPanel, doc: vscode.TextDocument): void {
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => {
      const f = this.followed;
      if (!f || InspectorPanel.active !== panel || !panel.follow || doc.isClosed) return;
      const range = new vscode.Range(doc.positionAt(f.start), doc.positionAt(f.end));
      let text = doc.getText(range);
      if (text.length === 0) return;
      let note: string | undefined;
      if (text.length > MAX_SELECTION_CHARS) {
        const total = text.length;
        text = firstChars(text, MAX_SELECTION_CHARS);
        note = `Showing the first ${text.length.toLocaleString('en-US')} of the selection's ${total.toLocaleString('en-US')} characters: one inspection takes at most ${MAX_SELECTION_CHARS.toLocaleString('en-US')}. Select less to see the rest.`;
      }
      this.endPanelOnly(panel);
      void this.encodeInto(panel, text, { uri: f.uri, label: `${vscode.workspace.asRelativePath(doc.uri)}:${range.start.line + 1}`, offset: f.start, ...(note ? { note } : {}) }, undefined, { typed: true });
    }, FOLLOW_DELAY_MS);
  }

  /**
   * Select Model…: the picker (or `arg.model` from a caller), checked to load before it is
   * saved — in the user settings, or this workspace's when the user asked (config.ts settingTarget).
   */
  async selectModel(arg?: { model?: unknown; workspace?: unknown }): Promise<string | undefined> {
    const current = readSettings().ref.model;
    const chosen = typeof arg?.model === 'string' && arg.model ? { model: arg.model, workspace: arg.workspace === true } : await pickModel(this.context.globalState, current, token => this.discoverModels(token), this.log);
    if (!chosen) return undefined;
    // Check it loads before saving it, so a bad path leaves the working model in place.
    const summary = await withDelayedProgress(`Embedding Lens: loading ${modelLabel(chosen.model)}`, token => this.worker.request({ type: 'loadModel', ref: { model: chosen.model, tokenizer: readSettings().ref.tokenizer } }, token));
    await rememberModel(this.context.globalState, chosen.model);
    const panel = InspectorPanel.active;
    if (panel) panel.panelOnly = undefined;
    await saveModelSetting(chosen.model, chosen.workspace);
    // The same model as before changes no setting, so nothing re-encodes on its own.
    if (panel && readSettings().ref.model === current) this.onSettingsChanged();
    this.log.info(`model: ${describe(summary)}`);
    return chosen.model;
  }

  /** The models on this machine, found by the worker with the embeddingLens.modelSearch settings. */
  discoverModels(token?: vscode.CancellationToken): Promise<DiscoverReply> {
    const s = readModelSearch();
    return this.worker.request({ type: 'discover', folders: s.folders, hidden: s.hidden }, token);
  }

  /** Test hook: the entries Select Model… lists once discovery answered, without showing it. */
  async modelPickItems(): Promise<ModelPick[]> {
    const discovery = await this.discoverModels();
    const canWorkspace = (vscode.workspace.workspaceFolders?.length ?? 0) > 0 && vscode.workspace.isTrusted;
    return modelPickItems(recentModels(this.context.globalState), readSettings().ref.model, discovery, readModelSearch(), canWorkspace);
  }

  /** Test hook: the Select Model… quick pick on show, if any. */
  activeModelPicker(): vscode.QuickPick<ModelPick> | undefined {
    return activeModelPicker();
  }

  async toggleBoundaries(): Promise<boolean> {
    const c = vscode.workspace.getConfiguration(SECTION);
    const next = !(c.get<boolean>('tokenBoundaries.enabled') ?? false);
    await c.update('tokenBoundaries.enabled', next, vscode.ConfigurationTarget.Global);
    await this.boundaries.refresh();
    return next;
  }

  private async inspectToken(arg: { uri: string; start: number; end: number }): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(arg.uri));
    const line = doc.lineAt(doc.positionAt(arg.start).line);
    const offset = doc.offsetAt(line.range.start);
    const editor = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === arg.uri);
    const panel = InspectorPanel.show(this, false, editor?.viewColumn);
    this.endPanelOnly(panel);
    await this.encodeInto(panel, line.text, { uri: arg.uri, label: `${vscode.workspace.asRelativePath(doc.uri)}:${line.lineNumber + 1}`, offset }, { start: arg.start - offset, end: arg.end - offset });
  }

  // PanelHost

  settings(panel?: InspectorPanel): PanelSettings {
    const s = readSettings();
    const own = panel?.panelOnly;
    const model = own?.model ?? s.ref.model;
    const models = [...BUILTIN_MODELS.map(b => ({ value: b.value, label: b.label })), ...recentModels(this.context.globalState).map(r => ({ value: r, label: modelLabel(r) }))];
    if (!models.some(m => m.value === model)) models.push({ value: model, label: modelLabel(model) });
    // The user's model is offered too while the panel shows its own, so the bar can go back to it.
    if (own && !models.some(m => m.value === s.ref.model)) models.push({ value: s.ref.model, label: modelLabel(s.ref.model) });
    // modelMaxLength is the host's to decide, not the bar's (setOptions refuses unknown fields).
    const { modelMaxLength: _, ...options } = own?.options ?? s.options;
    return { model, models, options, ...(own ? { panelOnly: true } : {}) };
  }

  /** The model and options an encode in `panel` uses: the panel's own (the seed example), else the settings'. */
  private effective(panel: InspectorPanel | undefined, s: LensSettings = readSettings()): { ref: ModelRef; options: PipelineOptionsWire } {
    const own = panel?.panelOnly;
    return own ? { ref: { model: own.model }, options: own.options } : { ref: s.ref, options: s.options };
  }

  /** Encodes `text` into `panel`; resolves with the result, or undefined when it failed or was superseded. */
  async encodeInto(panel: InspectorPanel, text: string, source: TextSource, focus?: { start: number; end: number }, o: { typed?: boolean } = {}): Promise<EncodeReply | undefined> {
    const s = this.effective(panel, this.settings_());
    if (source.uri !== null) this.followed = { uri: source.uri, start: source.offset, end: source.offset + text.length };
    else this.followed = undefined;
    this.encodeCts?.cancel();
    const cts = (this.encodeCts = new vscode.CancellationTokenSource());
    const requestId = panel.newRequestId();
    // A panel closed mid-request cancels it: nothing is shown, and nothing is posted to it.
    let closed = false;
    const closing = panel.panel.onDidDispose(() => {
      closed = true;
      this.log.info(`encode of ${source.label}: the panel was closed; cancelling`);
      cts.cancel();
    });
    panel.post({ type: 'didStart', requestId, label: source.label });
    try {
      // The progress notification lasts until the panel has drawn the result (its `rendered`),
      // not only until the worker answers: a big result takes a while to travel and draw.
      const work = async (token: vscode.CancellationToken): Promise<EncodeReply | undefined> => {
        const reply = await this.worker.request({ type: 'encode', ref: s.ref, text, options: s.options, keepGates: true, forPanel: true }, token);
        if (token.isCancellationRequested || cts.token.isCancellationRequested || closed) return undefined;
        this.log.info(`encoded ${source.label}: ${reply.tokens.count} tokens, T = ${new Int32Array(reply.inputIds).length}, ${reply.model.name}, ${reply.elapsedMs} ms${reply.phases ? ` (${reply.phases})` : ''}${reply.engine ? `, encoder: ${reply.engine.description}` : ''}`);
        const tReply = performance.now();
        const drawn = panel.whenRendered(requestId, token, RENDER_WAIT_MS);
        // Tokens first (the panel draws the Tokens tab at once), then, after a timer (a later turn
        // of the event loop: setImmediate would run before the loop's timers and I/O), the whole
        // result, so the extension host's event loop is not held by both at once.
        panel.post({ type: 'didTokens', requestId, tokens: tokensPart(reply), source, focus });
        const tTokens = performance.now();
        await new Promise(resolve => setTimeout(resolve, 0));
        if (token.isCancellationRequested || closed) return undefined;
        const tResult0 = performance.now();
        panel.post({ type: 'didEncode', requestId, result: reply, source, focus });
        const tResult = performance.now();
        const shown = await drawn;
        this.log.info(`encode of ${source.label}: posting the tokens took ${(tTokens - tReply).toFixed(0)} ms, the result ${(tResult - tResult0).toFixed(0)} ms; drawn ${(performance.now() - tReply).toFixed(0)} ms after the worker's reply`);
        if (!shown && !closed && !token.isCancellationRequested) this.log.warn(`encode of ${source.label}: the panel did not report drawing it within ${RENDER_WAIT_MS / 1000} s`);
        return reply;
      };
      // Typing and following show their progress in the panel only: a notification per keystroke would flicker.
      const result = o.typed ? await work(cts.token) : await withDelayedProgress('Embedding Lens: encoding', work, cts.token);
      if (!result || cts.token.isCancellationRequested || closed) return undefined;
      return result;
    } catch (e) {
      const reason = (e as { reason?: string }).reason ?? 'internal';
      if (closed) {
        this.log.info(`encode of ${source.label}: ended (${reason}) after the panel was closed`);
        return undefined;
      }
      panel.post({ type: 'didFail', requestId, message: e instanceof Error ? e.message : String(e), reason });
      if (reason !== 'cancelled') this.report('encode', e, { always: true });
      return undefined;
    } finally {
      closing.dispose();
      if (this.encodeCts === cts) this.encodeCts = undefined;
      cts.dispose();
    }
  }

  /**
   * Options (and maybe a model) chosen in the panel's options bar. They go to the user settings
   * (or where the workspace already sets them: config.ts settingTarget), never into a new
   * `.vscode/settings.json`. While the panel shows its own model (the seed example), option
   * changes stay in the panel; choosing another model goes back to the settings with it.
   */
  async applyOptions(panel: InspectorPanel, model: string | undefined, options: PipelineOptionsWire): Promise<void> {
    const own = panel.panelOnly;
    const current = panel.currentText;
    if (own && (!model || model === own.model)) {
      panel.panelOnly = { model: own.model, options: { ...own.options, ...definedOnly(options) } };
      panel.post({ type: 'didChangeSettings', settings: this.settings(panel) });
      if (current) void this.encodeInto(panel, current.text, current.source);
      return;
    }
    const c = vscode.workspace.getConfiguration(SECTION);
    const updates: [string, unknown][] = [
      // No max length: the key is removed rather than set to null.
      ['maxLength', options.maxLength ?? undefined],
      ['paddingSide', options.paddingSide],
      ['truncationSide', options.truncationSide],
      ['skipPadding', options.skipPadding],
      ['specialTokens', options.addSpecialTokens],
    ];
    const effective = (key: string, value: unknown): unknown => (key === 'maxLength' ? (value ?? null) : value);
    const changed = updates.filter(([k, v]) => (k === 'maxLength' || v !== undefined) && c.get(k) !== effective(k, v));
    const modelChanged = model !== undefined && model !== readSettings().ref.model;
    if (own) panel.panelOnly = undefined;
    for (const [key, value] of changed) await saveSetting(key, value);
    if (modelChanged) await saveModelSetting(model);
    // onDidChangeConfiguration re-encodes; if no setting changed, re-encode anyway so the panel answers.
    if (current && changed.length === 0 && !modelChanged) {
      if (own) panel.post({ type: 'didChangeSettings', settings: this.settings(panel) });
      void this.encodeInto(panel, current.text, current.source);
    }
  }

  async lookup(panel: InspectorPanel, requestId: number, ids: readonly number[], k: number): Promise<void> {
    const vectors = await this.whileOpen(panel, token => this.worker.request({ type: 'vectors', ref: this.effective(panel).ref, ids, k }, token));
    panel.post({ type: 'didLookup', requestId, ids, vectors });
  }

  async search(panel: InspectorPanel, m: Extract<FromPanel, { type: 'search' }>): Promise<void> {
    await this.whileOpen(panel, token => answerSearch(this.worker, this.effective(panel).ref, panel, m, token, this.log));
  }

  async explain(panel: InspectorPanel, requestId: number, start: number, end: number): Promise<void> {
    const text = panel.result?.result.text;
    if (text === undefined) throw new Error('nothing to replay yet: inspect some text first');
    const replay = await this.whileOpen(panel, token => this.worker.request({ type: 'explain', ref: this.effective(panel).ref, text, start, end }, token));
    panel.post({ type: 'didExplain', requestId, replay });
  }

  async project(panel: InspectorPanel, m: Extract<FromPanel, { type: 'project' }>): Promise<void> {
    const r = panel.result?.result;
    if (!r) throw new Error('nothing to project yet: inspect some text first');
    let matrix = r.embeddings;
    if (m.what === 'hidden') {
      const dirs = r.encoder.bidirectional ? 2 : 1;
      const trace = r.rnn.traces[m.layer * dirs + m.direction];
      if (!trace) throw new Error(`the encoder has no layer ${m.layer} direction ${m.direction}`);
      matrix = trace.h;
    }
    // The worker gets a copy: the panel's result must stay intact for replays.
    const copy = { rows: matrix.rows, cols: matrix.cols, data: matrix.data.slice(0) };
    const projection = await this.whileOpen(panel, token => this.worker.request({ type: 'project', ref: this.effective(panel).ref, matrix: copy, vocabSample: m.what === 'embeddings' ? m.vocabSample : 0 }, token));
    panel.post({ type: 'didProject', requestId: m.requestId, what: m.what, projection });
  }

  async exportResult(panel: InspectorPanel, requestId: number, format: ExportFormat, png?: ArrayBuffer): Promise<void> {
    const r = panel.result;
    if (!r) throw new Error('nothing to export yet: inspect some text first');
    const path = await exportResult(this.worker, r.result, format, png, this.log);
    panel.post({ type: 'didExport', requestId, path });
  }

  /** Runs a panel's request with a token cancelled when the panel closes (a replay can run long). */
  private async whileOpen<T>(panel: InspectorPanel, work: (token: vscode.CancellationToken) => Promise<T>): Promise<T> {
    const cts = new vscode.CancellationTokenSource();
    const closing = panel.panel.onDidDispose(() => cts.cancel());
    try {
      return await work(cts.token);
    } finally {
      closing.dispose();
      cts.dispose();
    }
  }

  reveal(source: TextSource, start: number, end: number, highlightOnly: boolean): void {
    if (!source.uri) return;
    const editor = vscode.window.visibleTextEditors.find(e => e.document.uri.toString() === source.uri);
    const apply = (e: vscode.TextEditor): void => {
      const range = new vscode.Range(e.document.positionAt(source.offset + start), e.document.positionAt(source.offset + end));
      e.setDecorations(this.highlight, [range]);
      if (!highlightOnly) {
        // Not a selection to follow: it is the panel's own token.
        this.ownSelection = { uri: e.document.uri.toString(), start: e.document.offsetAt(range.start), end: e.document.offsetAt(range.end) };
        e.selection = new vscode.Selection(range.start, range.end);
      }
      e.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    };
    if (editor) apply(editor);
    else if (!highlightOnly) void vscode.window.showTextDocument(vscode.Uri.parse(source.uri), { viewColumn: vscode.ViewColumn.One }).then(apply);
  }

  clearHighlight(): void {
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(this.highlight, []);
  }
}

/** `o` without its undefined fields (so a spread keeps the values they would hide). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The log, also keeping its lines in `lines` (test mode only). */
function recordingLog(log: vscode.LogOutputChannel, lines: string[]): vscode.LogOutputChannel {
  const levels = new Set<PropertyKey>(['trace', 'debug', 'info', 'warn', 'error']);
  return new Proxy(log, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!levels.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (message: unknown, ...rest: unknown[]) => {
        lines.push(`${String(prop)} ${message instanceof Error ? message.message : String(message)}`);
        if (lines.length > 2000) lines.splice(0, lines.length - 2000);
        return (value as (...a: unknown[]) => unknown).call(target, message, ...rest);
      };
    },
  });
}

function describe(m: ModelSummary): string {
  const enc = m.encoder ? `${m.encoder.cell} H=${m.encoder.hiddenSize} L=${m.encoder.numLayers}${m.encoder.bidirectional ? ' bi' : ''} (real)` : 'no encoder (random per settings)';
  return `${m.name}: ${m.tokenizer.description}, embedding ${m.embedding.rows}\u00d7${m.embedding.dim} ${m.embedding.dtype ?? ''}, ${enc}`;
}
