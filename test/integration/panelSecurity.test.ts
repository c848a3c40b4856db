// The real panel's HTML (src/host/panel.ts panelHtml, as VS Code got it): a strict CSP, scripts
// only by nonce, no inline handlers, nothing from outside the extension. The webview tests run the
// built panel under a copy of this CSP (test/webview/harness.mjs); this checks the original.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, seedPanelProbe, until } from './helpers';

describe('Panel security: the webview\'s HTML', function () {
  this.timeout(30_000);

  it('has a strict CSP: nothing by default, scripts only with this render\'s nonce, no inline handlers', async () => {
    const { activePanel } = await api();
    await vscode.commands.executeCommand('embeddingLens.openPanel');
    const panel = activePanel();
    assert.ok(panel, 'the panel is open');
    const html = panel.panel.webview.html;
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.ok(csp, `a CSP meta tag in: ${html.slice(0, 400)}`);
    const directives = new Map(csp.split(';').map(d => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    const scriptSrc = directives.get('script-src') ?? [];
    assert.equal(scriptSrc.length, 1, `script-src: ${scriptSrc.join(' ')}`);
    const nonce = /^'nonce-([A-Za-z0-9+/=]{16,})'$/.exec(scriptSrc[0] ?? '')?.[1];
    assert.ok(nonce, `script-src is one nonce: ${scriptSrc.join(' ')}`);
    // Every other source is VS Code's own resource origin (webview.cspSource), data: or blob:.
    const own = new Set(panel.panel.webview.cspSource.split(/\s+/));
    for (const [name, values] of directives) {
      if (name === 'default-src' || name === 'script-src') continue;
      for (const v of values) assert.ok(own.has(v) || v === 'data:' || v === 'blob:' || v === `'nonce-${nonce}'`, `${name} allows ${v} (cspSource: ${[...own].join(' ')})`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic/);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length >= 1, 'a script');
    for (const [, attrs, body] of scripts) {
      assert.match(attrs ?? '', new RegExp(`nonce="${nonce.replace(/[+/=]/g, c => `\\${c}`)}"`));
      assert.match(attrs ?? '', /\ssrc="/);
      assert.equal((body ?? '').trim(), '', 'no inline script body');
    }
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler attributes');
    assert.doesNotMatch(html, /\sstyle\s*=/i, 'no inline style attributes');
    // A fresh nonce per render: a new panel gets another one.
    panel.dispose();
    await vscode.commands.executeCommand('embeddingLens.openPanel');
    const again = activePanel()?.panel.webview.html ?? '';
    assert.ok(!again.includes(nonce), 'a new panel gets a new nonce');
  });
});

describe('Panel security: messages from the webview', function () {
  this.timeout(30_000);

  it('a message the host refuses is dropped and logged, a refused request is failed at once, a valid one is answered', async () => {
    const { panel, posted, deliver, restore } = await seedPanelProbe();
    const rows = panel.result!.result.model.embedding.rows;
    const model = (): unknown => vscode.workspace.getConfiguration('embeddingLens').get('model');
    try {
      // A path the options bar never offered: the settings stay as they are.
      assert.doesNotThrow(() => deliver({ type: 'setOptions', model: '/etc/passwd', options: { maxLength: 9 } }));
      await new Promise(r => setTimeout(r, 500));
      assert.equal(model(), 'builtin:seed');
      assert.notEqual(vscode.workspace.getConfiguration('embeddingLens').get('maxLength'), 9);
      // An id outside the table: a didFail for that request, straight away.
      const bad = 2 ** 30 + 7;
      deliver({ type: 'lookup', requestId: bad, ids: [rows + 5], k: 5 });
      const failed = posted.find(m => m.type === 'didFail' && m.requestId === bad);
      assert.ok(failed && failed.type === 'didFail', `a didFail for request ${bad}: ${JSON.stringify(posted.map(m => m.type))}`);
      assert.equal(failed.reason, 'invalidMessage');
      assert.match(failed.message, new RegExp(`lookup\\.ids\\[0\\]: expected a row of the ${rows}-row table, got ${rows + 5}`));
      // Junk never throws.
      for (const junk of [null, 42, 'ready', [], { type: 'runShell' }, { type: 'revealToken', start: -1, end: 1e12 }]) assert.doesNotThrow(() => deliver(junk));
      // A valid request still works.
      const good = 2 ** 30 + 8;
      deliver({ type: 'lookup', requestId: good, ids: [1], k: 3 });
      const answered = await until('the lookup\'s answer', () => posted.find(m => m.type === 'didLookup' && m.requestId === good));
      assert.equal(answered.type === 'didLookup' && answered.vectors.neighbours[0]?.length, 3);
    } finally {
      restore();
    }
  });

  it('revealToken selects a span only inside the document the result came from, as it is now', async () => {
    const { activePanel } = await api();
    // A fresh panel opens beside the editor, which stays visible.
    activePanel()?.dispose();
    const text = 'White refrigerator is evil.';
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `${text}\n` });
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    void editor;
    editor.selection = new vscode.Selection(0, 0, 0, text.length);
    await vscode.commands.executeCommand('embeddingLens.inspectSelection');
    const panel = await until('the result', () => activePanel()?.result?.source.uri === doc.uri.toString() && activePanel());
    const deliver = (m: unknown): void => (panel as unknown as { onRawMessage(m: unknown): void }).onRawMessage(m);
    const shown = (): vscode.TextEditor | undefined => vscode.window.visibleTextEditors.find(e => e.document === doc);
    deliver({ type: 'revealToken', start: 6, end: 18 });
    await until('the selection of "refrigerator"', () => shown() && doc.getText(shown()!.selection) === 'refrigerator');
    // The document shrinks under the result: a span past its end now is refused, the selection stays.
    const edit = new vscode.WorkspaceEdit();
    edit.delete(doc.uri, new vscode.Range(0, 5, 0, text.length));
    assert.ok(await vscode.workspace.applyEdit(edit));
    shown()!.selection = new vscode.Selection(0, 0, 0, 1);
    deliver({ type: 'revealToken', start: 19, end: 21 });
    await new Promise(r => setTimeout(r, 300));
    const sel = shown()!.selection;
    assert.deepEqual([sel.start.character, sel.end.character], [0, 1]);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
