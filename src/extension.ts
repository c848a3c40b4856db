import type * as vscode from 'vscode';
import { Lens } from './host/lens';
import { createLog } from './host/log';
import { InspectorPanel } from './host/panel';

/** What the extension returns from activate(): used by the integration tests. */
export interface EmbeddingLensApi {
  readonly lens: Lens;
  /** The open panel, if any (the tests' bundle has its own copy of the classes, so it asks here). */
  activePanel(): InspectorPanel | undefined;
}

/** Wiring only: everything the extension creates is pushed to context.subscriptions. */
export function activate(context: vscode.ExtensionContext): EmbeddingLensApi {
  const log = createLog();
  context.subscriptions.push(log);
  log.info(`Embedding Lens ${String(context.extension.packageJSON.version)} activated`);
  const lens = new Lens(context, log);
  context.subscriptions.push(lens);
  return { lens, activePanel: () => InspectorPanel.active };
}

export function deactivate(): void {}
