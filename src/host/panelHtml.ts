// The panel's HTML, in one place: the extension (src/host/panel.ts) serves it to VS Code's
// webview, and the panel tests (test/webview/harness.mjs, bundled by esbuild) serve the very same
// page from loopback. No `vscode` here, so both can call it.
import { randomBytes } from 'node:crypto';

/** Where the page's files come from. */
export interface PanelHtmlSource {
  /** `webview.cspSource` in VS Code (`'self'` in the tests): the origin styles, fonts and images may come from. */
  readonly cspSource: string;
  /** The URL of a file of the extension, by its path segments (e.g. 'dist', 'webview', 'webview.js'). */
  asset(...path: string[]): string;
}

/** A fresh per-render nonce (18 random bytes, base64). */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** The page's Content-Security-Policy: nothing by default, scripts only by `nonce`. */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** The panel's HTML: strict CSP, scripts only by a per-render crypto nonce, no inline handlers. */
export function panelHtml(src: PanelHtmlSource, nonce: string = newNonce()): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${panelCsp(src.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${src.asset('dist', 'webview', 'codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${src.asset('dist', 'webview', 'webview.css')}">
<title>Embedding Lens</title>
</head>
<body>
<div id="app" role="application" aria-label="Embedding Lens inspector"></div>
<script nonce="${nonce}" src="${src.asset('dist', 'webview', 'webview.js')}"></script>
</body>
</html>`;
}
