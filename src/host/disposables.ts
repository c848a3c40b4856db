import type * as vscode from 'vscode';

/** Owns disposables and disposes them (last added first) when it is disposed. */
export class DisposableStore implements vscode.Disposable {
  private items: vscode.Disposable[] = [];
  private disposed = false;

  /** Adds `d`; disposes it at once if the store is already disposed. */
  add<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.items.reverse()) {
      try {
        d.dispose();
      } catch {
        // One failing disposer must not keep the others alive.
      }
    }
    this.items = [];
  }
}
