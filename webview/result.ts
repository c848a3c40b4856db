// A result as the panel uses it: typed-array views over the transferred buffers.
import type { TextSource, TokensReply } from '../src/shared/panelProtocol';
import type { EncodeReply, MatrixWire, PartLabelWire, RnnRunWire } from '../src/shared/workerProtocol';

/** A row-major float32 matrix. */
export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** One layer-direction's trace. */
export interface Trace {
  readonly layer: number;
  readonly direction: 0 | 1;
  readonly order: Int32Array;
  readonly h: Mat;
  readonly c: Mat | null;
  readonly gates: Mat | null;
}

/** An encoder run. */
export interface Run {
  readonly skipPadding: boolean;
  readonly output: Mat;
  readonly hN: Mat;
  readonly cN: Mat | null;
  readonly traces: readonly Trace[];
}

/** One stage of the transformer input layer ("word", "+ position", "+ type", "LayerNorm"), `(T, E)`. */
export interface InputStage {
  readonly name: string;
  /** The tensors the stage adds (LayerNorm: its weight and bias). */
  readonly added: readonly string[];
  readonly label: PartLabelWire;
  readonly mat: Mat;
}

/**
 * The transformer input layer of a result: its stages over the padded ids (the first, "word", is
 * the embedding matrix the encoder reads), or why the worker did not compute them.
 */
export type InputLayerPart = { readonly stages: readonly InputStage[]; readonly positionIds: Int32Array } | { readonly skipped: string };

/** The token part of a result: what the Tokens tab draws before the matrices arrive. */
export interface TokensPart {
  readonly requestId: number;
  readonly reply: TokensReply;
  readonly source: TextSource;
  readonly text: string;
  /** Number of real tokens, and the padded length. */
  readonly n: number;
  readonly T: number;
  readonly ids: Int32Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly special: Uint8Array;
  readonly texts: readonly string[];
  /** Row of each real token. */
  readonly positions: Int32Array;
  /** Real token at each row, or -1 for a pad. */
  readonly tokenAtRow: Int32Array;
  readonly inputIds: Int32Array;
  readonly mask: Uint8Array;
  /** 1 where row t is random rather than the table's (builtin:seed's unlisted words); null when none is. */
  readonly randomRows: Uint8Array | null;
  readonly focus: { start: number; end: number } | undefined;
}

/** Everything the views draw. */
export interface Result extends TokensPart {
  readonly reply: EncodeReply;
  readonly embeddings: Mat;
  /** The run with the chosen pad treatment, and the other one (null without pads). */
  readonly run: Run;
  readonly other: Run | null;
  readonly focus: { start: number; end: number } | undefined;
  /** The model's input layer (BERT / RoBERTa / DistilBERT / GPT-2), or null when it has none. */
  readonly inputLayer: InputLayerPart | null;
}

function mat(w: MatrixWire): Mat {
  return { rows: w.rows, cols: w.cols, data: new Float32Array(w.data) };
}

function run(r: RnnRunWire): Run {
  return {
    skipPadding: r.skipPadding,
    output: mat(r.output),
    hN: mat(r.hN),
    cN: r.cN ? mat(r.cN) : null,
    traces: r.traces.map(t => ({ layer: t.layer, direction: t.direction, order: new Int32Array(t.order), h: mat(t.h), c: t.c ? mat(t.c) : null, gates: t.gates ? mat(t.gates) : null })),
  };
}

/** Wraps the token part's buffers in typed arrays. */
export function decodeTokens(requestId: number, reply: TokensReply, source: TextSource, focus?: { start: number; end: number }): TokensPart {
  const positions = new Int32Array(reply.positions);
  const inputIds = new Int32Array(reply.inputIds);
  const tokenAtRow = new Int32Array(inputIds.length).fill(-1);
  positions.forEach((p, i) => (tokenAtRow[p] = i));
  return {
    requestId,
    reply,
    source,
    text: reply.text,
    n: reply.tokens.count,
    T: inputIds.length,
    ids: new Int32Array(reply.tokens.ids),
    starts: new Int32Array(reply.tokens.starts),
    ends: new Int32Array(reply.tokens.ends),
    special: new Uint8Array(reply.tokens.special),
    texts: reply.tokens.texts,
    positions,
    tokenAtRow,
    inputIds,
    mask: new Uint8Array(reply.attentionMask),
    randomRows: reply.randomRows && reply.randomRows.byteLength === inputIds.length ? new Uint8Array(reply.randomRows) : null,
    focus,
  };
}

/** Wraps a reply's buffers in typed arrays (reusing the token part already decoded for it, if given). */
export function decodeResult(requestId: number, reply: EncodeReply, source: TextSource, focus?: { start: number; end: number }, tokens?: TokensPart): Result {
  const t = tokens ?? decodeTokens(requestId, reply, source, focus);
  return {
    ...t,
    reply,
    embeddings: mat(reply.embeddings),
    run: run(reply.rnn),
    other: reply.rnnOther ? run(reply.rnnOther) : null,
    inputLayer: inputLayer(reply.inputLayer),
  };
}

function inputLayer(w: EncodeReply['inputLayer']): InputLayerPart | null {
  if (!w) return null;
  if ('skipped' in w) return { skipped: w.skipped };
  // A reply with no stages (an older worker, or a model whose layer computed nothing) shows as none.
  if (w.stages.length === 0) return null;
  return { positionIds: new Int32Array(w.positionIds), stages: w.stages.map(s => ({ name: s.name, added: s.added, label: s.label, mat: mat(s.matrix) })) };
}

/** How many rows of the result are random rather than the table's. */
export function randomRowCount(r: TokensPart): number {
  let n = 0;
  if (r.randomRows) for (const f of r.randomRows) n += f;
  return n;
}

/** The label of row t: the token's source text (or vocabulary spelling), or the pad token. */
export function rowLabel(r: TokensPart, t: number): string {
  const i = r.tokenAtRow[t]!;
  const random = r.randomRows?.[t] === 1 ? ' (random)' : '';
  if (i < 0) return (r.reply.model.pad?.text ?? '[pad]') + random;
  return displayToken(r, i) + random;
}

/** How a token is shown: the source characters with whitespace made visible, else its spelling. */
export function displayToken(r: TokensPart, i: number): string {
  const src = r.text.slice(r.starts[i]!, r.ends[i]!);
  if (r.special[i] && r.starts[i] === r.ends[i]) return r.texts[i]!;
  const tok = r.texts[i]!;
  // Byte-level pieces of one character share its span: show the vocabulary spelling then.
  if (i > 0 && r.starts[i - 1] === r.starts[i] && r.ends[i - 1] === r.ends[i]) return tok;
  if (i + 1 < r.n && r.starts[i + 1] === r.starts[i] && r.ends[i + 1] === r.ends[i]) return tok;
  return visibleWhitespace(src) || tok;
}

/** Spaces, tabs and newlines as visible glyphs. */
export function visibleWhitespace(s: string): string {
  return s.replace(/ /g, '\u2423').replace(/\t/g, '\u21e5').replace(/\r\n/g, '\u21b5').replace(/\n/g, '\u21b5').replace(/\r/g, '\u240d');
}
