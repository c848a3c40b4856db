import * as vscode from 'vscode';
import { formatShort } from '../core/format';
import type { LensSettings } from './config';
import { DisposableStore } from './disposables';
import type { TokenCache } from './tokenCache';
import { tokenAt } from './tokenCache';
import type { WorkerClient } from './workerClient';

/** Values shown in the hover before "…" (the panel shows all of them). */
const SHOWN_VALUES = 8;
/** Columns of the inline chart (short: the hover shares its width with the language's own). */
const CHART_COLUMNS = 12;
const NEIGHBOURS = 5;
/**
 * Characters of the neighbours' line before the rest are folded into "+N" (a hover is about 60
 * characters wide: the line must not wrap).
 */
const NEIGHBOURS_LINE_CHARS = 36;
/** Characters of the tokenizer's description on the last line. */
const TOKENIZER_CHARS = 36;
/** Characters of one neighbour's text before it is cut with "…". */
const NEIGHBOUR_CHARS = 14;
/**
 * Longest a keyboard request (Show Token Hover) stays armed. It also ends when the cursor moves,
 * the editor changes or the document is edited; this only bounds a forgotten one.
 */
const ARMED_MS = 30_000;

/** Where a hover may be shown: the gate TokenHover checks before any worker request. */
export interface HoverGate {
  /** An Embedding Lens panel is open (whileInspecting). */
  panelOpen(): boolean;
}

/**
 * The token hover: registered only while `embeddingLens.hover.mode` can show one
 * (`always`, `withModifier`, `whileInspecting` while a panel is open or token boundaries are
 * shown, or a keyboard request is armed), and even then it returns before asking the worker
 * anything when the mode says no, so no model is loaded and nothing is tokenized for hovers
 * the user did not want.
 *
 * `withModifier`: VS Code's HoverProvider is not told how a hover was asked for (mouse,
 * keyboard, modifier), so the keyboard path goes through our command
 * `embeddingLens.showTokenHover` (package.json binds Show Hover's Ctrl+K Ctrl+I to it in that
 * mode): it arms a request at the cursor and runs `editor.action.showHover`; the provider answers
 * only at the armed position, until the cursor moves.
 */
export class TokenHover implements vscode.Disposable {
  private registration: vscode.Disposable | undefined;
  private readonly disposables = new DisposableStore();
  /** The keyboard request on hand: the document, its version and the cursor's position. */
  private armed: { uri: string; version: number; line: number; character: number; until: number } | undefined;
  /** How many hovers were answered with a token (tests read it). */
  shown = 0;

  constructor(
    private readonly worker: WorkerClient,
    private readonly tokens: TokenCache,
    private readonly settings: () => LensSettings,
    private readonly gate: HoverGate,
    private readonly onError: (context: string, e: unknown) => void,
    /** Called after a hover was answered (the model is loaded by then). */
    private readonly onShown: () => void = () => {},
  ) {
    const disarm = (): void => {
      if (!this.armed) return;
      this.armed = undefined;
      this.update();
    };
    this.disposables.add(vscode.window.onDidChangeTextEditorSelection(e => {
      const a = this.armed;
      const p = e.selections[0]?.active;
      if (a && e.textEditor.document.uri.toString() === a.uri && p && p.line === a.line && p.character === a.character) return;
      disarm();
    }));
    this.disposables.add(vscode.window.onDidChangeActiveTextEditor(() => disarm()));
    this.disposables.add(vscode.workspace.onDidChangeTextDocument(e => e.contentChanges.length > 0 && e.document.uri.toString() === this.armed?.uri && disarm()));
    this.disposables.add({ dispose: () => this.registration?.dispose() });
  }

  /** Whether the provider is registered now (tests read it). */
  get registered(): boolean {
    return this.registration !== undefined;
  }

  /** Registers or unregisters the provider for the mode (call at start, and when settings or the panel change). */
  update(s: LensSettings = this.settings()): void {
    if (this.disposables.isDisposed) return;
    const want = this.armed !== undefined || modeCanShow(s, this.gate);
    if (want && !this.registration) {
      this.registration = vscode.languages.registerHoverProvider({ pattern: '**' }, { provideHover: (doc, pos, token) => this.provideHover(doc, pos, token) });
    } else if (!want && this.registration) {
      this.registration.dispose();
      this.registration = undefined;
    }
  }

  /**
   * Show Token Hover: the hover with the token at the cursor, whatever the mode (an explicit
   * request): arms the cursor's position, then runs VS Code's Show Hover.
   */
  async showAtCursor(): Promise<boolean> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return false;
    const p = editor.selection.active;
    this.armed = { uri: editor.document.uri.toString(), version: editor.document.version, line: p.line, character: p.character, until: Date.now() + ARMED_MS };
    this.update();
    await vscode.commands.executeCommand('editor.action.showHover');
    return true;
  }

  /** Whether a hover at `position` may be answered: decided before any worker request. */
  allowed(doc: vscode.TextDocument, position: vscode.Position, s: LensSettings = this.settings()): boolean {
    const a = this.armed;
    if (a && a.until < Date.now()) this.armed = undefined;
    else if (a && a.uri === doc.uri.toString() && a.version === doc.version && a.line === position.line && a.character === position.character) return true;
    return s.hoverMode === 'always' || (s.hoverMode === 'whileInspecting' && inspecting(s, this.gate));
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const s = this.settings();
    if (!this.allowed(doc, position, s)) return undefined;
    try {
      const region = await this.tokens.around(doc, position.line, s.ref, token);
      const i = tokenAt(region, doc.offsetAt(position));
      if (i < 0 || token.isCancellationRequested) return undefined;
      const id = region.ids[i]!;
      const reply = await this.worker.request({ type: 'vectors', ref: s.ref, ids: [id], k: NEIGHBOURS }, token);
      const row = new Float32Array(reply.rows);
      const start = region.starts[i]!;
      const end = region.ends[i]!;
      const range = new vscode.Range(doc.positionAt(start), doc.positionAt(end));
      this.shown++;
      this.onShown();
      return new vscode.Hover(hoverMarkdown(doc, { text: region.texts[i]!, id, start, end, tokenizer: region.tokenizer, model: s.ref.model, row, norm: reply.norms[0] ?? 0, random: reply.random[0] ?? false, neighbours: reply.neighbours[0] ?? [] }), range);
    } catch (e) {
      this.onError('hover', e);
      return undefined;
    }
  }

  dispose(): void {
    this.disposables.dispose();
    this.registration = undefined;
  }
}

/** Token boundaries shown or a panel open: the user is inspecting embeddings. */
export function inspecting(s: LensSettings, gate: HoverGate): boolean {
  return s.boundaries || gate.panelOpen();
}

/** Whether the mode can show a hover now (without a keyboard request). */
export function modeCanShow(s: LensSettings, gate: HoverGate): boolean {
  switch (s.hoverMode) {
    case 'always':
    case 'withModifier':
      return true;
    case 'whileInspecting':
      return inspecting(s, gate);
    case 'never':
      return false;
  }
}

interface HoverData {
  readonly text: string;
  readonly id: number;
  readonly start: number;
  readonly end: number;
  readonly tokenizer: string;
  readonly model: string;
  readonly row: Float32Array;
  readonly norm: number;
  readonly random: boolean;
  readonly neighbours: readonly { id: number; text: string; cosine: number }[];
}

/**
 * The hover's markdown (exported for tests), kept to four short lines (about 60 characters, a
 * hover's width) so it never pushes the language's own hover off screen: the token and its id;
 * the vector (2 decimals, its first SHOWN_VALUES values, then "… E values"); the norm, a short
 * chart and the nearest tokens (folded into "+N" when long); the panel link and the tokenizer.
 */
export function hoverMarkdown(doc: vscode.TextDocument, d: HoverData): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['embeddingLens.inspectToken'] };
  const values = Array.from(d.row.subarray(0, SHOWN_VALUES), round2);
  const more = d.row.length > SHOWN_VALUES ? `, \u2026 ${d.row.length} values` : '';
  // Two spaces before "\n": a line break inside one paragraph (no blank line between lines).
  const lines = [
    `**Embedding Lens** \u00b7 token \`${escapeCode(d.text)}\` \u2192 id **${d.id}**`,
    `\`[${values.join(', ')}${more}]\`${d.random ? ' *random row*' : ''}`,
    [`norm ${round2(d.norm)} \`${sparkline(d.row)}\``, neighboursLine(d.neighbours)].filter(Boolean).join(' \u00b7 '),
  ];
  const args = encodeURIComponent(JSON.stringify([{ uri: doc.uri.toString(), start: d.start, end: d.end }]));
  lines.push(`[Inspect in panel](command:embeddingLens.inspectToken?${args} "Open the Embedding Lens panel on this line") \u00b7 ${escapeMd(cut(d.tokenizer, TOKENIZER_CHARS))}`);
  md.appendMarkdown(lines.join('  \n'));
  return md;
}

/** "nearest: `a` 0.91 · `b` 0.88 +3": one line, neighbours past NEIGHBOURS_LINE_CHARS folded into "+N". */
export function neighboursLine(neighbours: readonly { text: string; cosine: number }[]): string {
  if (neighbours.length === 0) return '';
  const parts: string[] = [];
  let chars = 0;
  for (const n of neighbours) {
    const text = cut(n.text, NEIGHBOUR_CHARS);
    const part = `\`${escapeCode(text)}\` ${n.cosine.toFixed(2)}`;
    // Each part is its text plus about 8 characters (" 0.99 · " and the code padding).
    if (parts.length > 0 && chars + text.length + 8 > NEIGHBOURS_LINE_CHARS) break;
    parts.push(part);
    chars += text.length + 8;
  }
  const rest = neighbours.length - parts.length;
  return `nearest: ${parts.join(' \u00b7 ')}${rest > 0 ? ` +${rest}` : ''}`;
}

/** Rounded to 2 decimals, trailing zeros trimmed (3 significant digits from 100 on). */
export function round2(v: number): string {
  if (!Number.isFinite(v) || Math.abs(v) >= 100) return formatShort(v, 3);
  const r = Number(v.toFixed(2));
  return r === 0 ? '0' : String(r);
}

/** `s` cut to `n` code points, the last one "…" when it was longer. */
function cut(s: string, n: number): string {
  const cps = [...s];
  return cps.length > n ? `${cps.slice(0, n - 1).join('')}\u2026` : s;
}

const BARS = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';

/** A one-line chart of a vector: one bar per value (or per bucket of values for long vectors). */
export function sparkline(v: Float32Array): string {
  if (v.length === 0) return '';
  const cols = Math.min(CHART_COLUMNS, v.length);
  const per = v.length / cols;
  const buckets: number[] = [];
  for (let c = 0; c < cols; c++) {
    let s = 0;
    const a = Math.floor(c * per);
    const b = Math.max(a + 1, Math.floor((c + 1) * per));
    for (let i = a; i < b; i++) s += v[i]!;
    buckets.push(s / (b - a));
  }
  const lo = Math.min(...buckets);
  const hi = Math.max(...buckets);
  return buckets.map(x => BARS[hi === lo ? 3 : Math.round(((x - lo) / (hi - lo)) * 7)]).join('');
}

function escapeCode(s: string): string {
  return s.replace(/`/g, '\u02cb').replace(/\n/g, '\u21b5').replace(/\r/g, '\u240d').replace(/\t/g, '\u21e5') || '\u2205';
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, c => `\\${c}`);
}
