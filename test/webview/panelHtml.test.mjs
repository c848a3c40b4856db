// One source of the panel's HTML: the page these tests open is src/host/panelHtml.ts's, the one
// src/host/panel.ts gives VS Code, with only VS Code's own additions (default styles, the API's
// boot script) marked by the harness. Would catch: the harness serving its own copy of the page or
// the CSP again, the harness changing anything but its two marked lines, panel.ts building HTML of
// its own instead of calling panelHtml.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HARNESS_MARK, HARNESS_SOURCE, loadPanelHtml, repoRoot } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

test('the served page is panelHtml\'s, byte for byte, apart from the harness\'s two marked elements', async ({ open }) => {
  const panel = await open();
  const served = await (await fetch(panel.page.url())).text();
  const nonce = /'nonce-([^']+)'/.exec(served)?.[1];
  ok(nonce, 'the served page has a nonce in its CSP');
  // The harness's elements, each on its own line(s): <style …data-harness>…</style>, <script …data-harness></script>.
  const marked = new RegExp(`<(style|script)\\b[^>]*\\b${HARNESS_MARK}\\b[^>]*>[\\s\\S]*?</\\1>\\n`, 'g');
  eq((served.match(marked) ?? []).map(m => m.slice(1, 6)), ['style', 'scrip'], 'elements the harness added (default styles, boot script)');
  const { panelHtml } = await loadPanelHtml();
  const stripped = served.replace(marked, '');
  eq(stripped, panelHtml(HARNESS_SOURCE, nonce), 'the served page without the harness lines');
  // What the page really runs under: the CSP of panelHtml, as the browser read it.
  const csp = await panel.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  const pageNonce = /'nonce-([^']+)'/.exec(csp ?? '')?.[1] ?? '';
  const { panelCsp } = await loadPanelHtml();
  eq(csp, panelCsp(HARNESS_SOURCE.cspSource, pageNonce), 'the CSP in force (each load draws its own nonce)');
});

test('src/host/panel.ts takes its HTML from panelHtml.ts and writes none of its own', async () => {
  const src = readFileSync(path.join(repoRoot, 'src', 'host', 'panel.ts'), 'utf8');
  ok(/import \{[^}]*\bpanelHtml\b[^}]*\} from '\.\/panelHtml'/.test(src), 'panel.ts imports panelHtml from ./panelHtml');
  ok(/webview\.html = panelHtml\(/.test(src), 'panel.ts sets webview.html from panelHtml(...)');
  for (const s of ['<!DOCTYPE', 'Content-Security-Policy', '<script', "default-src"]) ok(!src.includes(s), `panel.ts holds no page of its own (found ${s})`);
});
