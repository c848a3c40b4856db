import * as vscode from 'vscode';
import type { ModelRef, TokenizeReply } from '../shared/workerProtocol';
import type { WorkerClient } from './workerClient';

/** Tokens of a document region, offsets absolute in the document. */
export interface RegionTokens {
  readonly ids: Int32Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly special: Uint8Array;
  readonly texts: readonly string[];
  readonly tokenizer: string;
}

/** Lines of context around a position that the hover tokenizes (pre-tokens rarely cross lines). */
const CONTEXT_LINES = 1;
const MAX_ENTRIES = 64;

/**
 * Tokenizes regions of documents through the worker and caches them per document version and
 * model, so hovering around a large file costs a few lines each time, not the file.
 */
export class TokenCache {
  private readonly cache = new Map<string, Promise<RegionTokens>>();

  constructor(private readonly worker: WorkerClient) {}

  /** Tokens of the lines around `line`. */
  around(doc: vscode.TextDocument, line: number, ref: ModelRef, token?: vscode.CancellationToken): Promise<RegionTokens> {
    const first = Math.max(0, line - CONTEXT_LINES);
    const last = Math.min(doc.lineCount - 1, line + CONTEXT_LINES);
    return this.range(doc, doc.lineAt(first).range.start, doc.lineAt(last).rangeIncludingLineBreak.end, ref, token);
  }

  /** Tokens of a range of the document (cached by version and model). */
  range(doc: vscode.TextDocument, from: vscode.Position, to: vscode.Position, ref: ModelRef, token?: vscode.CancellationToken): Promise<RegionTokens> {
    const start = doc.offsetAt(from);
    const end = doc.offsetAt(to);
    const key = `${doc.uri.toString()}#${doc.version}#${ref.model}#${ref.tokenizer ?? ''}#${start}:${end}`;
    let entry = this.cache.get(key);
    if (!entry) {
      const text = doc.getText(new vscode.Range(from, to));
      entry = this.worker.request({ type: 'tokenize', ref, text }, token).then(r => shift(r, start));
      entry.catch(() => this.cache.delete(key));
      this.cache.set(key, entry);
      if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    return entry;
  }

  /** Drops everything (model or settings changed). */
  clear(): void {
    this.cache.clear();
  }
}

function shift(r: TokenizeReply, by: number): RegionTokens {
  const starts = new Int32Array(r.tokens.starts);
  const ends = new Int32Array(r.tokens.ends);
  for (let i = 0; i < starts.length; i++) {
    starts[i] = starts[i]! + by;
    ends[i] = ends[i]! + by;
  }
  return { ids: new Int32Array(r.tokens.ids), starts, ends, special: new Uint8Array(r.tokens.special), texts: r.tokens.texts, tokenizer: r.tokenizer };
}

/** Index of the token whose span contains `offset` (the one starting there wins), or -1. */
export function tokenAt(t: RegionTokens, offset: number): number {
  let lo = 0;
  let hi = t.starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t.starts[mid]! <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Partial-character tokens share a span: step back to the first of them.
  while (found > 0 && t.starts[found - 1] === t.starts[found]) found--;
  if (found >= 0 && offset < t.ends[found]!) return found;
  return -1;
}
