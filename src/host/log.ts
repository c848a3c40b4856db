import * as vscode from 'vscode';

/** The "Embedding Lens" log (a LogOutputChannel: levels, timestamps, "Set Log Level…"). */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Embedding Lens', { log: true });
}

/** Actions offered with an error. */
const OPEN_LOG = 'Open Log';
const SELECT_MODEL = 'Select Model…';

/** Reasons that mean "the model files are the problem": offer to pick another model. */
const MODEL_REASONS = new Set(['badFile', 'badFormat', 'shape', 'dtype', 'vocabMismatch', 'config', 'unsupported']);

/**
 * Shows errors to the user: each distinct message once while it keeps recurring (hover and the
 * status bar may hit the same broken model many times), always logged, with actions.
 */
export class ErrorReporter {
  private readonly shown = new Set<string>();
  /** Messages shown to the user, oldest first (the integration tests read it). */
  readonly history: string[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Logs the error and shows it (once per distinct message unless `always`). */
  report(context: string, error: unknown, { always = false } = {}): void {
    const reason = (error as { reason?: string })?.reason ?? 'internal';
    const message = error instanceof Error ? error.message : String(error);
    if (reason === 'cancelled') {
      this.log.info(`${context}: cancelled`);
      return;
    }
    this.log.error(`${context}: [${reason}] ${message}`);
    const key = `${reason}:${message}`;
    if (!always && this.shown.has(key)) return;
    this.shown.add(key);
    const firstLine = message.split('\n')[0]!;
    this.history.push(firstLine);
    const actions = MODEL_REASONS.has(reason) || reason === 'option' ? [SELECT_MODEL, OPEN_LOG] : [OPEN_LOG];
    void vscode.window.showErrorMessage(`Embedding Lens: ${firstLine}`, ...actions).then(choice => {
      if (choice === OPEN_LOG) this.log.show(true);
      else if (choice === SELECT_MODEL) void vscode.commands.executeCommand('embeddingLens.selectModel');
    });
  }

  /** Forget what was shown (after the model or settings change, old errors may be news again). */
  reset(): void {
    this.shown.clear();
  }
}
