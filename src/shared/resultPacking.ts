// A big result's bytes to the panel, fewer of them, exactly: the padded embedding matrix holds
// one row per position, but a 40k-token selection of code has only a few thousand distinct
// ids, so its rows are sent once each with an index (T × E floats become U × E plus T ints); and
// the encoder's output, equal to the top layer's forward trace for a one-direction encoder, is
// sent once. Unpacked in the webview to the same EncodeReply, bit for bit. Pure (no vscode, no
// DOM): the worker finds the packed parts (packParts: the comparisons are the costly part, kept
// off the extension host's event loop), the host posts the packed view of the reply
// (packedView: no copying), the webview unpacks; node tests check the round trip.
import type { EncodeReply, MatrixWire, RnnRunWire } from './workerProtocol';

/** What a packed didEncode carries besides the result (whose packed matrices are empty). */
export interface PackedParts {
  /** The embedding matrix's distinct rows (Float32Array (U, E)) and each position's row (Int32Array (T)). */
  readonly embeddings?: { readonly rows: ArrayBuffer; readonly rowOf: ArrayBuffer };
  /** Per run (0 the chosen one, 1 the other): its output is the trace with this index's h. */
  readonly outputIsTrace?: readonly (number | null)[];
}

/** Results with fewer positions than this are sent as they are. */
export const PACK_MIN_ROWS = 4096;

const EMPTY = new ArrayBuffer(0);

/** The embedding matrix as distinct rows and an index, or undefined when that saves little. */
function packRows(m: MatrixWire, ids: Int32Array): { rows: ArrayBuffer; rowOf: ArrayBuffer } | undefined {
  const E = m.cols;
  const data = new Int32Array(m.data); // compared as bits: -0, NaN payloads stay exact
  const rowOf = new Int32Array(m.rows);
  /** Distinct rows by id (a list: pads of one id may differ, e.g. zeroed rows). */
  const byId = new Map<number, number[]>();
  const out = new Int32Array(m.rows * E);
  let u = 0;
  for (let t = 0; t < m.rows; t++) {
    const id = ids[t] ?? -1;
    const cands = byId.get(id);
    let found = -1;
    if (cands) {
      for (const c of cands) {
        let same = true;
        for (let j = 0; j < E; j++) {
          if (out[c * E + j] !== data[t * E + j]) {
            same = false;
            break;
          }
        }
        if (same) {
          found = c;
          break;
        }
      }
    }
    if (found < 0) {
      found = u++;
      out.set(data.subarray(t * E, (t + 1) * E), found * E);
      if (cands) cands.push(found);
      else byId.set(id, [found]);
    }
    rowOf[t] = found;
  }
  // Worth it only when it at least halves the bytes.
  if (u * E + m.rows > (m.rows * E) / 2) return undefined;
  return { rows: out.slice(0, u * E).buffer, rowOf: rowOf.buffer };
}

function sameBits(a: ArrayBuffer, b: ArrayBuffer): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Int32Array(a);
  const y = new Int32Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function traceOfOutput(run: RnnRunWire): number | null {
  const k = run.traces.findIndex(t => t.h.rows === run.output.rows && t.h.cols === run.output.cols && sameBits(t.h.data, run.output.data));
  return k >= 0 ? k : null;
}

function withoutOutput(run: RnnRunWire, k: number | null): RnnRunWire {
  return k === null ? run : { ...run, output: { rows: run.output.rows, cols: run.output.cols, data: EMPTY } };
}

/** The packed parts of a result (undefined: it is small, sent as it is). Reads the reply, changes nothing. */
export function packParts(r: EncodeReply): PackedParts | undefined {
  if (r.embeddings.rows < PACK_MIN_ROWS) return undefined;
  const emb = packRows(r.embeddings, new Int32Array(r.inputIds));
  const outs = [traceOfOutput(r.rnn), r.rnnOther ? traceOfOutput(r.rnnOther) : null];
  return { ...(emb ? { embeddings: emb } : {}), outputIsTrace: outs };
}

/** The reply as it travels with its packed parts: the packed matrices empty, nothing copied. */
export function packedView(r: EncodeReply, p: PackedParts): EncodeReply {
  return {
    ...r,
    embeddings: p.embeddings ? { rows: r.embeddings.rows, cols: r.embeddings.cols, data: EMPTY } : r.embeddings,
    rnn: withoutOutput(r.rnn, p.outputIsTrace?.[0] ?? null),
    rnnOther: r.rnnOther ? withoutOutput(r.rnnOther, p.outputIsTrace?.[1] ?? null) : null,
  };
}

/**
 * The result to post, and its packed parts (undefined: sent as it is). The reply itself is not
 * changed (the host keeps it for replays, exports and projections).
 */
export function packResult(r: EncodeReply): { result: EncodeReply; packed: PackedParts | undefined } {
  const packed = packParts(r);
  return { result: packed ? packedView(r, packed) : r, packed };
}

/** The EncodeReply a packed didEncode stands for (new buffers where it was packed). */
export function unpackResult(r: EncodeReply, p: PackedParts | undefined): EncodeReply {
  if (!p) return r;
  let embeddings = r.embeddings;
  if (p.embeddings) {
    const { rows: T, cols: E } = r.embeddings;
    const rows = new Float32Array(p.embeddings.rows);
    const rowOf = new Int32Array(p.embeddings.rowOf);
    if (rowOf.length !== T || rows.length % Math.max(1, E) !== 0) throw new Error(`packed embeddings: ${rowOf.length} row indices for ${T} rows`);
    const U = E > 0 ? rows.length / E : 0;
    const data = new Float32Array(T * E);
    for (let t = 0; t < T; t++) {
      const k = rowOf[t]!;
      if (k < 0 || k >= U) throw new Error(`packed embeddings: row ${t} points at ${k} of ${U}`);
      data.set(rows.subarray(k * E, (k + 1) * E), t * E);
    }
    embeddings = { rows: T, cols: E, data: data.buffer };
  }
  const restore = (run: RnnRunWire, k: number | null | undefined): RnnRunWire => {
    if (k === null || k === undefined) return run;
    const t = run.traces[k];
    if (!t) throw new Error(`packed output: no trace ${k}`);
    return { ...run, output: { rows: t.h.rows, cols: t.h.cols, data: t.h.data } };
  };
  return {
    ...r,
    embeddings,
    rnn: restore(r.rnn, p.outputIsTrace?.[0]),
    rnnOther: r.rnnOther ? restore(r.rnnOther, p.outputIsTrace?.[1]) : null,
  };
}
