// The status bar as a context bar (issue 10, item 11): "n / max tokens" when a maximum length
// applies (the model's config.json max_length, or the max-length setting, which wins), warning
// colours past it, and the plain count when neither states one.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api } from './helpers';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/torch/rnn_tanh_l2_bi_f32_right_skip_config');

/** A copy of a fixture model whose config.json states `max_length`. */
function modelWithMax(max: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-context-'));
  cpSync(FIXTURE, dir, { recursive: true });
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, max_length: max }));
  return dir;
}

async function set(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('embeddingLens').update(key, value, vscode.ConfigurationTarget.Global);
}

describe('Context bar in the status bar', function () {
  this.timeout(60_000);

  after(async () => {
    await set('model', 'builtin:seed');
    await set('maxLength', undefined);
  });

  it('shows "n / max tokens" for a model that states max_length (information past it), warning colours past the max-length setting, which wins; none without a maximum', async () => {
    const { lens } = await api();
    lens.status.start(); // the count starts with the first use of Embedding Lens (no model loaded at startup)
    await set('maxLength', undefined);
    let update = lens.status.nextUpdate();
    await set('model', modelWithMax(4));
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'white old good white old good' });
    const editor = await vscode.window.showTextDocument(doc);
    await update;
    // Within the maximum: the selection "white old" (2 tokens).
    update = lens.status.nextUpdate();
    editor.selection = new vscode.Selection(0, 0, 0, 'white old'.length);
    await update;
    let last = lens.status.last!;
    assert.deepEqual({ count: last.count, limit: last.limit, over: last.over, background: last.background }, { count: 2, limit: { max: 4, from: 'model' }, over: false, background: undefined });
    assert.equal(last.text, '$(symbol-numeric) 2 / 4 tokens');
    // Past the model's own maximum: the whole document (6 tokens) — shown, but not as a warning
    // (the panel encodes whole selections; only the setting cuts them).
    update = lens.status.nextUpdate();
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await update;
    last = lens.status.last!;
    assert.equal(last.count, 6);
    assert.equal(last.over, true);
    assert.equal(last.text, '$(symbol-numeric) 6 / 4 tokens');
    assert.equal(last.background, undefined);
    // The max-length setting is what the pipeline truncates to: it wins over the model's.
    update = lens.status.nextUpdate();
    await set('maxLength', 8);
    await update;
    last = lens.status.last!;
    assert.deepEqual({ text: last.text, limit: last.limit, over: last.over, background: last.background }, { text: '$(symbol-numeric) 6 / 8 tokens', limit: { max: 8, from: 'setting' }, over: false, background: undefined });
    // Past the setting: warning icon and background (would catch a bar that never warns).
    update = lens.status.nextUpdate();
    await set('maxLength', 5);
    await until(lens, () => lens.status.last?.limit?.max === 5);
    last = lens.status.last!;
    assert.deepEqual({ text: last.text, over: last.over, background: last.background }, { text: '$(warning) 6 / 5 tokens', over: true, background: 'statusBarItem.warningBackground' });
    // GloVe states no maximum: the plain count.
    await set('maxLength', undefined);
    await set('model', 'builtin:glove-100d');
    await until(lens, () => lens.status.last?.limit === null);
    assert.equal(lens.status.last!.text, '$(symbol-numeric) 6 tokens');
  });
});

/** Waits for status updates until `ok` holds (settings changes may each schedule one). */
async function until(lens: Awaited<ReturnType<typeof api>>['lens'], ok: () => boolean): Promise<void> {
  for (let i = 0; i < 20 && !ok(); i++) await Promise.race([lens.status.nextUpdate(), new Promise(r => setTimeout(r, 500))]);
  assert.ok(ok(), `status bar: ${JSON.stringify(lens.status.last)}`);
}
