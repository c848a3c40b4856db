import * as vscode from 'vscode';
import { modelLabel, type LensSettings } from './config';
import { DisposableStore } from './disposables';
import type { WorkerClient } from './workerClient';

/** Documents larger than this are not counted (the worker would spend seconds on every edit). */
const MAX_COUNT_CHARS = 5_000_000;
const DEBOUNCE_MS = 250;

/**
 * The token count of the selection (else the whole document) with the active tokenizer;
 * clicking it opens the model picker.
 */
export class TokenCountStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('embeddingLens.tokens', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables = new DisposableStore();
  private timer: NodeJS.Timeout | undefined;
  private cts: vscode.CancellationTokenSource | undefined;
  /** The last count shown (tests read it). */
  last: { count: number; scope: 'selection' | 'document'; tokenizer: string } | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly worker: WorkerClient,
    private readonly settings: () => LensSettings,
    private readonly onError: (context: string, e: unknown) => void,
  ) {
    this.item.name = 'Embedding Lens token count';
    this.item.command = 'embeddingLens.selectModel';
    this.disposables.add(this.item);
    this.disposables.add(vscode.window.onDidChangeActiveTextEditor(() => this.schedule()));
    this.disposables.add(vscode.window.onDidChangeTextEditorSelection(e => e.textEditor === vscode.window.activeTextEditor && this.schedule()));
    this.disposables.add(vscode.workspace.onDidChangeTextDocument(e => e.document === vscode.window.activeTextEditor?.document && this.schedule()));
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
      const doc = editor.document;
      const sel = editor.selection;
      const scope = sel.isEmpty ? 'document' : 'selection';
      const text = sel.isEmpty ? doc.getText() : doc.getText(sel);
      if (text.length > MAX_COUNT_CHARS) {
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
      this.last = { count, scope, tokenizer: reply.tokenizer };
      this.item.text = `$(symbol-numeric) ${count.toLocaleString('en-US')} token${count === 1 ? '' : 's'}`;
      this.item.tooltip = new vscode.MarkdownString(`**Embedding Lens**: ${count.toLocaleString('en-US')} tokens in the ${scope}\n\nmodel \`${modelLabel(s.ref.model)}\` \u00b7 ${reply.tokenizer}\n\nClick to select a model.`);
      this.item.accessibilityInformation = { label: `${count} tokens in the ${scope} with ${reply.tokenizer}. Select model.` };
      this.item.show();
    } catch (e) {
      // 'restarted': another request's fault stopped the worker; the count stays until the next update.
      const reason = (e as { reason?: string }).reason;
      if (reason !== 'cancelled' && reason !== 'restarted') {
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
