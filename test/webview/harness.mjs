// The built panel (dist/webview) in a real Chromium with a fake VS Code API, fed REAL results.
//
// - Core: our worker bundle (dist/worker.js) in a worker thread, asked exactly as the host asks
//   it, so every number the panel shows in a test comes from the core, never from a fixture typed
//   in by hand.
// - Server: a loopback HTTP server for dist/webview and the page of src/host/panelHtml.ts (the
//   function the extension serves, bundled here), plus VS Code's own default webview stylesheet
//   and a boot script that defines acquireVsCodeApi first, as VS Code does.
// - Themes: the --vscode-* variables, body classes and data attributes VS Code 1.100 gives a
//   webview, captured from code-server by capture-themes.mjs (themes/*.json).
// - PanelPage: opens the panel, sends ToPanel messages (ArrayBuffers rebuilt in the page),
//   records every FromPanel message (window.__posted in the page, .posted here), answers requests
//   through responders, keeps getState/setState in memory, reloads with a saved state.
//
// Builds nothing: `npm run build` first.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { launchChromium } from '../e2e/chromium.mjs';
import { onCleanup } from '../e2e/cleanup.mjs';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built panel. */
export const webviewDist = path.join(repoRoot, 'dist', 'webview');
/** Theme fixtures captured from VS Code (capture-themes.mjs). */
export const themesDir = path.join(repoRoot, 'test', 'webview', 'themes');
/** Screenshots of the webview tests (gitignored). */
export const outputDir = path.join(repoRoot, 'test-output', 'webview');
/** The README's screenshots. */
export const docsScreenshots = path.join(repoRoot, 'docs', 'screenshots');
/** The seed sentence of the explainer. */
export const SEED = 'White refrigerator is evil.';
/** The four captured themes, in the order the tests go through them. */
export const THEME_NAMES = ['dark-modern', 'light-modern', 'dark-high-contrast', 'light-high-contrast'];

/**
 * @typedef {{ name: string, theme: string, bodyClasses: string[], bodyData: Record<string, string>,
 *   variables: Record<string, string>, defaultStyles: string }} ThemeFixture
 * @typedef {import('../../src/shared/workerProtocol.js').EncodeReply} EncodeReply
 * @typedef {import('../../src/shared/workerProtocol.js').WorkerRequest} WorkerRequest
 * @typedef {import('../../src/shared/workerProtocol.js').PipelineOptionsWire} PipelineOptionsWire
 * @typedef {import('../../src/shared/workerProtocol.js').ModelRef} ModelRef
 * @typedef {import('../../src/shared/panelProtocol.js').ToPanel} ToPanel
 * @typedef {import('../../src/shared/panelProtocol.js').FromPanel} FromPanel
 * @typedef {import('../../src/shared/panelProtocol.js').PanelState} PanelState
 * @typedef {import('../../src/shared/panelProtocol.js').TextSource} TextSource
 */

/** @type {Map<string, ThemeFixture>} */
const themeCache = new Map();

/** A captured theme by name (dark-modern, light-modern, dark-high-contrast, light-high-contrast). @param {string} name */
export function loadTheme(name) {
  let t = themeCache.get(name);
  if (!t) {
    const file = path.join(themesDir, `${name}.json`);
    if (!existsSync(file)) throw new Error(`no theme fixture ${file}: run \`node test/webview/capture-themes.mjs\``);
    t = /** @type {ThemeFixture} */ (JSON.parse(readFileSync(file, 'utf8')));
    themeCache.set(name, t);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// The core, as the host uses it: dist/worker.js in a worker thread.

/** Our core in a worker thread (the extension's own worker bundle), asked as the host asks it. */
export class Core {
  constructor() {
    const file = path.join(repoRoot, 'dist', 'worker.js');
    if (!existsSync(file)) throw new Error(`${file} not found: run \`npm run build\` first`);
    this.worker = new Worker(file, { workerData: { assetsDir: path.join(repoRoot, 'assets') } });
    this.nextId = 1;
    /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
    this.pending = new Map();
    this.worker.on('message', (/** @type {import('../../src/shared/workerProtocol.js').FromWorker} */ m) => {
      // Only replies settle a request ('ready', 'started', 'pong' are for the extension's watchdog).
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'result') p.resolve(m.result);
      else p.reject(Object.assign(new Error(`${m.error.reason}: ${m.error.message}`), { reason: m.error.reason }));
    });
    this.worker.on('error', err => { for (const p of this.pending.values()) p.reject(err); this.pending.clear(); });
    this.worker.on('exit', code => { for (const p of this.pending.values()) p.reject(new Error(`the worker exited (${code})`)); this.pending.clear(); });
    this.close = onCleanup('core worker', async () => { await this.worker.terminate(); });
  }

  /**
   * One worker request, e.g. { type: 'encode', ref, text, options, keepGates }.
   * @template {WorkerRequest['type']} K
   * @param {Extract<WorkerRequest, { type: K }>} request
   * @returns {Promise<import('../../src/shared/workerProtocol.js').WorkerReplies[K]>}
   */
  request(request) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'request', id, request, cancel: null });
    });
  }

  /**
   * Encodes a text as the panel's host does (keepGates: true).
   * @param {string} text
   * @param {{ ref?: ModelRef, options?: PipelineOptionsWire }} [o] default: builtin:seed, the model's defaults
   * @returns {Promise<EncodeReply>}
   */
  encode(text, o = {}) {
    return this.request({ type: 'encode', ref: o.ref ?? { model: 'builtin:seed' }, text, options: o.options ?? {}, keepGates: true });
  }
}

// ---------------------------------------------------------------------------------------------
// ArrayBuffers across page.evaluate: { __lensBuffer: base64 } on the wire, rebuilt on each side.

/**
 * Replaces every ArrayBuffer (and typed array / Buffer) in a message with { __lensBuffer: base64 }.
 * @param {unknown} v
 * @returns {unknown}
 */
export function toWire(v) {
  if (v instanceof ArrayBuffer) return { __lensBuffer: Buffer.from(v).toString('base64') };
  if (ArrayBuffer.isView(v)) return { __lensBuffer: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}

/**
 * The inverse of toWire, in node: { __lensBuffer } becomes an ArrayBuffer.
 * @param {unknown} v
 * @returns {any}
 */
export function fromWire(v) {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === 'object') {
    const o = /** @type {Record<string, unknown>} */ (v);
    if (typeof o.__lensBuffer === 'string') {
      const b = Buffer.from(o.__lensBuffer, 'base64');
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// The host's check of the panel's messages (src/shared/panelMessages.ts, bundled in memory): every
// message the real panel posts in a test must be one the real host would accept.

/** @type {Promise<typeof import('../../src/shared/panelMessages.js').checkPanelMessage> | undefined} */
let hostCheck;

/** The host's message check, built once per run. */
function loadHostCheck() {
  hostCheck ??= build({ entryPoints: [path.join(repoRoot, 'src', 'shared', 'panelMessages.ts')], bundle: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'silent' })
    .then(out => import(`data:text/javascript;base64,${Buffer.from(/** @type {import('esbuild').OutputFile} */ (out.outputFiles[0]).text).toString('base64')}`))
    .then(m => m.checkPanelMessage);
  return hostCheck;
}

// ---------------------------------------------------------------------------------------------
// The page: served from loopback, built like panelHtml.

/** What the boot script of one page load needs. @typedef {{ theme: ThemeFixture, state: PanelState | undefined }} Session */

/** @type {Map<string, Session>} */
const sessions = new Map();
/** @type {Promise<string> | undefined} */
let serverUrl;

const TYPES = /** @type {Record<string, string>} */ ({ '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html', '.map': 'application/json' });

/** Starts (once) the loopback server; resolves to its base URL. */
export function startServer() {
  serverUrl ??= new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (/** @type {number} */ code, /** @type {string} */ type, /** @type {string | Buffer} */ body) => {
        res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      const session = sessions.get(url.searchParams.get('s') ?? '');
      if (url.pathname === '/panel.html' && session) {
        panelPage(session, url.searchParams.get('s') ?? '').then(html => send(200, 'text/html; charset=utf-8', html), (/** @type {Error} */ e) => send(500, 'text/plain', e.message));
        return;
      }
      if (url.pathname === '/harness/boot.js' && session) return send(200, 'text/javascript', bootScript(session));
      if (url.pathname.startsWith('/dist/webview/')) {
        const file = path.join(webviewDist, path.basename(url.pathname));
        if (existsSync(file)) return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', readFileSync(file));
      }
      send(404, 'text/plain', 'not found');
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve(`http://127.0.0.1:${addr.port}`);
    });
    onCleanup('webview test server', () => new Promise(r => { server.closeAllConnections(); server.close(() => r(undefined)); }));
  });
  return serverUrl;
}

// ---------------------------------------------------------------------------------------------
// The page's HTML: src/host/panelHtml.ts itself (what the extension serves), bundled in memory.

/** @type {Promise<typeof import('../../src/host/panelHtml.js')> | undefined} */
let panelHtmlModule;

/** The extension's own panelHtml module (src/host/panelHtml.ts), built once per run. */
export function loadPanelHtml() {
  panelHtmlModule ??= build({ entryPoints: [path.join(repoRoot, 'src', 'host', 'panelHtml.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent' })
    .then(out => import(`data:text/javascript;base64,${Buffer.from(/** @type {import('esbuild').OutputFile} */ (out.outputFiles[0]).text).toString('base64')}`));
  return panelHtmlModule;
}

/** Where the harness serves the extension's files from: cspSource and asset() for panelHtml. */
export const HARNESS_SOURCE = { cspSource: "'self'", asset: (/** @type {string[]} */ ...p) => `/${p.join('/')}` };

/** Marks the lines the harness adds to panelHtml's page (the panelHtml test strips them). */
export const HARNESS_MARK = 'data-harness';

/**
 * The page as src/host/panelHtml.ts writes it, plus what VS Code adds around a webview's page:
 * its default webview styles first in <head>, and (standing in for VS Code's own preload) the
 * boot script (the fake API and the theme) first in <body>. Nothing else changes.
 * @param {Session} session
 * @param {string} id
 */
async function panelPage(session, id) {
  const { panelHtml } = await loadPanelHtml();
  const html = panelHtml(HARNESS_SOURCE);
  const nonce = /'nonce-([^']+)'/.exec(html)?.[1];
  if (!nonce || !html.includes('<head>\n') || !html.includes('<body>\n')) throw new Error('panelHtml changed shape: the harness finds no nonce, <head> or <body> to add to');
  const styles = `<style nonce="${nonce}" id="_defaultStyles" ${HARNESS_MARK}>${session.theme.defaultStyles.replace(/<\//g, '<\\/')}</style>\n`;
  const boot = `<script nonce="${nonce}" src="/harness/boot.js?s=${encodeURIComponent(id)}" ${HARNESS_MARK}></script>\n`;
  return html.replace('<head>\n', `<head>\n${styles}`).replace('<body>\n', `<body>\n${boot}`);
}

/** Runs in the page before webview.js (the config is JSON, spliced in as data). @param {Session} session */
function bootScript(session) {
  return `(${pageBoot.toString()})(${JSON.stringify({ theme: session.theme, state: session.state ?? null })});`;
}

/**
 * The page side: theme, fake acquireVsCodeApi, and the message plumbing. Runs in Chromium.
 * @param {{ theme: ThemeFixture, state: PanelState | null }} config
 */
function pageBoot(config) {
  const w = /** @type {any} */ (window);
  /** @param {ThemeFixture} t */
  const applyTheme = t => {
    const root = document.documentElement;
    for (const p of Array.from(root.style)) if (p.startsWith('--')) root.style.removeProperty(p);
    for (const [k, v] of Object.entries(t.variables)) root.style.setProperty(k, v);
    const body = document.body;
    for (const c of ['vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light']) body.classList.remove(c);
    for (const c of t.bodyClasses) body.classList.add(c);
    for (const [k, v] of Object.entries(t.bodyData)) body.setAttribute(k, v);
  };
  /** @param {unknown} v @returns {any} */
  const toWire = v => {
    if (v instanceof ArrayBuffer) {
      const bytes = new Uint8Array(v);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, /** @type {any} */ (bytes.subarray(i, i + 0x8000)));
      return { __lensBuffer: btoa(s) };
    }
    if (ArrayBuffer.isView(v)) return toWire(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    if (Array.isArray(v)) return v.map(toWire);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
    return v;
  };
  /** @param {unknown} v @returns {any} */
  const fromWire = v => {
    if (Array.isArray(v)) return v.map(fromWire);
    if (v && typeof v === 'object') {
      const o = /** @type {Record<string, unknown>} */ (v);
      if (typeof o.__lensBuffer === 'string') {
        const s = atob(o.__lensBuffer);
        const bytes = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
        return bytes.buffer;
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromWire(x)]));
    }
    return v;
  };
  applyTheme(config.theme);
  /** Every message the panel posted, as it arrived (structured clones, like VS Code's). */
  w.__posted = [];
  /** Every state the panel saved, in order. */
  w.__stateLog = [];
  let state = config.state ?? undefined;
  let acquired = false;
  w.acquireVsCodeApi = () => {
    // VS Code allows one acquisition per page: a second call is a bug in the panel.
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      /** @param {unknown} message @param {Transferable[]} [transfer] */
      postMessage(message, transfer) {
        // VS Code structured-clones (and transfers): a non-cloneable message fails here too.
        const copy = structuredClone(message, { transfer: transfer ?? [] });
        w.__posted.push(copy);
        // In-page listeners (benchmarks time `rendered` without a round trip to node).
        w.__lensOnPost?.(copy);
        w.__lensForward?.(toWire(copy));
      },
      getState: () => state,
      /** @param {PanelState} s */
      setState(s) {
        state = structuredClone(s);
        w.__stateLog.push(state);
        return s;
      },
    });
  };
  w.__lensState = () => state;
  w.__lensApplyTheme = applyTheme;
  w.__lensToWire = toWire;
  /** Delivers a host message as VS Code does: a window message event (the last one is kept for benchmarks). @param {unknown} wire */
  w.__lensDeliver = wire => {
    w.__lensLastDelivered = fromWire(wire);
    window.postMessage(w.__lensLastDelivered, '*');
  };
}

// ---------------------------------------------------------------------------------------------

/** Launches Chromium for the webview tests (profile in a temp dir, removed on close). @param {string} [label] */
export function launchBrowser(label = 'webview') {
  return launchChromium({ label });
}

/**
 * A responder: answers one kind of panel request; return a ToPanel message (or several, or none).
 * @typedef {(message: any, page: PanelPage) => ToPanel | ToPanel[] | undefined | void | Promise<ToPanel | ToPanel[] | undefined | void>} Responder
 */

/** The panel in a Chromium page, driven like the host drives it. */
export class PanelPage {
  /**
   * @param {import('playwright-core').Page} page
   * @param {string} session
   */
  constructor(page, session) {
    this.page = page;
    this.session = session;
    /** FromPanel messages the panel posted since it was opened (across reloads), ArrayBuffers as ArrayBuffers. @type {any[]} */
    this.posted = [];
    /** @type {Map<string, Responder>} */
    this.responders = new Map();
    /** @type {Set<(m: any) => void>} */
    this.waiters = new Set();
    /** Page errors and CSP violations: a test fails on any. @type {string[]} */
    this.errors = [];
    this.nextRequestId = 1;
    /** The last didEncode sent (what the host would replay on `ready`). @type {Extract<ToPanel, { type: 'didEncode' }> | undefined} */
    this.last = undefined;
    /** The tokens on show: the last didTokens' or didEncode's (what the host checks spans against). @type {{ text: string, model: { embedding: { rows: number } } } | undefined} */
    this.shownTokens = undefined;
    /** The last settings sent (the models the options bar may pick). @type {import('../../src/shared/panelProtocol.js').PanelSettings | undefined} */
    this.settings = undefined;
  }

  /**
   * Opens the panel in a new page and waits for its `ready`.
   * @param {import('playwright-core').Browser} browser
   * @param {{ theme?: string, state?: PanelState, viewport?: { width: number, height: number }, deviceScaleFactor?: number }} [o]
   */
  static async open(browser, o = {}) {
    const base = await startServer();
    const id = randomBytes(8).toString('hex');
    sessions.set(id, { theme: loadTheme(o.theme ?? 'dark-modern'), state: o.state });
    const context = await browser.newContext({ viewport: o.viewport ?? { width: 1100, height: 800 }, deviceScaleFactor: o.deviceScaleFactor ?? 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const panel = new PanelPage(page, id);
    await page.exposeBinding('__lensForward', (_source, /** @type {unknown} */ wire) => panel.onPosted(fromWire(wire)));
    page.on('pageerror', err => panel.errors.push(`pageerror: ${err.message}`));
    page.on('console', m => {
      // A failed load is reported with its URL below.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) panel.errors.push(`console.error: ${m.text()}`);
    });
    page.on('response', r => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) panel.errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('requestfailed', r => panel.errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    await panel.load(`${base}/panel.html?s=${id}`);
    return panel;
  }

  /** @param {string} url */
  async load(url) {
    const ready = this.waitFor('ready');
    await this.page.goto(url);
    await ready;
  }

  /** @param {any} m */
  async onPosted(m) {
    this.posted.push(m);
    // As src/host/panel.ts does: the message is checked against the result on show and the
    // models offered; one the host would refuse fails the test (assertNoErrors).
    const check = await loadHostCheck();
    const r = this.last?.result;
    // Spans and ids refer to the tokens on show, which a didTokens may have put ahead of the result.
    const t = this.shownTokens ?? r;
    const verdict = check(m, {
      result: r && t && { textLength: t.text.length, rows: t.model.embedding.rows, layers: r.encoder.numLayers, directions: r.encoder.bidirectional ? 2 : 1 },
      models: () => (this.settings?.models ?? []).map(x => x.value),
    });
    if (!verdict.ok) this.errors.push(`the host would refuse the panel's message: ${verdict.why}`);
    for (const w of [...this.waiters]) w(m);
    const responder = this.responders.get(m.type);
    if (!responder) return;
    /** @type {ToPanel | ToPanel[] | undefined | void} */
    let out;
    try {
      out = await responder(m, this);
    } catch (e) {
      // As the host does: a failed request gets didFail with its id.
      const err = /** @type {{ message?: string, reason?: string }} */ (e);
      out = { type: 'didFail', requestId: m.requestId ?? 0, message: err.message ?? String(e), reason: err.reason ?? 'internal' };
    }
    for (const r of Array.isArray(out) ? out : out ? [out] : []) await this.send(r).catch(() => {});
  }

  /**
   * Answers the panel's requests as src/host (lens.ts, panel.ts) does, through the core: replays
   * the last result on `ready`, encodes typed text, re-encodes on setOptions, answers lookup,
   * explain and project; an export is answered with didExport and a made-up path (nothing is
   * written) after the worker built the files (so a broken export still fails).
   * @param {Core} core
   * @param {{ ref?: ModelRef, options?: PipelineOptionsWire, settings?: import('../../src/shared/panelProtocol.js').PanelSettings }} [o]
   */
  serveAsHost(core, o = {}) {
    let ref = o.ref ?? { model: 'builtin:seed' };
    let options = o.options ?? {};
    let nextHostId = 1_000_000;
    const source = { uri: null, label: 'typed text', offset: 0 };
    /** @param {string} text @returns {Promise<ToPanel[]>} */
    const encode = async text => {
      const requestId = nextHostId++;
      const result = await core.encode(text, { ref, options });
      return [{ type: 'didEncode', requestId, result, source }];
    };
    this.respond('ready', () => {
      /** @type {ToPanel[]} */
      const out = [];
      if (o.settings) out.push({ type: 'didChangeSettings', settings: o.settings });
      if (this.last) out.push(this.last);
      return out;
    });
    this.respond('encode', m => encode(m.text));
    this.respond('setOptions', m => {
      if (m.model) ref = { ...ref, model: m.model };
      options = { ...options, ...m.options };
      return this.last ? encode(this.last.result.text) : undefined;
    });
    this.respond('lookup', async m => ({ type: 'didLookup', requestId: m.requestId, ids: m.ids, vectors: await core.request({ type: 'vectors', ref, ids: m.ids, k: m.k }) }));
    this.respond('explain', async m => {
      if (!this.last) return undefined;
      return { type: 'didExplain', requestId: m.requestId, replay: await core.request({ type: 'explain', ref, text: this.last.result.text, start: m.start, end: m.end }) };
    });
    this.respond('project', async m => {
      const r = this.last?.result;
      if (!r) return undefined;
      let matrix = r.embeddings;
      if (m.what === 'hidden') {
        const trace = r.rnn.traces[m.layer * (r.encoder.bidirectional ? 2 : 1) + m.direction];
        if (!trace) return undefined;
        matrix = trace.h;
      }
      const copy = { rows: matrix.rows, cols: matrix.cols, data: matrix.data.slice(0) };
      const projection = await core.request({ type: 'project', ref, matrix: copy, vocabSample: m.what === 'embeddings' ? m.vocabSample : 0 });
      return { type: 'didProject', requestId: m.requestId, what: m.what, projection };
    });
    this.respond('export', async m => {
      const r = this.last?.result;
      if (!r) throw new Error('nothing to export yet: inspect some text first');
      if (m.format === 'png') {
        if (!(m.png instanceof ArrayBuffer)) throw new Error('the panel sent no image to export');
      } else {
        const reply = await core.request({ type: 'export', result: structuredClone(r), format: m.format });
        if (reply.files.length === 0) throw new Error(`the worker built no ${m.format} file`);
      }
      return { type: 'didExport', requestId: m.requestId, path: `/tmp/embedding-lens.${m.format === 'python' ? 'check.py' : m.format}` };
    });
  }

  /** Answers the panel's `type` requests with `fn` (replaces an earlier one). @param {string} type @param {Responder} fn */
  respond(type, fn) {
    this.responders.set(type, fn);
  }

  /**
   * Resolves with the next message of `type` (posted after this call) that matches.
   * @param {string} type
   * @param {(m: any) => boolean} [match]
   * @param {number} [timeoutMs]
   * @returns {Promise<any>}
   */
  waitFor(type, match = () => true, timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(l);
        reject(new Error(`the panel posted no ${type} within ${timeoutMs} ms (posted: ${this.posted.map(p => p.type).join(', ') || 'nothing'})`));
      }, timeoutMs);
      /** @param {any} m */
      const l = m => {
        if (m.type !== type || !match(m)) return;
        clearTimeout(timer);
        this.waiters.delete(l);
        resolve(m);
      };
      this.waiters.add(l);
    });
  }

  /** Messages of one type posted so far. @param {string} type */
  postedOf(type) {
    return this.posted.filter(m => m.type === type);
  }

  /** Sends a host → panel message (ArrayBuffers travel as base64 and are rebuilt in the page). @param {ToPanel} message */
  async send(message) {
    if (message.type === 'didEncode') this.last = message;
    // A didEncode with tokensSent carries no text: the tokens on show stay the didTokens' (as in panel.ts).
    if (message.type === 'didTokens' || (message.type === 'didEncode' && !message.tokensSent)) this.shownTokens = message.type === 'didEncode' ? message.result : message.tokens;
    if (message.type === 'didChangeSettings') this.settings = message.settings;
    await this.page.evaluate(wire => /** @type {any} */ (window).__lensDeliver(wire), toWire(message));
  }

  /**
   * Shows a result as the host does (didEncode) and waits until the panel says `rendered`.
   * @param {EncodeReply} result
   * @param {{ requestId?: number, source?: TextSource, focus?: { start: number, end: number } }} [o]
   */
  async showResult(result, o = {}) {
    const requestId = o.requestId ?? this.nextRequestId++;
    const rendered = this.waitFor('rendered', m => m.requestId === requestId, 60_000);
    await this.send({ type: 'didEncode', requestId, result, source: o.source ?? { uri: null, label: 'test', offset: 0 }, focus: o.focus });
    const r = await rendered;
    await this.frames(2);
    return r;
  }

  /** Waits for n animation frames (the heatmaps draw in requestAnimationFrame). @param {number} [n] */
  async frames(n = 2) {
    await this.page.evaluate(k => new Promise(resolve => {
      const step = (/** @type {number} */ left) => (left === 0 ? resolve(undefined) : requestAnimationFrame(() => step(left - 1)));
      step(k);
    }), n);
  }

  /** The state the panel saved last (getState). @returns {Promise<PanelState | undefined>} */
  state() {
    return this.page.evaluate(() => /** @type {any} */ (window).__lensState());
  }

  /**
   * Reloads the page as VS Code does when a hidden panel comes back: getState returns `state`
   * (default: what the panel saved), and the panel says `ready` again.
   * @param {{ state?: PanelState, theme?: string }} [o]
   */
  async reload(o = {}) {
    const s = /** @type {Session} */ (sessions.get(this.session));
    const state = 'state' in o ? o.state : await this.state();
    sessions.set(this.session, { theme: o.theme ? loadTheme(o.theme) : s.theme, state });
    const ready = this.waitFor('ready');
    // With serveAsHost, `ready` replays the last result: wait until it is drawn again.
    const last = this.last;
    const rendered = last && this.responders.has('ready') ? this.waitFor('rendered', m => m.requestId === last.requestId, 60_000) : undefined;
    await this.page.reload();
    await ready;
    if (rendered) {
      await rendered;
      await this.frames(2);
    }
  }

  /** Switches the theme live, as VS Code does (variables on <html>, classes on <body>). @param {string} name */
  async setTheme(name) {
    const t = loadTheme(name);
    const s = /** @type {Session} */ (sessions.get(this.session));
    sessions.set(this.session, { ...s, theme: t });
    await this.page.evaluate(theme => /** @type {any} */ (window).__lensApplyTheme(theme), t);
    await this.frames(2);
  }

  /** Clicks a tab of the result by its id (tokens, matrix, hidden, …). @param {string} id */
  async openTab(id) {
    await this.page.locator(`vscode-tab-header[data-tab="${id}"]`).click();
    await this.page.locator(`vscode-tab-panel[data-panel="${id}"]:not([hidden])`).waitFor();
    await this.frames(2);
  }

  /**
   * Saves a PNG of the page (or an element, with `margin` CSS pixels around it) under
   * test-output/webview/ (and docs/screenshots/ as `docsName` with --update-docs). Returns the file.
   * @param {string} name
   * @param {{ of?: import('playwright-core').Locator, margin?: number, docsName?: string, fullPage?: boolean }} [o]
   */
  async screenshot(name, o = {}) {
    mkdirSync(outputDir, { recursive: true });
    const file = path.join(outputDir, `${name}.png`);
    await this.frames(2);
    /** @param {string} target */
    const shoot = async target => {
      if (o.of && o.margin) {
        const b = await o.of.boundingBox();
        if (!b) throw new Error(`${name}: the element to screenshot is not visible`);
        const m = o.margin;
        await this.page.screenshot({ path: target, fullPage: true, clip: { x: Math.max(0, b.x - m), y: Math.max(0, b.y - m), width: b.width + 2 * m, height: b.height + 2 * m } });
      } else if (o.of) await o.of.screenshot({ path: target });
      else await this.page.screenshot({ path: target, fullPage: o.fullPage ?? false });
    };
    await shoot(file);
    if (o.docsName && updateDocs()) {
      mkdirSync(docsScreenshots, { recursive: true });
      await shoot(path.join(docsScreenshots, `${o.docsName}.png`));
    }
    return file;
  }

  /** Throws when the page logged an error or a CSP violation. */
  assertNoErrors() {
    if (this.errors.length > 0) throw new Error(`the page reported:\n  ${this.errors.join('\n  ')}`);
  }

  async close() {
    sessions.delete(this.session);
    await this.page.context().close();
  }
}

/**
 * The options bar's settings as src/host/lens.ts settings() builds them from the defaults: the
 * built-in models (src/host/modelPicker.ts BUILTIN_MODELS) plus `model` when it is another one.
 * @param {string} [model]
 * @param {PipelineOptionsWire} [options]
 * @returns {import('../../src/shared/panelProtocol.js').PanelSettings}
 */
export function hostSettings(model = 'builtin:seed', options = {}) {
  const models = [{ value: 'builtin:seed', label: 'seed' }, { value: 'builtin:glove-100d', label: 'glove-100d' }];
  if (!models.some(m => m.value === model)) models.push({ value: model, label: path.basename(model) });
  return { model, models, options: { maxLength: null, paddingSide: 'right', truncationSide: 'right', skipPadding: false, addSpecialTokens: true, ...options } };
}

/** Whether the run was asked to refresh docs/screenshots (`--update-docs`). */
export function updateDocs() {
  return process.argv.includes('--update-docs');
}

/**
 * Reads canvas pixels (device pixels) of the first canvas matching `selector`.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {{ x: number, y: number }[]} points CSS pixels relative to the canvas
 * @returns {Promise<[number, number, number, number][]>}
 */
export function canvasPixels(page, selector, points) {
  return page.locator(selector).first().evaluate((el, pts) => {
    const c = /** @type {HTMLCanvasElement} */ (el);
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
    const sx = c.width / c.getBoundingClientRect().width;
    const sy = c.height / c.getBoundingClientRect().height;
    return pts.map(p => /** @type {[number, number, number, number]} */ (Array.from(ctx.getImageData(Math.floor(p.x * sx), Math.floor(p.y * sy), 1, 1).data)));
  }, points);
}

/** The test files of this folder (*.test.mjs), sorted. */
export function testFiles() {
  return readdirSync(path.join(repoRoot, 'test', 'webview')).filter(f => f.endsWith('.test.mjs')).sort();
}
