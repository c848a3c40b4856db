// Builds and reads a comparison's wire form (panelProtocol's CompareReply): pure, so the host
// (src/host/compare.ts), the webview and plain node tests share it.
import { alignSummary, alignTokens, type AlignGroup, type SpanToken } from '../core/align';
import type { CompareReply, CompareSideWire } from './panelProtocol';
import type { ModelRef, TokensWire, WorkerReplies, WorkerRequest } from './workerProtocol';

/** Most aligned pairs whose cosine is computed (their rows are read from both models). */
export const MAX_COSINE_PAIRS = 50_000;

/** A side's tokens as alignTokens takes them. */
export function spanTokens(t: TokensWire): SpanToken[] {
  const starts = new Int32Array(t.starts);
  const ends = new Int32Array(t.ends);
  const out: SpanToken[] = [];
  for (let i = 0; i < t.count; i++) out.push({ start: starts[i]!, end: ends[i]!, text: t.texts[i]! });
  return out;
}

/** The groups as exact-size buffers (each side's tokens are contiguous per group, so one end index each). */
export function groupsWire(groups: readonly AlignGroup[]): CompareReply['groups'] {
  const n = groups.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  const aEnd = new Int32Array(n);
  const bEnd = new Int32Array(n);
  const same = new Uint8Array(n);
  let a = 0;
  let b = 0;
  groups.forEach((g, i) => {
    starts[i] = g.start;
    ends[i] = g.end;
    a += g.a.length;
    b += g.b.length;
    aEnd[i] = a;
    bEnd[i] = b;
    same[i] = g.same ? 1 : 0;
  });
  return { count: n, starts: starts.buffer, ends: ends.buffer, aEnd: aEnd.buffer, bEnd: bEnd.buffer, same: same.buffer };
}

/** One group as the webview draws it: span, each side's token range [from, to), and whether the cuts agree. */
export interface GroupView {
  readonly start: number;
  readonly end: number;
  readonly aFrom: number;
  readonly aTo: number;
  readonly bFrom: number;
  readonly bTo: number;
  readonly same: boolean;
}

/** The groups of a reply, read back. */
export function readGroups(g: CompareReply['groups']): GroupView[] {
  const starts = new Int32Array(g.starts);
  const ends = new Int32Array(g.ends);
  const aEnd = new Int32Array(g.aEnd);
  const bEnd = new Int32Array(g.bEnd);
  const same = new Uint8Array(g.same);
  const out: GroupView[] = [];
  for (let i = 0; i < g.count; i++) {
    out.push({ start: starts[i]!, end: ends[i]!, aFrom: i ? aEnd[i - 1]! : 0, aTo: aEnd[i]!, bFrom: i ? bEnd[i - 1]! : 0, bTo: bEnd[i]!, same: same[i] === 1 });
  }
  return out;
}

/**
 * The token pairs whose cosine is shown: in a group both sides cut alike, the k-th token of each
 * side, when both vocabularies spell it the same. (Different spellings of one span — `##ing` and
 * `ing`, `Ġthe` and `▁the` — are different tokens, so they are not paired.) At most `limit`.
 */
export function comparablePairs(groups: readonly AlignGroup[], a: readonly SpanToken[], b: readonly SpanToken[], limit = MAX_COSINE_PAIRS): { a: number; b: number }[] {
  const pairs: { a: number; b: number }[] = [];
  for (const g of groups) {
    if (!g.same) continue;
    for (let k = 0; k < g.a.length && pairs.length < limit; k++) {
      const i = g.a[k]!;
      const j = g.b[k]!;
      if (a[i]!.text === b[j]!.text) pairs.push({ a: i, b: j });
    }
  }
  return pairs;
}

/**
 * Cosine of each pair's rows: `rowsA` holds the rows of `idsA` (unique ids, [idsA.length x dim]),
 * `rowsB` likewise; `tokenIdsA/B` are each side's token ids. Returns Float32Array(aCount): the
 * pair's cosine at a's token index, NaN elsewhere (and for a zero row).
 */
export function pairCosines(
  pairs: readonly { a: number; b: number }[],
  aCount: number,
  tokenIdsA: Int32Array,
  tokenIdsB: Int32Array,
  idsA: readonly number[],
  rowsA: Float32Array,
  idsB: readonly number[],
  rowsB: Float32Array,
  dim: number,
): Float32Array {
  const rowA = new Map(idsA.map((id, r) => [id, r]));
  const rowB = new Map(idsB.map((id, r) => [id, r]));
  const out = new Float32Array(aCount).fill(NaN);
  for (const p of pairs) {
    const ra = rowA.get(tokenIdsA[p.a]!);
    const rb = rowB.get(tokenIdsB[p.b]!);
    if (ra === undefined || rb === undefined) continue;
    let dot = 0;
    let na = 0;
    let nb = 0;
    // [dim] each
    for (let c = 0; c < dim; c++) {
      const x = rowsA[ra * dim + c]!;
      const y = rowsB[rb * dim + c]!;
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    out[p.a] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : NaN;
  }
  return out;
}

/** The ids of `pairs` on one side, unique, in first-seen order. */
export function uniqueIds(pairs: readonly { a: number; b: number }[], side: 'a' | 'b', tokenIds: Int32Array): number[] {
  const seen = new Set<number>();
  for (const p of pairs) seen.add(tokenIds[p[side]]!);
  return [...seen];
}

/** Asks the worker one request (the host's WorkerClient with a token, or a test harness's core). */
export type AskWorker = <K extends WorkerRequest['type']>(request: Extract<WorkerRequest, { type: K }>) => Promise<WorkerReplies[K]>;

/** A side to compare: the choice as offered, its label, and the worker's ref (`model`: whether it has embeddings). */
export interface CompareSideSpec {
  readonly choice: string;
  readonly label: string;
  readonly ref: ModelRef;
  readonly model: boolean;
}

/** What a comparison came to, for logs and tests. */
export interface CompareSummary {
  readonly a: { readonly choice: string; readonly count: number; readonly ids: number[] };
  readonly b: { readonly choice: string; readonly count: number; readonly ids: number[] };
  readonly groups: number;
  readonly differ: number;
  /** How many of a's tokens have a cosine. */
  readonly cosines: number;
}

/**
 * Tokenizes `text` with both sides (the worker's `tokenize`, specials added when
 * `addSpecialTokens`), aligns the tokens, and for two models with embeddings of one width reads
 * the rows of the comparable pairs (`vectors`, k = 0) for their cosines.
 */
export async function buildCompare(ask: AskWorker, text: string, specA: CompareSideSpec, specB: CompareSideSpec, addSpecialTokens: boolean): Promise<{ reply: CompareReply; summary: CompareSummary }> {
  const side = async (spec: CompareSideSpec): Promise<CompareSideWire> => {
    const loaded = spec.model ? await ask({ type: 'loadModel', ref: spec.ref }) : undefined;
    const t = await ask({ type: 'tokenize', ref: spec.ref, text, addSpecialTokens });
    return { choice: spec.choice, label: spec.label, tokenizer: t.tokenizer, tokens: t.tokens, dim: loaded ? loaded.embedding.dim : null };
  };
  const sa = await side(specA);
  const sb = await side(specB);
  const ta = spanTokens(sa.tokens);
  const tb = spanTokens(sb.tokens);
  const groups = alignTokens(text.length, ta, tb);
  const idsA = new Int32Array(sa.tokens.ids);
  const idsB = new Int32Array(sb.tokens.ids);
  let cosine: Float32Array | null = null;
  let cosineNote: string;
  if (sa.dim === null || sb.dim === null) {
    cosineNote = 'No cosines: a side is a tokenizer alone (no embeddings).';
  } else if (sa.dim !== sb.dim) {
    cosineNote = `No cosines: the embeddings differ in width (${sa.dim} and ${sb.dim}).`;
  } else {
    const pairs = comparablePairs(groups, ta, tb);
    cosine = new Float32Array(ta.length).fill(NaN);
    if (pairs.length) {
      const rowIdsA = uniqueIds(pairs, 'a', idsA);
      const rowIdsB = uniqueIds(pairs, 'b', idsB);
      const va = await ask({ type: 'vectors', ref: specA.ref, ids: rowIdsA, k: 0 });
      const vb = await ask({ type: 'vectors', ref: specB.ref, ids: rowIdsB, k: 0 });
      cosine = pairCosines(pairs, ta.length, idsA, idsB, rowIdsA, new Float32Array(va.rows), rowIdsB, new Float32Array(vb.rows), sa.dim);
    }
    const capped = pairs.length === MAX_COSINE_PAIRS ? ` (the first ${MAX_COSINE_PAIRS})` : '';
    cosineNote = `Cosine of the two models' rows for ${pairs.length} aligned pair${pairs.length === 1 ? '' : 's'}${capped}: tokens cut alike and spelled the same in both vocabularies.`;
  }
  let cosines = 0;
  if (cosine) for (const c of cosine) if (!Number.isNaN(c)) cosines++;
  const reply: CompareReply = { text, sides: [sa, sb], groups: groupsWire(groups), cosine: cosine ? (cosine.buffer as ArrayBuffer) : null, cosineNote };
  return {
    reply,
    summary: { a: { choice: specA.choice, count: ta.length, ids: Array.from(idsA) }, b: { choice: specB.choice, count: tb.length, ids: Array.from(idsB) }, groups: groups.length, differ: alignSummary(groups).differ, cosines },
  };
}
