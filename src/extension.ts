import type * as vscode from 'vscode';
import { Lens } from './host/lens';
import { createLog } from './host/log';
import { InspectorPanel } from './host/panel';

/** What the extension returns from activate(): used by the integration tests. */
export interface EmbeddingLensApi {
  readonly lens: Lens;
  /** The open panel, if any (the tests' bundle has its own copy of the classes, so it asks here). */
  activePanel(): InspectorPanel | undefined;
  /** How long activate() took (ms): the startup cost the integration tests report. */
  readonly activationMs: number;
}

/** Wiring only: everything the extension creates is pushed to context.subscriptions. */
export function activate(context: vscode.ExtensionContext): EmbeddingLensApi {
  const t0 = performance.now();
  const log = createLog();
  context.subscriptions.push(log);
  log.info(`Embedding Lens ${String(context.extension.packageJSON.version)} activated`);
  const lens = new Lens(context, log);
  context.subscriptions.push(lens);
  const activationMs = performance.now() - t0;
  log.info(`activation took ${activationMs.toFixed(1)} ms`);
  return { lens, activePanel: () => InspectorPanel.active, activationMs };
}

export function deactivate(): void {}
