// "Copy ids" from the Tokens tab in the real extension host: the panel's copyIds request (as the
// webview would post it) puts the token ids of the result on show on VS Code's clipboard, as a
// Python list or a JSON list; a request for a result no longer on show copies nothing. Would
// catch: the host ignoring the request, copying the wrong result's ids, or copying while the ids
// on show are not the ones it holds.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, until } from './helpers';

describe('Copy ids: the panel asks, the host writes the clipboard', function () {
  this.timeout(30_000);

  it('copies the ids of the result on show as a Python list and as a JSON list, and nothing for another result', async () => {
    const { activePanel } = await api();
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    const panel = await until('the seed example on show', () => activePanel()?.result && activePanel());
    const shown = panel.result!;
    const ids = Array.from(new Int32Array(shown.result.tokens.ids));
    assert.ok(ids.length >= 5, `the seed's token ids: ${JSON.stringify(ids)}`);
    // What the webview's postMessage would deliver (the panel's own listener, private).
    const deliver = (m: unknown): void => (panel as unknown as { onRawMessage(m: unknown): void }).onRawMessage(m);
    const python = `[${ids.join(', ')}]`;
    const json = `[${ids.join(',')}]`;
    await vscode.env.clipboard.writeText('before');
    deliver({ type: 'copyIds', requestId: shown.requestId, format: 'python' });
    await untilClipboard(python);
    deliver({ type: 'copyIds', requestId: shown.requestId, format: 'json' });
    await untilClipboard(json);
    // Another result's id: a warning, the clipboard as it was.
    deliver({ type: 'copyIds', requestId: shown.requestId + 1, format: 'python' });
    await new Promise(r => setTimeout(r, 500));
    assert.equal(await vscode.env.clipboard.readText(), json);
  });
});

/** Waits until the clipboard holds `text`. */
async function untilClipboard(text: string): Promise<void> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < 10_000) {
    last = await vscode.env.clipboard.readText();
    if (last === text) return;
    await new Promise(r => setTimeout(r, 100));
  }
  assert.equal(last, text, 'the clipboard');
}
