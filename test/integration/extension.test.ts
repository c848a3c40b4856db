// Embedding Lens in a real VS Code extension host (code-server 4.100.3 = VS Code 1.100.3).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { SEED, api, until } from './helpers';

async function setModel(model: string): Promise<void> {
  await vscode.workspace.getConfiguration('embeddingLens').update('model', model, vscode.ConfigurationTarget.Global);
}

async function editorWith(content: string, language = 'plaintext'): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language, content });
  return vscode.window.showTextDocument(doc);
}

/**
 * Resolves with the panel's next `rendered` report (what the webview itself drew) after this
 * call, for the open panel or one that is about to open.
 */
async function nextRendered(): Promise<{ inputIds: readonly number[]; tokens: number }> {
  const { activePanel } = await api();
  const panel = activePanel();
  const before = panel?.renderCount ?? 0;
  return until('the panel to draw', () => {
    const p = activePanel();
    return p && (p !== panel || p.renderCount > before) && p.renderCount > (p === panel ? before : 0) && p.rendered;
  }, 30_000);
}

describe('Embedding Lens in VS Code', function () {
  this.timeout(60_000);

  before(async () => {
    await api();
    await setModel('builtin:seed');
  });

  afterEach(async () => {
    await setModel('builtin:seed');
  });

  it('registers every command', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['inspectSelection', 'openPanel', 'selectModel', 'toggleTokenBoundaries', 'showSeedExample', 'inspectToken']) {
      assert.ok(all.includes(`embeddingLens.${id}`), `embeddingLens.${id}`);
    }
  });

  // A selection gets no model max length (issue 10 item 6): the seed sentence's five ids, unpadded;
  // Show the Seed Example (below) still pads to the seed model's 8.
  it('Inspect Selection on the seed example opens the panel, which draws ids [320, 1028, 5, 128, 1]', async () => {
    const editor = await editorWith(`The explainer's sentence:\n${SEED}\n`);
    editor.selection = new vscode.Selection(1, 0, 1, SEED.length);
    const rendered = nextRendered();
    const reply = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.deepEqual(reply?.ids, [320, 1028, 5, 128, 1]);
    const drawn = await rendered;
    assert.deepEqual(drawn.inputIds, [320, 1028, 5, 128, 1]);
    assert.equal(drawn.tokens, 5);
    const tab = await until('the panel tab', () => vscode.window.tabGroups.all.flatMap(g => g.tabs).find(t => t.input instanceof vscode.TabInputWebview && t.label === 'Embedding Lens'));
    assert.ok((tab.input as vscode.TabInputWebview).viewType.endsWith('embeddingLens.panel'));
  });

  it('with no selection it inspects the current line', async () => {
    const editor = await editorWith(`first line\n${SEED}\n`);
    editor.selection = new vscode.Selection(1, 3, 1, 3);
    const reply = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.deepEqual(reply?.ids, [320, 1028, 5, 128, 1]);
  });

  it('the hover over "refrigerator" shows its id and vector (hover.mode always)', async () => {
    const { lens } = await api();
    const editor = await editorWith(SEED);
    // The default (whileInspecting) shows none with no panel open: hoverModes.test.ts tests the modes.
    const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('embeddingLens');
    await config().update('hover.mode', 'always', vscode.ConfigurationTarget.Global);
    try {
      await until('the hover registered', () => lens.hover.registered);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(0, 9));
      const text = hovers.flatMap(h => h.contents).map(c => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)).join('\n');
      assert.match(text, /token `refrigerator` → id \*\*1028\*\*/);
      assert.match(text, /\[3\.14, 2\.5, -0\.2, 0\.1, 1\.2\]/);
      assert.match(text, /norm /);
      assert.match(text, /Inspect in panel/);
    } finally {
      await config().update('hover.mode', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('the status bar counts the selection\'s tokens, else the document\'s', async () => {
    const { lens } = await api();
    lens.status.start(); // the count starts with the first use of Embedding Lens (earlier tests, when run with them)
    const editor = await editorWith(`${SEED} And more words here.`);
    let update = lens.status.nextUpdate();
    editor.selection = new vscode.Selection(0, 0, 0, SEED.length);
    await update;
    assert.deepEqual(lens.status.last && { count: lens.status.last.count, scope: lens.status.last.scope }, { count: 5, scope: 'selection' });
    update = lens.status.nextUpdate();
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await update;
    assert.deepEqual(lens.status.last && { count: lens.status.last.count, scope: lens.status.last.scope }, { count: 10, scope: 'document' });
  });

  it('switching models re-encodes with the new model', async () => {
    const editor = await editorWith('king queen');
    editor.selection = new vscode.Selection(0, 0, 0, 10);
    await setModel('builtin:glove-100d');
    const gloveDrawn = nextRendered();
    const reply = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.deepEqual(reply?.ids, [656, 1950]);
    assert.deepEqual((await gloveDrawn).inputIds, [656, 1950]);
    const rendered = nextRendered();
    await setModel('builtin:seed'); // the open panel re-encodes on its own
    const drawn = await rendered;
    assert.equal(drawn.inputIds.length, 2, 'the seed model\'s two ids of "king queen", unpadded');
  });

  it('a bad model path gives an error naming it, and the extension keeps working', async () => {
    const { lens } = await api();
    const editor = await editorWith(SEED);
    editor.selection = new vscode.Selection(0, 0, 0, SEED.length);
    await setModel('/no/such/model-folder');
    const before = lens.errors.history.length;
    const reply = await vscode.commands.executeCommand('embeddingLens.inspectSelection');
    assert.equal(reply, undefined);
    const shown = await until('an error message', () => lens.errors.history.length > before && lens.errors.history[lens.errors.history.length - 1]);
    assert.match(shown, /\/no\/such\/model-folder: no such file or folder/);
    await setModel('builtin:seed');
    const again = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.deepEqual(again?.ids, [320, 1028, 5, 128, 1]);
  });

  it('a killed worker is replaced: pending requests fail clearly and the next request works', async () => {
    const { lens } = await api();
    const starts = lens.worker.starts;
    const pending = lens.worker.request({ type: 'encode', ref: { model: 'builtin:glove-100d' }, text: 'the '.repeat(20_000), options: { random: { hiddenSize: 256 } }, keepGates: true });
    await lens.worker.terminate();
    await assert.rejects(pending, (e: Error & { reason?: string }) => e.reason === 'workerExit' && /worker stopped/.test(e.message));
    const editor = await editorWith(SEED);
    editor.selection = new vscode.Selection(0, 0, 0, SEED.length);
    const reply = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.deepEqual(reply?.ids, [320, 1028, 5, 128, 1]);
    assert.equal(lens.worker.starts, starts + 1);
  });

  it('Toggle Token Boundaries decorates the visible tokens', async () => {
    const { lens } = await api();
    const editor = await editorWith(SEED);
    const on = await vscode.commands.executeCommand<boolean>('embeddingLens.toggleTokenBoundaries');
    try {
      assert.equal(on, true);
      await until('decorations', () => lens.boundaries.decorated.get(editor.document.uri.toString()) === 5);
    } finally {
      if (on) await vscode.commands.executeCommand('embeddingLens.toggleTokenBoundaries');
    }
  });

  it('a reloaded panel says ready again and the host replays the last result', async () => {
    const { activePanel } = await api();
    const first = nextRendered();
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    await first; // the seed example is drawn before the reload
    const panel = await until('the panel', () => activePanel());
    panel.panel.reveal(undefined, false);
    const ready = panel.readyTimes;
    const rendered = nextRendered();
    await vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction');
    await until('the reloaded webview to say ready', () => panel.readyTimes > ready, 20_000);
    assert.deepEqual((await rendered).inputIds, [320, 1028, 5, 128, 1, 0, 0, 0]);
  });

  it('Show the Seed Example draws the explainer\'s ids', async () => {
    const rendered = nextRendered();
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    assert.deepEqual((await rendered).inputIds, [320, 1028, 5, 128, 1, 0, 0, 0]);
  });
});
