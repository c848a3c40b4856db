// Helpers the extension-host suites share (not a suite itself: only *.test.ts files are run).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EmbeddingLensApi } from '../../src/extension';
import type { InspectorPanel } from '../../src/host/panel';
import type { ToPanel } from '../../src/shared/panelProtocol';

export const EXTENSION_ID = 'embedding-lens.embedding-lens';
/** The explainer's sentence. */
export const SEED = 'White refrigerator is evil.';

/** The extension's API (activating it if needed). */
export async function api(): Promise<EmbeddingLensApi> {
  const ext = vscode.extensions.getExtension<EmbeddingLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Polls `fn` every 50 ms until it returns something truthy; fails naming `what` after `ms`. */
export async function until<T>(what: string, fn: () => T | undefined | false, ms = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/**
 * Shows the seed example and returns its panel, with what the host posts to it recorded and
 * `deliver` playing the webview's postMessage (the panel's own listener). Call `restore()` after.
 */
export async function seedPanelProbe(): Promise<{ panel: InspectorPanel; posted: ToPanel[]; deliver(m: unknown): void; restore(): void }> {
  const { activePanel } = await api();
  await vscode.commands.executeCommand('embeddingLens.showSeedExample');
  const panel = await until('the seed example on show', () => activePanel()?.result && activePanel());
  const posted: ToPanel[] = [];
  const post = panel.post.bind(panel);
  panel.post = m => {
    posted.push(m);
    post(m);
  };
  return {
    panel,
    posted,
    deliver: m => (panel as unknown as { onRawMessage(m: unknown): void }).onRawMessage(m),
    restore: () => {
      panel.post = post;
    },
  };
}
