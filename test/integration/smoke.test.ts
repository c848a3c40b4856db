// The extension loads in a real VS Code: the one the integration tests run in (code-server
// 1.100.x offline, or a desktop VS Code through @vscode/test-electron).
import * as assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';

const EXTENSION_ID = 'embedding-lens.embedding-lens';

describe('smoke: the extension in a real extension host', () => {
  it('is installed as a development extension and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
    await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.name, 'embedding-lens');
  });

  it('runs on VS Code 1.100.x, the version engines.vscode targets', () => {
    assert.match(vscode.version, /^1\.100\.\d+/);
  });

  it('reports the host it runs in', () => {
    const { appName, uiKind, remoteName } = vscode.env;
    assert.equal(typeof appName, 'string');
    assert.ok(appName.length > 0, 'vscode.env.appName is empty');
    console.log(`host: ${appName} ${vscode.version}, ui ${vscode.UIKind[uiKind]}, remote ${remoteName ?? 'none'}, node ${process.version}`);
    // A workspace extension runs on node, where the encoder's worker_threads worker can start.
    assert.equal(typeof process.versions.node, 'string');
    assert.equal(typeof Worker, 'function');
  });

  it('opens the sample workspace', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.deepEqual(folders.map(f => f.name), ['workspace']);
  });
});
