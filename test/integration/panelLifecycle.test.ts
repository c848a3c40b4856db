// The panel as a daily tool (issue 10 items 1, 3, 5, 6, 7) in a real VS Code: it opens beside the
// editor it inspects and never covers it; Show the Seed Example, the model picker and the options
// bar write no `.vscode/settings.json` into the user's project; a selection is not cut to the
// seed model's 8 ids; a big selection can be inspected in part; follow selection re-encodes the
// editor's selection and its edits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { InspectorPanel } from '../../src/host/panel';
import { SEED, api, until } from './helpers';

const SEED_IDS = [320, 1028, 5, 128, 1];
const MAX_SELECTION_CHARS = 200_000;

/** What the webview's postMessage would deliver (the panel's own listener: the host's checks run). */
function deliver(panel: InspectorPanel, m: unknown): void {
  (panel as unknown as { onRawMessage(m: unknown): void }).onRawMessage(m);
}

/** The fixture workspace's settings file: it must never appear (the user did not ask for it). */
function workspaceSettingsFile(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder && path.join(folder.uri.fsPath, '.vscode', 'settings.json');
}

function assertNoWorkspaceSettings(after: string): void {
  const file = workspaceSettingsFile();
  assert.ok(file, 'the tests run in the fixture workspace folder');
  assert.ok(!fs.existsSync(file), `${after} created ${file}`);
}

async function resetSettings(): Promise<void> {
  const c = vscode.workspace.getConfiguration('embeddingLens');
  await c.update('model', 'builtin:seed', vscode.ConfigurationTarget.Global);
  for (const key of ['maxLength', 'paddingSide']) await c.update(key, undefined, vscode.ConfigurationTarget.Global);
}

async function nextRendered(panel: InspectorPanel | undefined, what: string): Promise<{ inputIds: readonly number[]; tokens: number }> {
  const { activePanel } = await api();
  const before = panel?.renderCount ?? 0;
  return until(what, () => {
    const p = activePanel();
    return p && (p !== panel || p.renderCount > before) && p.rendered;
  }, 30_000);
}

describe('Panel lifecycle', function () {
  this.timeout(90_000);

  before(async () => {
    await api();
    await resetSettings();
  });

  afterEach(async () => {
    const { activePanel } = await api();
    const p = activePanel();
    if (p) p.follow = false;
    await resetSettings();
  });

  it('Inspect Selection moves the panel out of the editor\'s group: both stay visible', async () => {
    // Would catch: the panel revealed in its own group, covering the editor whose selection it shows.
    const { activePanel } = await api();
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    const panel = await until('the panel', () => activePanel());
    const panelColumn = await until('the panel\'s column', () => panel.column());
    const file = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'seed.txt'));
    const editor = await vscode.window.showTextDocument(file, { viewColumn: panelColumn });
    assert.equal(editor.viewColumn, panelColumn, 'the file opened in the panel\'s column');
    const line = editor.document.getText().split('\n').findIndex(l => l.includes(SEED));
    const col = editor.document.lineAt(Math.max(0, line)).text.indexOf(SEED);
    editor.selection = new vscode.Selection(Math.max(0, line), Math.max(0, col), Math.max(0, line), Math.max(0, col) + SEED.length);
    const reply = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.ok(reply, 'inspected');
    const moved = await until('the panel to leave the editor\'s group', () => panel.column() !== editor.viewColumn && panel.panel.visible && panel.column());
    assert.notEqual(moved, editor.viewColumn);
    assert.ok(panel.panel.visible, 'the panel is visible');
    assert.ok(vscode.window.visibleTextEditors.some(e => e.document.uri.toString() === file.toString() && e.viewColumn === editor.viewColumn), 'the source editor is visible in its column');
  });

  it('a selection is not cut to the seed model\'s max length 8; Show the Seed Example still pads to 8', async () => {
    // Would catch: the model's max_length applied to selections ("8 tokens, truncated"), or
    // the seed example losing the explainer's padded ids.
    const doc = await vscode.workspace.openTextDocument({ content: `${SEED} ${SEED}` });
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 0, 0, SEED.length * 2 + 1);
    const reply = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    assert.deepEqual(reply?.ids, [...SEED_IDS, ...SEED_IDS], 'all ten tokens, no padding');
    const { activePanel } = await api();
    const rendered = nextRendered(activePanel(), 'the seed example');
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    assert.deepEqual((await rendered).inputIds, [...SEED_IDS, 0, 0, 0]);
  });

  it('Show the Seed Example uses the seed model in its panel only and writes no setting', async () => {
    // Would catch: the seed example saving builtin:seed (dropping the user's model) or creating .vscode/settings.json.
    const c = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('embeddingLens');
    await c().update('model', 'builtin:glove-100d', vscode.ConfigurationTarget.Global);
    const { activePanel } = await api();
    const rendered = nextRendered(activePanel(), 'the seed example');
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    assert.deepEqual((await rendered).inputIds, [...SEED_IDS, 0, 0, 0]);
    assert.equal(c().get('model'), 'builtin:glove-100d', 'the user\'s model is kept');
    assertNoWorkspaceSettings('Show the Seed Example');
    // The options bar's max length, changed while the seed example is on show: this panel only.
    const panel = activePanel()!;
    const again = nextRendered(panel, 'the seed example with max length 6');
    deliver(panel, { type: 'setOptions', model: 'builtin:seed', options: { maxLength: 6 } });
    assert.deepEqual((await again).inputIds, [...SEED_IDS, 0]);
    assert.equal(c().inspect('maxLength')?.globalValue, undefined, 'no user setting written');
    assertNoWorkspaceSettings('max length changed on the seed example');
  });

  it('a model picked, and a max length changed in the panel, go to the user settings', async () => {
    // Would catch: the workspace target (a new .vscode/settings.json in the user's repository).
    const c = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('embeddingLens');
    const picked = await vscode.commands.executeCommand<string>('embeddingLens.selectModel', { model: 'builtin:glove-100d' });
    assert.equal(picked, 'builtin:glove-100d');
    assert.equal(c().inspect('model')?.globalValue, 'builtin:glove-100d', 'saved in the user settings');
    assertNoWorkspaceSettings('Select Model');
    const doc = await vscode.workspace.openTextDocument({ content: 'king queen' });
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 0, 0, 10);
    await vscode.commands.executeCommand('embeddingLens.inspectSelection');
    const { activePanel } = await api();
    const panel = activePanel()!;
    const rendered = nextRendered(panel, 'the re-encode with max length 4');
    deliver(panel, { type: 'setOptions', model: 'builtin:glove-100d', options: { maxLength: 4, paddingSide: 'right' } });
    assert.equal((await rendered).inputIds.length, 4);
    assert.equal(c().inspect('maxLength')?.globalValue, 4, 'max length saved in the user settings');
    assertNoWorkspaceSettings('the options bar');
  });

  it('the model picker (the real quick pick) saves the choice in the user settings', async () => {
    // Would catch: the picker's choice written to the workspace (.vscode/settings.json).
    const c = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('embeddingLens');
    const picked = vscode.commands.executeCommand<string>('embeddingLens.selectModel');
    // The current model (seed) is the active item; the next one is glove-100d. Enter takes it.
    await new Promise(r => setTimeout(r, 800));
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await new Promise(r => setTimeout(r, 200));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await picked, 'builtin:glove-100d');
    assert.equal(c().inspect('model')?.globalValue, 'builtin:glove-100d', 'saved in the user settings');
    assertNoWorkspaceSettings('the model picker');
  });

  it('a selection past the limit offers its first N characters, cut between code points, and the panel says so', async () => {
    // Would catch: a dead-end notification, a cut inside a surrogate pair, or a limit explained nowhere in the panel.
    const { lens, activePanel } = await api();
    const text = `${'a'.repeat(MAX_SELECTION_CHARS - 1)}\u{1F600}${' tail'.repeat(1000)}`;
    const doc = await vscode.workspace.openTextDocument({ content: text });
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(doc.positionAt(0), doc.positionAt(text.length));
    const logged = lens.logLines.length;
    const inspected = vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    await until('the warning', () => lens.logLines.slice(logged).some(l => /one inspection takes at most 200,000/.test(l)));
    // Its button, as a click would (the toast's primary action), until the command goes on.
    let settled = false;
    void Promise.resolve(inspected).finally(() => (settled = true));
    for (let i = 0; i < 50 && !settled; i++) {
      await vscode.commands.executeCommand('notification.acceptPrimaryAction');
      await new Promise(r => setTimeout(r, 200));
    }
    const reply = await inspected;
    assert.ok(reply, 'the first part was inspected');
    const panel = activePanel()!;
    const shown = panel.currentText!;
    assert.equal(shown.text.length, MAX_SELECTION_CHARS - 1, 'cut before the surrogate pair');
    assert.equal(shown.text, text.slice(0, MAX_SELECTION_CHARS - 1));
    assert.match(shown.source.note ?? '', /Showing the first 199,999 of the selection's 205,001 characters/);
  });

  it('follow selection re-encodes the editor\'s selection, then the text as it is edited', async () => {
    // Would catch: a toggle the host ignores, or edits of the shown text not reaching the panel.
    const { activePanel } = await api();
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    const panel = await until('the panel', () => activePanel());
    deliver(panel, { type: 'follow', on: true });
    assert.equal(panel.follow, true);
    const doc = await vscode.workspace.openTextDocument({ content: 'White refrigerator is evil.\nsecond line' });
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 6, 0, 18);
    await until('the selection in the panel', () => panel.currentText?.text === 'refrigerator' && panel.currentText.source.uri === doc.uri.toString());
    assert.equal(panel.panelOnly, undefined, 'following ends the seed example\'s panel-only model');
    await editor.edit(b => b.insert(new vscode.Position(0, 18), 's'));
    await until('the edited text in the panel', () => panel.currentText?.text === 'refrigerators');
    await editor.edit(b => b.insert(new vscode.Position(0, 0), 'A '));
    await until('the range to move with an edit before it', () => panel.currentText?.source.offset === 8);
    assert.equal(panel.currentText?.text, 'refrigerators');
    deliver(panel, { type: 'follow', on: false });
    editor.selection = new vscode.Selection(1, 0, 1, 6);
    await new Promise(r => setTimeout(r, 600));
    assert.equal(panel.currentText?.text, 'refrigerators', 'not followed once off');
  });

  it('typed text: a newer encode cancels the one before, and only the newer one is drawn', async () => {
    // Would catch: a host that lets every keystroke's encode run and post (the latest must win).
    const { lens, activePanel } = await api();
    await vscode.commands.executeCommand('embeddingLens.openPanel');
    const panel = await until('the panel', () => activePanel());
    const from = lens.worker.outcomeCount;
    const drawn = panel.renderCount;
    // The older encode runs until it is cancelled (the test hook's `busy`, like real long work
    // that reads the cancellation flag), so the test does not depend on how fast the machine is.
    lens.worker.injectFault('busy', 'encode');
    deliver(panel, { type: 'encode', text: 'word '.repeat(40_000) });
    await until('the older encode to start', () => lens.worker.pendingRequests().some(p => p.type === 'encode' && p.started));
    deliver(panel, { type: 'encode', text: 'evil' });
    await until('the newer text drawn', () => panel.currentText?.text === 'evil' && panel.renderCount > drawn && panel.rendered?.tokens === 1, 30_000);
    await until('both encodes settled', () => lens.worker.outcomesSince(from).filter(o => o.type === 'encode').length >= 2, 30_000);
    const outcomes = lens.worker.outcomesSince(from).filter(o => o.type === 'encode').map(o => o.outcome);
    assert.equal(outcomes[0], 'cancelled', `the older encode was cancelled (outcomes ${outcomes.join(', ')})`);
    await new Promise(r => setTimeout(r, 500));
    assert.equal(panel.renderCount, drawn + 1, 'one result drawn: the newer one');
  });

  it('Open Embedding Panel shows the panel and asks it to focus its text input', async () => {
    // Would catch: Open Embedding Panel only re-showing the last result.
    const { activePanel } = await api();
    await vscode.commands.executeCommand('embeddingLens.openPanel');
    const panel = await until('the panel', () => activePanel());
    const posted: string[] = [];
    const post = panel.post.bind(panel);
    panel.post = m => {
      posted.push(m.type);
      post(m);
    };
    try {
      await vscode.commands.executeCommand('embeddingLens.openPanel');
      assert.ok(posted.includes('focusText'), `posted ${posted.join(', ')}`);
    } finally {
      panel.post = post;
    }
  });
});
