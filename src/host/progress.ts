import * as vscode from 'vscode';

/** Work longer than this shows a progress notification with Cancel. */
export const PROGRESS_DELAY_MS = 300;

/**
 * Runs `work` with a cancellation token; if it is still running after PROGRESS_DELAY_MS, shows
 * a cancellable progress notification until it settles. Quick work shows nothing.
 */
export async function withDelayedProgress<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>, outer?: vscode.CancellationToken): Promise<T> {
  const source = new vscode.CancellationTokenSource();
  const sub = outer?.onCancellationRequested(() => source.cancel());
  const running = work(source.token);
  let settled = false;
  const finished = running.then(
    () => undefined,
    () => undefined,
  );
  void finished.then(() => (settled = true));
  const timer = setTimeout(() => {
    if (settled) return;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
      token.onCancellationRequested(() => source.cancel());
      return finished;
    });
  }, PROGRESS_DELAY_MS);
  try {
    return await running;
  } finally {
    clearTimeout(timer);
    sub?.dispose();
    source.dispose();
  }
}
