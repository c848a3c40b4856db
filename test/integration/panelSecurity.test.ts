// The real panel's HTML (src/host/panel.ts panelHtml, as VS Code got it): a strict CSP, scripts
// only by nonce, no inline handlers, nothing from outside the extension. The webview tests run the
// built panel under a copy of this CSP (test/webview/harness.mjs); this checks the original.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EmbeddingLensApi } from '../../src/extension';

const EXTENSION_ID = 'embedding-lens.embedding-lens';

async function api(): Promise<EmbeddingLensApi> {
  const ext = vscode.extensions.getExtension<EmbeddingLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

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
