// Workspace Trust: a folder nobody trusted cannot make Embedding Lens read files of its choosing.
// Runs in its own pass (node test/e2e/run-integration.mjs --trust, part of npm test): trust
// enabled, test/fixtures/untrusted-workspace opened and never trusted. Its settings name a model
// and a tokenizer by path (restrictedConfigurations in package.json); both must be ignored and the
// user told (the runner checks the notification in the workbench), while maxLength applies.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SEED, api } from './helpers';

/** The seed model's ids for SEED, padded with its pad id 0 to the folder's maxLength (12). */
const SEED_IDS_12 = [320, 1028, 5, 128, 1, 0, 0, 0, 0, 0, 0, 0];

describe('Workspace Trust: an untrusted folder cannot choose the model or tokenizer files', function () {
  this.timeout(60_000);

  before(function () {
    if (vscode.workspace.isTrusted) {
      const why = `the workspace (${vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? 'none'}) is trusted, so nothing here would be tested`;
      // The trust pass must never pass vacuously; the normal pass (trust disabled) skips, loudly.
      if (process.env.LENS_EXPECT_UNTRUSTED) throw new Error(`Workspace Trust suite: ${why}`);
      console.warn(`skipped: Workspace Trust suite: ${why}; it runs in \`node test/e2e/run-integration.mjs --trust\``);
      this.skip();
    }
  });

  it('the folder is the untrusted fixture, and its settings file is read (a setting naming no file applies)', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a folder is open');
    assert.equal(path.basename(folder.uri.fsPath), 'untrusted-workspace');
    const c = vscode.workspace.getConfiguration('embeddingLens');
    assert.equal(c.get('maxLength'), 12, 'embeddingLens.maxLength from the folder\'s .vscode/settings.json');
  });

  it('the model and tokenizer paths from the folder\'s settings are not what the extension uses', async () => {
    const c = vscode.workspace.getConfiguration('embeddingLens');
    assert.equal(c.get('model'), 'builtin:seed');
    assert.equal(c.get('tokenizer'), '');
    const { lens } = await api();
    assert.equal(lens.settings().model, 'builtin:seed');
  });

  it('Inspect Selection uses the seed model and its own tokenizer, not the folder\'s', async () => {
    const { activePanel } = await api();
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: SEED });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 0, SEED.length);
    const reply = await vscode.commands.executeCommand<{ ids: number[] }>('embeddingLens.inspectSelection');
    // The GRU fixture's vocabulary or BERT's WordPiece would give other ids.
    assert.deepEqual(reply?.ids, SEED_IDS_12);
    const shown = activePanel()?.result?.result;
    assert.ok(shown, 'the panel holds the result');
    assert.equal(shown.model.id, 'builtin:seed');
    assert.doesNotMatch(`${shown.model.tokenizer.source} ${shown.model.embedding.source}`, /gru_l1_f32_right_skip|bert-base-uncased/);
  });
});
