import * as vscode from 'vscode';
import { modelLabel, type HoverMode, type LensSettings } from './config';
import { DisposableStore } from './disposables';
import type { WorkerClient } from './workerClient';

/** Documents larger than this are not counted (the worker would spend seconds on every edit). */
const MAX_COUNT_CHARS = 5_000_000;
const DEBOUNCE_MS = 250;

/** The maximum a count is measured against, and who set it. */
export interface ContextLimit {
  readonly max: number;
  /** `setting`: embeddingLens.maxLength; `model`: the model's config (`max_length`). */
  readonly from: 'setting' | 'model';
}

/**
 * The maximum length that applies: the max-length setting when set, else the one the model
 * states; null when neither does (no "/ max" then).
 */
export function contextLimit(setting: number | null | undefined, model: number | null | undefined): ContextLimit | null {
  if (typeof setting === 'number' && setting > 0) return { max: setting, from: 'setting' };
  if (typeof model === 'number' && model > 0) return { max: model, from: 'model' };
  return null;
}

/**
 * The token count of the selection (else the whole document) with the active tokenizer, as a
 * context bar "1,234 / 8,192 tokens" when a maximum length applies (warning colours past it:
 * the pipeline truncates the rest); clicking it opens the model picker.
 *
 * Counting needs the model, so it starts only once something else needed it (start(): the
 * first Embedding Lens command, a restored panel, token boundaries, a token hover): a VS Code
 * that merely has the extension installed loads no model at startup. Until then the item says
 * "Embedding Lens", and clicking it (Count Tokens) starts the count.
 */
export class TokenCountStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('embeddingLens.tokens', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables = new DisposableStore();
  private timer: NodeJS.Timeout | undefined;
  private cts: vscode.CancellationTokenSource | undefined;
  /** The last count shown (tests read it). */
  last: { count: number; scope: 'selection' | 'document'; tokenizer: string; limit: ContextLimit | null; over: boolean; text: string; background: string | undefined } | undefined;
  private readonly waiters = new Set<() => void>();
  private started = false;

  constructor(
    private readonly worker: WorkerClient,
    private readonly settings: () => LensSettings,
    private readonly onError: (context: string, e: unknown) => void,
  ) {
    this.item.name = 'Embedding Lens token count';
    this.disposables.add(this.item);
    this.disposables.add(vscode.window.onDidChangeActiveTextEditor(() => this.schedule()));
    this.disposables.add(vscode.window.onDidChangeTextEditorSelection(e => e.textEditor === vscode.window.activeTextEditor && this.schedule()));
    this.disposables.add(vscode.workspace.onDidChangeTextDocument(e => e.document === vscode.window.activeTextEditor?.document && this.schedule()));
    this.schedule();
  }

  /** Whether counting has started (tests read it). */
  get counting(): boolean {
    return this.started;
  }

  /** Counts from now on (something needed the model: counting no longer loads it for nothing). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule();
  }

  /** Recount soon (debounced). */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), DEBOUNCE_MS);
  }

  /** Resolves after the next update finishes (tests). */
  nextUpdate(): Promise<void> {
    return new Promise(resolve => this.waiters.add(resolve));
  }

  private async update(): Promise<void> {
    const s = this.settings();
    const editor = vscode.window.activeTextEditor;
    try {
      if (!s.statusBar || !editor) {
        this.item.hide();
        return;
      }
      if (!this.started) {
        this.item.backgroundColor = undefined;
        this.item.text = '$(symbol-numeric) Embedding Lens';
        this.item.tooltip = 'Embedding Lens counts the tokens here once you use it (counting loads the model). Click to count now.';
        this.item.command = 'embeddingLens.countTokens';
        this.item.accessibilityInformation = { label: 'Embedding Lens: count tokens' };
        this.item.show();
        return;
      }
      this.item.command = 'embeddingLens.selectModel';
      const doc = editor.document;
      const sel = editor.selection;
      const scope = sel.isEmpty ? 'document' : 'selection';
      const text = sel.isEmpty ? doc.getText() : doc.getText(sel);
      if (text.length > MAX_COUNT_CHARS) {
        this.item.backgroundColor = undefined;
        this.item.text = `$(symbol-numeric) \u2014 tokens`;
        this.item.tooltip = `Embedding Lens: the ${scope} is too large to count on every edit (${text.length.toLocaleString()} characters)`;
        this.item.show();
        return;
      }
      this.cts?.cancel();
      const cts = (this.cts = new vscode.CancellationTokenSource());
      // Only the count crosses the thread (a big selection's tokens would cost the event loop).
      const reply = await this.worker.request({ type: 'count', ref: s.ref, text }, cts.token);
      if (cts.token.isCancellationRequested) return;
      const count = reply.count;
      const limit = contextLimit(s.options.maxLength, reply.maxLength);
      // Special tokens ([CLS] … [SEP]) count against the maximum when they are added.
      const specials = s.options.addSpecialTokens === false ? 0 : (reply.specialTokens ?? 0);
      const ids = count + specials;
      const over = limit !== null && ids > limit.max;
      const n = count.toLocaleString('en-US');
      // Warning colours only where the panel will cut the text (the max-length setting). A model's
      // own max_length is shown as information: the extension encodes whole selections (and the
      // seed model's 8 is the explainer's padding, not a context window), so it warns of nothing.
      const warn = over && limit.from === 'setting';
      const icon = warn ? '$(warning)' : '$(symbol-numeric)';
      this.item.text = limit ? `${icon} ${n} / ${limit.max.toLocaleString('en-US')} tokens` : `${icon} ${n} token${count === 1 ? '' : 's'}`;
      this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.last = { count, scope, tokenizer: reply.tokenizer, limit, over, text: this.item.text, background: this.item.backgroundColor?.id };
      const maxLine = !limit
        ? ''
        : `\n\nmaximum ${limit.max.toLocaleString('en-US')} (${limit.from === 'setting' ? 'the `embeddingLens.maxLength` setting' : 'the model\'s `max_length`'})${specials ? `; with ${specials} special token${specials === 1 ? '' : 's'} that makes ${ids.toLocaleString('en-US')}` : ''}` +
          (over
            ? `\n\n$(warning) ${(ids - limit.max).toLocaleString('en-US')} past the maximum: ${limit.from === 'setting'
              ? 'the pipeline truncates them.'
              : 'the model would not see them (the panel still encodes the whole text unless `embeddingLens.maxLength` is set; the CLI truncates to the model\'s `max_length`).'}`
            : '');
      this.item.tooltip = new vscode.MarkdownString(`**Embedding Lens**: ${n} tokens in the ${scope}${maxLine}\n\nmodel \`${modelLabel(s.ref.model)}\` \u00b7 ${reply.tokenizer}\n\nClick to select a model.`, true);
      this.item.accessibilityInformation = { label: `${count} tokens in the ${scope}${limit ? ` of at most ${limit.max}${over ? ', past the maximum' : ''}` : ''} with ${reply.tokenizer}. Select model.` };
      this.item.show();
    } catch (e) {
      // 'restarted': another request's fault stopped the worker; the count stays until the next update.
      const reason = (e as { reason?: string }).reason;
      if (reason !== 'cancelled' && reason !== 'restarted') {
        this.item.backgroundColor = undefined;
        this.item.text = '$(warning) tokens';
        this.item.tooltip = `Embedding Lens could not count tokens: ${(e as Error).message}`;
        this.item.show();
        this.onError('token count', e);
      }
    } finally {
      for (const w of [...this.waiters]) {
        this.waiters.delete(w);
        w();
      }
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.cts?.cancel();
    this.disposables.dispose();
  }
}

/** What the hover item says for each mode. */
export const HOVER_MODE_LABELS: Readonly<Record<HoverMode, { readonly text: string; readonly detail: string }>> = {
  whileInspecting: { text: 'Hover: on while inspecting', detail: 'Token hovers only while an Embedding Lens panel is open or token boundaries are shown' },
  always: { text: 'Hover: on', detail: 'Token hovers on every hover in every file' },
  withModifier: { text: 'Hover: on request', detail: 'Token hovers only when asked for from the keyboard (Show Hover, Ctrl+K Ctrl+I, or Show Token Hover)' },
  never: { text: 'Hover: off', detail: 'No token hovers' },
};

/**
 * "Hover: on while inspecting": the token hover's mode; clicking it runs Toggle Token Hover.
 * Shown while the user inspects (a panel open, token boundaries shown) and whenever the mode
 * is `always` (when the hover is most in the way, its switch is in sight); hidden otherwise.
 */
export class HoverModeStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('embeddingLens.hoverMode', vscode.StatusBarAlignment.Right, 99);

  constructor(private readonly inspecting: (s: LensSettings) => boolean) {
    this.item.name = 'Embedding Lens token hover';
    this.item.command = 'embeddingLens.toggleTokenHover';
  }

  /** What the item shows now, or undefined when hidden (tests read it). */
  shown: string | undefined;

  /** Shows the mode `s` says (call at start, and when settings or the panel change). */
  update(s: LensSettings): void {
    const mode = s.hoverMode;
    const label = HOVER_MODE_LABELS[mode];
    this.item.text = `${mode === 'never' ? '$(eye-closed)' : '$(eye)'} ${label.text}`;
    this.item.tooltip = `Embedding Lens: ${label.detail}. Click to change (Toggle Token Hover).`;
    this.item.accessibilityInformation = { label: `Embedding Lens ${label.text}. Change the token hover mode.` };
    if (mode === 'always' || this.inspecting(s)) {
      this.item.show();
      this.shown = label.text;
    } else {
      this.item.hide();
      this.shown = undefined;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
