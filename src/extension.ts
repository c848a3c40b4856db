import * as vscode from 'vscode';

/** Wiring only: everything the extension creates is pushed to context.subscriptions. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Embedding Lens', { log: true });
  context.subscriptions.push(log);
  log.info(`Embedding Lens ${String(context.extension.packageJSON.version)} activated`);
}

export function deactivate(): void {}
