// "Embedding Lens: Compare Tokenizers…" in a real extension host: the command from the palette's
// quick picks and with arguments, on the editor's selection; the panel opens on its Compare tab
// and its webview reports drawing both tokenizations with the counts the worker gives.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, until } from './helpers';

interface Summary {
  a: { choice: string; count: number; ids: number[] };
  b: { choice: string; count: number; ids: number[] };
  groups: number;
  differ: number;
  cosines: number;
}

const TEXT = 'def greet(name):\n    return f"こんにちは {name} 👋"';

async function selectAll(content: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language: 'python', content });
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  editor.selection = new vscode.Selection(doc.positionAt(0), doc.positionAt(content.length));
  return editor;
}

/** The worker's tokenization (the core's, checked against tiktoken in the unit tests). */
async function workerIds(tokenizer: string, text: string): Promise<number[]> {
  const { lens } = await api();
  const r = await lens.worker.request({ type: 'tokenize', ref: { model: 'builtin:seed', tokenizer }, text, addSpecialTokens: true });
  return Array.from(new Int32Array(r.tokens.ids));
}

describe('Compare Tokenizers', function () {
  this.timeout(90_000);

  before(async () => {
    await api();
    await vscode.workspace.getConfiguration('embeddingLens').update('model', 'builtin:seed', vscode.ConfigurationTarget.Global);
  });

  it('is in the command palette', async () => {
    const all = await vscode.commands.getCommands(true);
    assert.ok(all.includes('embeddingLens.compareTokenizers'));
    const contributed = (vscode.extensions.getExtension('embedding-lens.embedding-lens')?.packageJSON.contributes.commands ?? []) as { command: string; title: string }[];
    assert.equal(contributed.find(c => c.command === 'embeddingLens.compareTokenizers')?.title, 'Compare Tokenizers…');
  });

  it('with two sides given: gpt2 vs o200k_base on the selection; the panel draws both on its Compare tab', async () => {
    await selectAll(TEXT);
    const { activePanel } = await api();
    const summary = await vscode.commands.executeCommand<Summary>('embeddingLens.compareTokenizers', { a: 'tokenizer:gpt2', b: 'tokenizer:o200k_base' });
    assert.ok(summary, 'the command resolves to what it compared');
    // Would catch: the sides swapped, or the comparison run on another text than the selection.
    assert.deepEqual(summary.a.ids, await workerIds('gpt2', TEXT));
    assert.deepEqual(summary.b.ids, await workerIds('o200k_base', TEXT));
    assert.ok(summary.differ > 0 && summary.differ < summary.groups, `${summary.differ} of ${summary.groups} groups differ`);
    // The webview's own report: it drew this comparison, with these counts.
    const drew = await until('the panel to draw the comparison', () => {
      const d = activePanel()?.drewCompare;
      return d && d.a === summary.a.count && d.b === summary.b.count && d;
    }, 30_000);
    assert.deepEqual([drew.groups, drew.differ], [summary.groups, summary.differ]);
    // The panel stays beside the code: the editor with the selection is still visible.
    assert.ok(vscode.window.visibleTextEditors.some(e => e.document.getText() === TEXT), 'the source stays visible');
    assert.equal(activePanel()?.currentText?.text, TEXT, 'the panel shows the compared text');
  });

  it('from the quick picks: side A defaults to the panel\'s model, side B to o200k_base', async () => {
    await selectAll('White refrigerator is evil.');
    const { activePanel } = await api();
    const running = vscode.commands.executeCommand<Summary | undefined>('embeddingLens.compareTokenizers');
    // Accept each quick pick's active item, as pressing Enter does.
    for (let step = 0; step < 2; step++) {
      await new Promise(r => setTimeout(r, 800));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    const summary = await running;
    assert.ok(summary, 'both picks accepted');
    assert.deepEqual([summary.a.choice, summary.b.choice], ['builtin:seed', 'tokenizer:o200k_base']);
    assert.deepEqual(summary.a.ids, [320, 1028, 5, 128, 1], 'the seed model\'s ids of the explainer');
    assert.deepEqual(summary.b.ids, await workerIds('o200k_base', 'White refrigerator is evil.'));
    await until('the panel to draw it', () => {
      const d = activePanel()?.drewCompare;
      return d && d.a === 5 && d.b === summary.b.count;
    }, 30_000);
  });

  it('with nothing selected and no panel text it says what to do, and compares nothing', async () => {
    const { activePanel } = await api();
    activePanel()?.dispose();
    const doc = await vscode.workspace.openTextDocument({ content: 'x' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const summary = await vscode.commands.executeCommand<Summary | undefined>('embeddingLens.compareTokenizers', { a: 'tokenizer:gpt2', b: 'tokenizer:o200k_base' });
    assert.equal(summary, undefined);
    assert.equal(activePanel(), undefined, 'no panel was opened for nothing');
  });
});
