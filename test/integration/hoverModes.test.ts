// The token hover's modes (issue 13) in a real extension host: when hovers show, that they ask
// the worker nothing when they do not, the old boolean setting's migration, and what startup
// costs with no panel open.
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hoverMode } from '../../src/host/config';
import { SEED, api, until } from './helpers';

const SECTION = 'embeddingLens';
type Mode = 'whileInspecting' | 'always' | 'withModifier' | 'never';

async function set(key: string, value: unknown, target = vscode.ConfigurationTarget.Global): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, target);
}

async function editorWith(content: string): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'plaintext', content }));
}

/** The text of every hover VS Code collects at `pos` (ours and any other provider's). */
async function hoverText(editor: vscode.TextEditor, pos: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
  return hovers.flatMap(h => h.contents).map(c => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)).join('\n');
}

/** The worker requests that ended since `count` (an earlier outcomeCount). */
async function requestsSince(count: number): Promise<string[]> {
  const { lens } = await api();
  return lens.worker.outcomesSince(count).map(o => o.type);
}

/** Sets the mode and waits until the provider's registration follows it. */
async function mode(m: Mode | undefined, registered?: boolean): Promise<void> {
  const { lens } = await api();
  await set('hover.mode', m);
  if (registered !== undefined) await until(`the hover ${registered ? '' : 'un'}registered for ${m}`, () => lens.hover.registered === registered);
}

/**
 * Asserts that the hover at `pos` has no Embedding Lens part and that the worker was asked
 * nothing for it (it would catch a provider that tokenizes before checking the mode).
 */
async function assertNoTokenHover(editor: vscode.TextEditor, pos: vscode.Position, what: string): Promise<void> {
  const { lens } = await api();
  // Earlier work (a panel re-encoding after a settings change) ends first: only this hover counts.
  await until('the worker to be idle', () => lens.worker.pendingRequests().length === 0);
  lens.tokens.clear(); // a cached region would hide a tokenize request
  const before = lens.worker.outcomeCount;
  const shown = lens.hover.shown;
  const text = await hoverText(editor, pos);
  assert.doesNotMatch(text, /Embedding Lens/, `${what}: no token hover`);
  assert.equal(lens.hover.shown, shown, `${what}: nothing answered`);
  assert.deepEqual(await requestsSince(before), [], `${what}: no worker request`);
}

async function assertTokenHover(editor: vscode.TextEditor, pos: vscode.Position, what: string): Promise<string> {
  const text = await hoverText(editor, pos);
  assert.match(text, /token `refrigerator` → id \*\*1028\*\*/, `${what}: the token hover`);
  return text;
}

describe('Token hover modes', function () {
  this.timeout(90_000);

  before(async () => {
    const { lens, activePanel } = await api();
    await lens.hoverMigrated;
    activePanel()?.dispose(); // an open panel (earlier suites) re-encodes on every settings change
    await set('model', 'builtin:seed');
    // The status bar's count asks the worker too: off, so "no request" means none at all.
    await set('statusBar.enabled', false);
    await set('tokenBoundaries.enabled', undefined);
  });

  afterEach(async () => {
    (await api()).activePanel()?.dispose();
    await set('hover.mode', undefined);
    await set('hover.enabled', undefined);
    await set('tokenBoundaries.enabled', undefined);
    await set('model', 'builtin:seed');
  });

  after(async () => {
    await set('statusBar.enabled', undefined);
  });

  it('never: the provider is not registered; no token hover and no worker request', async () => {
    const editor = await editorWith(SEED);
    await mode('never', false);
    await assertNoTokenHover(editor, new vscode.Position(0, 9), 'never');
  });

  it('always: the token hover on any text; compact: four lines, the vector folded after 8 values, neighbours on one line', async () => {
    const editor = await editorWith(SEED);
    await mode('always', true);
    const text = await assertTokenHover(editor, new vscode.Position(0, 9), 'always');
    assert.match(text, /\[3\.14, 2\.5, -0\.2, 0\.1, 1\.2\]/);
    // Catches a hover that grows back into paragraphs (blank lines) or more lines.
    const ours = text.slice(text.indexOf('**Embedding Lens**'));
    assert.ok(!ours.includes('\n\n'), `one paragraph: ${ours}`);
    assert.ok(ours.split('\n').length <= 4, `at most four lines: ${ours}`);
    // A 100-value vector: its first 8 values, then "… 100 values".
    await set('model', 'builtin:glove-100d');
    const king = await editorWith('the king spoke');
    const glove = await hoverText(king, new vscode.Position(0, 5));
    const vector = /`\[([^\]]*)\]`/.exec(glove);
    assert.ok(vector, glove);
    assert.match(vector[1]!, /, … 100 values$/);
    assert.equal(vector[1]!.replace(/, … 100 values$/, '').split(', ').length, 8, vector[1]);
    // Norm, chart and nearest tokens on one line, the neighbours folded into "+N" (k = 5).
    const near = glove.split('\n').filter(l => l.includes('nearest: '));
    assert.equal(near.length, 1, glove);
    assert.match(near[0]!, /^norm [\d.]+ `[▁-█]+` · nearest: .* \+[1-4] {0,2}$/, near[0]);
  });

  it('whileInspecting (the default): only while token boundaries are shown or a panel is open; no worker request otherwise', async () => {
    const { lens, activePanel } = await api();
    const editor = await editorWith(SEED);
    const at = new vscode.Position(0, 9);
    await mode(undefined, false);
    assert.equal(vscode.workspace.getConfiguration(SECTION).get('hover.mode'), 'whileInspecting');
    await assertNoTokenHover(editor, at, 'not inspecting');
    assert.equal(lens.hoverStatus.shown, undefined, 'the hover item is hidden while not inspecting');
    await set('tokenBoundaries.enabled', true);
    await until('registered with boundaries shown', () => lens.hover.registered);
    await assertTokenHover(editor, at, 'boundaries shown');
    assert.equal(lens.hoverStatus.shown, 'Hover: on while inspecting');
    await set('tokenBoundaries.enabled', undefined);
    await until('unregistered with boundaries hidden', () => !lens.hover.registered);
    await assertNoTokenHover(editor, at, 'boundaries hidden');
    await vscode.commands.executeCommand('embeddingLens.showSeedExample');
    await until('the panel', () => activePanel()?.result);
    assert.ok(lens.hover.registered, 'registered while the panel is open');
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    await assertTokenHover(editor, at, 'panel open');
    activePanel()?.dispose();
    await until('unregistered once the panel closed', () => !lens.hover.registered);
    await assertNoTokenHover(editor, at, 'panel closed');
  });

  it('withModifier: nothing on a plain hover; Show Token Hover (the keyboard) shows it at the cursor until the cursor moves', async () => {
    const { lens } = await api();
    const editor = await editorWith(SEED);
    const at = new vscode.Position(0, 9);
    await mode('withModifier', true);
    await assertNoTokenHover(editor, at, 'a plain hover');
    editor.selection = new vscode.Selection(at, at);
    assert.equal(await vscode.commands.executeCommand('embeddingLens.showTokenHover'), true);
    await assertTokenHover(editor, at, 'asked for at the cursor');
    await assertNoTokenHover(editor, new vscode.Position(0, 1), 'elsewhere while asked for at the cursor');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await until('the request to end when the cursor moves', () => !(lens.hover as unknown as { armed?: unknown }).armed);
    await assertNoTokenHover(editor, at, 'after the cursor moved');
    // The keybinding: Ctrl+K Ctrl+I runs Show Token Hover in this mode only.
    const pkg = vscode.extensions.getExtension('embedding-lens.embedding-lens')!.packageJSON as { contributes: { keybindings: { command: string; key: string; when: string }[] } };
    const kb = pkg.contributes.keybindings.find(k => k.command === 'embeddingLens.showTokenHover');
    assert.deepEqual(kb && { key: kb.key, when: kb.when }, { key: 'ctrl+k ctrl+i', when: "editorTextFocus && config.embeddingLens.hover.mode == 'withModifier'" });
  });

  it('Show Token Hover works in every mode, even never (an explicit request)', async () => {
    const editor = await editorWith(SEED);
    const at = new vscode.Position(0, 9);
    await mode('never', false);
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('embeddingLens.showTokenHover');
    await assertTokenHover(editor, at, 'asked for in never');
  });

  it('Toggle Token Hover sets the mode (in the user settings) and the status item says it', async () => {
    const { lens } = await api();
    await editorWith(SEED);
    assert.equal(await vscode.commands.executeCommand('embeddingLens.toggleTokenHover', 'always'), 'always');
    assert.equal(vscode.workspace.getConfiguration(SECTION).inspect('hover.mode')?.globalValue, 'always');
    assert.ok(lens.hover.registered);
    assert.equal(lens.hoverStatus.shown, 'Hover: on', 'shown while every hover gets one');
    assert.equal(await vscode.commands.executeCommand('embeddingLens.toggleTokenHover', 'never'), 'never');
    assert.equal(lens.hover.registered, false);
    assert.equal(lens.hoverStatus.shown, undefined);
    const all = await vscode.commands.getCommands(true);
    for (const id of ['toggleTokenHover', 'showTokenHover', 'countTokens']) assert.ok(all.includes(`embeddingLens.${id}`), id);
  });

  it('the old hover.enabled: false means never before the migration; the migration writes hover.mode: never there and removes the old key', async () => {
    const { lens } = await api();
    const editor = await editorWith(SEED);
    await set('hover.mode', undefined);
    await set('hover.enabled', false);
    await until('unregistered for hover.enabled false', () => !lens.hover.registered);
    await set('tokenBoundaries.enabled', true); // whileInspecting would show it: false must win
    await new Promise(r => setTimeout(r, 300));
    assert.equal(lens.hover.registered, false, 'hover.enabled false is never');
    await assertNoTokenHover(editor, new vscode.Position(0, 9), 'hover.enabled false');
    await lens.migrateHoverSetting();
    const c = vscode.workspace.getConfiguration(SECTION);
    assert.equal(c.inspect('hover.mode')?.globalValue, 'never');
    assert.equal(c.inspect('hover.enabled')?.globalValue, undefined, 'the old key is removed');
  });

  it('the migration: true leaves the mode alone (default, or what the user set); false does not override a mode set at that level', async () => {
    const { lens } = await api();
    const c = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration(SECTION);
    await set('hover.mode', undefined);
    await set('hover.enabled', true);
    await lens.migrateHoverSetting();
    assert.deepEqual([c().inspect('hover.mode')?.globalValue, c().inspect('hover.enabled')?.globalValue, c().get('hover.mode')], [undefined, undefined, 'whileInspecting']);
    await set('hover.mode', 'always');
    await set('hover.enabled', false);
    await lens.migrateHoverSetting();
    assert.deepEqual([c().inspect('hover.mode')?.globalValue, c().inspect('hover.enabled')?.globalValue], ['always', undefined]);
  });

  it('before any migration, the old key is read level by level: a workspace true lifts a user false; a workspace false beats a user mode', async function () {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) this.skip();
    const dir = path.join(folder.uri.fsPath, '.vscode');
    const had = existsSync(dir);
    const mode = (): string => hoverMode(vscode.workspace.getConfiguration(SECTION));
    try {
      await set('hover.enabled', false);
      assert.equal(mode(), 'never');
      await set('hover.enabled', true, vscode.ConfigurationTarget.Workspace);
      assert.equal(mode(), 'whileInspecting', 'true in the workspace: not never');
      await set('hover.enabled', undefined);
      await set('hover.mode', 'always');
      assert.equal(mode(), 'always', 'true leaves the user\'s mode');
      await set('hover.enabled', false, vscode.ConfigurationTarget.Workspace);
      assert.equal(mode(), 'never', 'the workspace\'s false is more specific than the user\'s mode');
    } finally {
      await set('hover.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      if (!had) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the migration of a workspace setting writes the mode in the workspace settings', async function () {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) this.skip();
    const { lens } = await api();
    const dir = path.join(folder.uri.fsPath, '.vscode');
    const had = existsSync(dir);
    try {
      await set('hover.enabled', false, vscode.ConfigurationTarget.Workspace);
      await lens.migrateHoverSetting();
      const c = vscode.workspace.getConfiguration(SECTION);
      assert.equal(c.inspect('hover.mode')?.workspaceValue, 'never');
      assert.equal(c.inspect('hover.mode')?.globalValue, undefined, 'not in the user settings');
      assert.equal(c.inspect('hover.enabled')?.workspaceValue, undefined);
    } finally {
      await set('hover.mode', undefined, vscode.ConfigurationTarget.Workspace);
      await set('hover.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      if (!had) rmSync(dir, { recursive: true, force: true });
    }
  });
});

// What startup costs with no panel open. Meaningful only as the first suite to run (a fresh
// extension host): `MOCHA_GREP='Startup cost' node test/e2e/run-integration.mjs`; after other
// suites it skips. LENS_MEASURE_MODEL sets the model first (e.g. builtin:glove-100d).
describe('Startup cost', function () {
  this.timeout(60_000);

  it('opening a file loads no model (the status bar counts only once Embedding Lens is used); Count Tokens starts it', async function () {
    const { lens, activationMs } = await api();
    if (lens.worker.starts > 0 || lens.worker.outcomeCount > 0) this.skip();
    if (process.env.LENS_MEASURE_MODEL) await set('model', process.env.LENS_MEASURE_MODEL);
    const m0 = process.memoryUsage();
    let update = lens.status.nextUpdate();
    const editor = await editorWith('White refrigerator is evil.\n'.repeat(50));
    await update;
    // The same wait as the measurement before the change (a count would have ended by then).
    await new Promise(r => setTimeout(r, 4000));
    const m = process.memoryUsage();
    const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
    console.log(`STARTUP-COST activationMs=${activationMs.toFixed(1)} workerStarts=${lens.worker.starts} requests=${lens.worker.outcomeCount} rssMB ${mb(m0.rss)} -> ${mb(m.rss)} heapUsedMB ${mb(m0.heapUsed)} -> ${mb(m.heapUsed)}`);
    // Catches the status bar (or anything else) loading the model at startup.
    assert.equal(lens.worker.starts, 0, 'no worker started');
    assert.equal(lens.status.counting, false);
    update = lens.status.nextUpdate();
    await vscode.commands.executeCommand('embeddingLens.countTokens');
    await update;
    await until('the count', () => (lens.status.last?.count ?? 0) > 0);
    assert.equal(lens.status.counting, true);
    assert.equal(lens.status.last?.scope, 'document', editor.document.uri.toString());
  });
});
