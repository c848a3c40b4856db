import * as vscode from 'vscode';
import { formatShort } from '../core/format';
import type { LensSettings } from './config';
import type { TokenCache } from './tokenCache';
import { tokenAt } from './tokenCache';
import type { WorkerClient } from './workerClient';

/** Values shown in the hover before "…" (the panel shows all of them). */
const SHOWN_VALUES = 8;
/** Columns of the inline chart. */
const CHART_COLUMNS = 48;
const NEIGHBOURS = 5;

/**
 * Hover over a token (any language): its text, id, vector (rounded, with a small inline chart),
 * norm and nearest tokens by cosine, and a link to inspect it in the panel.
 */
export class TokenHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly worker: WorkerClient,
    private readonly tokens: TokenCache,
    private readonly settings: () => LensSettings,
    private readonly onError: (context: string, e: unknown) => void,
  ) {}

  async provideHover(doc: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const s = this.settings();
    if (!s.hover) return undefined;
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
      return new vscode.Hover(hoverMarkdown(doc, { text: region.texts[i]!, id, start, end, tokenizer: region.tokenizer, model: s.ref.model, row, norm: reply.norms[0] ?? 0, random: reply.random[0] ?? false, neighbours: reply.neighbours[0] ?? [] }), range);
    } catch (e) {
      this.onError('hover', e);
      return undefined;
    }
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

/** The hover's markdown (exported for tests). */
export function hoverMarkdown(doc: vscode.TextDocument, d: HoverData): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['embeddingLens.inspectToken'] };
  const values = Array.from(d.row.subarray(0, SHOWN_VALUES), v => formatShort(v, 4));
  const more = d.row.length > SHOWN_VALUES ? `, \u2026 (${d.row.length} values)` : '';
  md.appendMarkdown(`**Embedding Lens** \u00b7 token \`${escapeCode(d.text)}\` \u2192 id **${d.id}**\n\n`);
  md.appendMarkdown(`vector (E = ${d.row.length})${d.random ? ' \u2014 *random row: this model has no learnt vector for it*' : ''}:\n\n`);
  md.appendMarkdown(`\`[${values.join(', ')}${more}]\`\n\n`);
  md.appendMarkdown(`\`${sparkline(d.row)}\` norm ${formatShort(d.norm, 4)}\n\n`);
  if (d.neighbours.length) {
    md.appendMarkdown(`nearest by cosine: ${d.neighbours.map(n => `\`${escapeCode(n.text)}\` ${n.cosine.toFixed(3)}`).join(', ')}\n\n`);
  }
  const args = encodeURIComponent(JSON.stringify([{ uri: doc.uri.toString(), start: d.start, end: d.end }]));
  md.appendMarkdown(`[Inspect in panel](command:embeddingLens.inspectToken?${args} "Open the Embedding Lens panel on this line") \u00b7 ${escapeMd(d.tokenizer)}`);
  return md;
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
