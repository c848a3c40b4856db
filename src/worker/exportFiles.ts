// Export of a result to files (run in the worker: building a 2048 × 768 JSON or CSV is heavy).
import { writeNpy } from '../core/formats/npy';
import { writeSafetensors, type TensorToWrite } from '../core/formats/safetensors';
import { jsonFloat32, matrixJson } from '../core/format';
import type { Matrix } from '../core/matrix';
import type { EncodeReply, MatrixWire } from '../shared/workerProtocol';
import type { ExportFormat } from '../shared/panelProtocol';

/** One file to write: a suffix added to the chosen base name, and its bytes. */
export interface ExportFile {
  readonly suffix: string;
  readonly bytes: Uint8Array;
}

/** The random encoder's weights, when the result used one (so an export can be checked). */
export interface EncoderWeightsForExport {
  readonly tensors: readonly { name: string; shape: number[]; data: Float32Array }[];
}

function m(w: MatrixWire): Matrix {
  return { rows: w.rows, cols: w.cols, data: new Float32Array(w.data) };
}

/** The named arrays of a result, in the order files list them. */
function arrays(r: EncodeReply): { name: string; shape: number[]; data: Float32Array | Int32Array }[] {
  const T = new Int32Array(r.inputIds).length;
  const list: { name: string; shape: number[]; data: Float32Array | Int32Array }[] = [
    { name: 'input_ids', shape: [T], data: new Int32Array(r.inputIds) },
    { name: 'attention_mask', shape: [T], data: Int32Array.from(new Uint8Array(r.attentionMask)) },
    { name: 'embeddings', shape: [r.embeddings.rows, r.embeddings.cols], data: new Float32Array(r.embeddings.data) },
    { name: 'output', shape: [r.rnn.output.rows, r.rnn.output.cols], data: new Float32Array(r.rnn.output.data) },
    { name: 'h_n', shape: [r.rnn.hN.rows, r.rnn.hN.cols], data: new Float32Array(r.rnn.hN.data) },
  ];
  if (r.rnn.cN) list.push({ name: 'c_n', shape: [r.rnn.cN.rows, r.rnn.cN.cols], data: new Float32Array(r.rnn.cN.data) });
  return list;
}

/** The files for one export format. `weights` are the random encoder's, included so the export is checkable. */
export function exportFiles(r: EncodeReply, format: Exclude<ExportFormat, 'png'>, weights: EncoderWeightsForExport | null): ExportFile[] {
  const enc = new TextEncoder();
  switch (format) {
    case 'npy':
      return arrays(r).map(a => ({ suffix: `.${a.name}.npy`, bytes: writeNpy(a.shape, a.data) }));
    case 'safetensors':
      return [{ suffix: '.safetensors', bytes: safetensorsBytes(r, weights) }];
    case 'json':
      return [{ suffix: '.json', bytes: enc.encode(resultJson(r)) }];
    case 'csv':
      return csvFiles(r).map(([suffix, text]) => ({ suffix, bytes: enc.encode(text) }));
    case 'python':
      return [
        { suffix: '.safetensors', bytes: safetensorsBytes(r, weights) },
        { suffix: '.check.py', bytes: enc.encode(pythonCheck(r)) },
      ];
    case 'projector': {
      const { vectors, metadata } = projectorFiles(r);
      return [
        { suffix: '.vectors.tsv', bytes: enc.encode(vectors) },
        { suffix: '.metadata.tsv', bytes: enc.encode(metadata) },
      ];
    }
  }
}

/**
 * A token's spelling as one TSV field: the Embedding Projector splits lines on newlines and
 * fields on tabs (no quoting), so those (and the backslash that escapes them) are written as
 * `\t`, `\n`, `\r`, `\\`.
 */
export function tsvField(s: string): string {
  return s.replace(/[\\\t\n\r]/g, c => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * The Embedding Projector's two files (projector.tensorflow.org, "Load"): `vectors` one line per
 * token on show (its embedding row, tab-separated float32 values, no header) and `metadata`
 * with a header line (the Projector expects one when there is more than one column) then
 * `token, id, position` per token, in the same order. Pads are not tokens on show: left out.
 */
export function projectorFiles(r: EncodeReply): { vectors: string; metadata: string } {
  const emb = m(r.embeddings);
  const pos = new Int32Array(r.positions);
  const ids = new Int32Array(r.tokens.ids);
  const vectors: string[] = [];
  const metadata = ['token\tid\tposition'];
  for (let i = 0; i < pos.length; i++) {
    const p = pos[i]!;
    if (p < 0 || p >= emb.rows) continue; // cut by truncation: it has no row
    const row: string[] = [];
    for (let c = 0; c < emb.cols; c++) row.push(jsonFloat32(emb.data[p * emb.cols + c]!));
    vectors.push(row.join('\t'));
    metadata.push(`${tsvField(r.tokens.texts[i] ?? '')}\t${ids[i]}\t${p}`);
  }
  return { vectors: vectors.map(l => l + '\n').join(''), metadata: metadata.join('\n') + '\n' };
}

function safetensorsBytes(r: EncodeReply, weights: EncoderWeightsForExport | null): Uint8Array {
  const tensors: TensorToWrite[] = arrays(r).map(a => ({ name: a.name, dtype: a.data instanceof Int32Array ? 'I64' : 'F32', shape: a.shape, data: a.data }));
  if (weights) for (const t of weights.tensors) tensors.push({ name: t.name, dtype: 'F32', shape: t.shape, data: t.data });
  const e = r.encoder;
  return writeSafetensors(tensors, {
    format: 'pt',
    producer: 'embedding-lens',
    model: r.model.id,
    tokenizer: r.model.tokenizer.source,
    embedding: `${r.model.embedding.source}${r.model.embedding.tensor ? `#${r.model.embedding.tensor}` : ''}`,
    encoder: JSON.stringify({ cell: e.cell, nonlinearity: e.nonlinearity, input_size: e.inputSize, hidden_size: e.hiddenSize, num_layers: e.numLayers, bidirectional: e.bidirectional, bias: encoderBias(e), batch_first: true, real: e.real, seed: e.seed, source: e.label.source }),
    options: JSON.stringify(r.options),
    text: r.text.length <= 4096 ? r.text : r.text.slice(0, 4096),
  });
}

/** The CLI's `--format json` object, from a result. */
export function resultJson(r: EncodeReply): string {
  const ids = new Int32Array(r.tokens.ids);
  const starts = new Int32Array(r.tokens.starts);
  const ends = new Int32Array(r.tokens.ends);
  const special = new Uint8Array(r.tokens.special);
  const tokens = Array.from(ids, (id, i) => `\n    ${JSON.stringify({ id, text: r.tokens.texts[i], start: starts[i], end: ends[i], special: special[i] === 1 })}`);
  const e = r.encoder;
  const model = {
    name: r.model.name,
    id: r.model.id,
    tokenizer: { real: true, kind: r.model.tokenizer.description, source: r.model.tokenizer.source, vocab_size: r.model.tokenizer.vocabSize },
    embedding: { real: r.model.embedding.real, source: r.model.embedding.source, tensor: r.model.embedding.tensor, dtype: r.model.embedding.dtype, shape: [r.model.embedding.rows, r.model.embedding.dim], note: r.model.embedding.note },
    encoder: { ...e.label, cell: e.cell, nonlinearity: e.nonlinearity, input_size: e.inputSize, hidden_size: e.hiddenSize, num_layers: e.numLayers, bidirectional: e.bidirectional, ...(e.seed !== null ? { seed: e.seed } : {}) },
    pad_token: r.model.pad,
    options: { max_length: r.options.maxLength, padding_side: r.options.paddingSide, truncation_side: r.options.truncationSide, skip_padding: r.options.skipPadding, special_tokens: r.options.addSpecialTokens },
    truncated_tokens: r.truncated,
  };
  const parts = [
    `"model": ${JSON.stringify(model, null, 2).replace(/\n/g, '\n  ')}`,
    `"tokens": [${tokens.join(',')}${tokens.length ? '\n  ' : ''}]`,
    `"input_ids": ${JSON.stringify(Array.from(new Int32Array(r.inputIds)))}`,
    `"attention_mask": ${JSON.stringify(Array.from(new Uint8Array(r.attentionMask)))}`,
    `"embeddings": ${matrixJson(m(r.embeddings), '  ')}`,
    `"output": ${matrixJson(m(r.rnn.output), '  ')}`,
    `"h_n": ${matrixJson(m(r.rnn.hN), '  ')}`,
  ];
  if (r.rnn.cN) parts.push(`"c_n": ${matrixJson(m(r.rnn.cN), '  ')}`);
  return `{\n  ${parts.join(',\n  ')}\n}\n`;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvFiles(r: EncodeReply): [string, string][] {
  const ids = new Int32Array(r.inputIds);
  const mask = new Uint8Array(r.attentionMask);
  const pos = new Int32Array(r.positions);
  const tokenAt = new Map<number, string>();
  pos.forEach((p, i) => tokenAt.set(p, r.tokens.texts[i]!));
  const emb = m(r.embeddings);
  const out = m(r.rnn.output);
  const header = ['position', 'input_id', 'attention_mask', 'token', ...Array.from({ length: emb.cols }, (_, c) => `embedding_${c}`), ...Array.from({ length: out.cols }, (_, c) => `output_${c}`)];
  const lines = [header.join(',')];
  for (let t = 0; t < ids.length; t++) {
    const row = [String(t), String(ids[t]), String(mask[t]), csvCell(tokenAt.get(t) ?? '[pad]')];
    for (let c = 0; c < emb.cols; c++) row.push(jsonFloat32(emb.data[t * emb.cols + c]!));
    for (let c = 0; c < out.cols; c++) row.push(jsonFloat32(out.data[t * out.cols + c]!));
    lines.push(row.join(','));
  }
  const states = (name: string, w: MatrixWire): [string, string] => {
    const s = m(w);
    const ls = [['layer_direction', ...Array.from({ length: s.cols }, (_, c) => `${name}_${c}`)].join(',')];
    for (let i = 0; i < s.rows; i++) ls.push([String(i), ...Array.from(s.data.subarray(i * s.cols, (i + 1) * s.cols), v => jsonFloat32(v))].join(','));
    return [`.${name}.csv`, ls.join('\n') + '\n'];
  };
  const files: [string, string][] = [['.csv', lines.join('\n') + '\n'], states('h_n', r.rnn.hN)];
  if (r.rnn.cN) files.push(states('c_n', r.rnn.cN));
  return files;
}

/** Python's literal for a boolean, or None. */
function pyBool(b: boolean | null): string {
  return b === null ? 'None' : b ? 'True' : 'False';
}

/**
 * Whether the encoder has biases. Random encoders always do (PyTorch's default); a real one has
 * them exactly when its file holds bias tensors, which the reply states as `bias`. A reply without
 * it (made by an older worker) leaves the script to read it off the weights: null.
 */
function encoderBias(e: EncodeReply['encoder']): boolean | null {
  if (typeof e.bias === 'boolean') return e.bias;
  return e.real ? null : true;
}

/**
 * A Python script that recomputes the exported numbers with PyTorch and asserts they match:
 * the embedding rows from the model's own file when there is one, and the encoder from the
 * model's file or (random encoders) from the weights stored in the export. The encoder is built
 * from the spec the result was computed with (cell, nonlinearity, sizes, layers, direction,
 * bias, batch_first) and loaded with strict=True, so any tensor the spec does not expect, or one
 * it expects and the file lacks, stops the check instead of being skipped.
 */
function pythonCheck(r: EncodeReply): string {
  const e = r.encoder;
  const embFile = r.model.embedding.source.endsWith('.safetensors') ? r.model.embedding.source : null;
  const encFile = e.real && e.label.source.endsWith('.safetensors') ? e.label.source : null;
  const prefix = e.real ? (e.label.tensor ?? '').replace(/\*$/, '') : 'encoder.';
  return `#!/usr/bin/env python3
"""Recompute an Embedding Lens export with PyTorch and check it matches.

Exported by Embedding Lens from model ${JSON.stringify(r.model.id)}.
Needs: torch (and nothing else: safetensors files are read by the small reader below).
Run:   python3 this_file.py
"""
import json, os, re, struct, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
# NAME.check.py (or NAME.py, as the user named it) reads NAME.safetensors beside it.
EXPORT = os.path.join(HERE, re.sub(r"([.]check)?[.]py$", "", os.path.basename(__file__)) + ".safetensors")
EMBEDDING_FILE = ${embFile ? JSON.stringify(embFile) : 'None'}  # the model's table, if it is a safetensors file
EMBEDDING_TENSOR = ${JSON.stringify(r.model.embedding.tensor ?? 'embedding.weight')}
ENCODER_FILE = ${encFile ? JSON.stringify(encFile) : 'None'}  # None: the encoder was random; its weights are in the export
ENCODER_PREFIX = ${JSON.stringify(prefix)}
# The encoder exactly as Embedding Lens ran it.
CELL = ${JSON.stringify(e.cell)}
NONLINEARITY = ${JSON.stringify(e.nonlinearity)}  # Elman RNN only
INPUT_SIZE = ${e.inputSize}
HIDDEN_SIZE = ${e.hiddenSize}
NUM_LAYERS = ${e.numLayers}
BIDIRECTIONAL = ${pyBool(e.bidirectional)}
BIAS = ${pyBool(encoderBias(e))}  # None: as the weights say (bias tensors present or not)
SKIP_PADDING = ${pyBool(r.options.skipPadding)}  # pads skipped (as pack_padded_sequence does) or run through
ATOL = 1e-4

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64}
PARAM = re.compile(r"(weight|bias)_(ih|hh|hr)_l[0-9]+(_reverse)?")

def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=DTYPES[t["dtype"]]).reshape(t["shape"]).to(torch.float32 if t["dtype"] != "I64" else torch.int64)
    return out

exported = read_safetensors(EXPORT)
ids = exported["input_ids"]
mask = exported["attention_mask"]
if EMBEDDING_FILE and os.path.exists(EMBEDDING_FILE):
    table = read_safetensors(EMBEDDING_FILE)[EMBEDDING_TENSOR]
    emb = torch.nn.Embedding.from_pretrained(table)(ids)
    print("embedding rows from", EMBEDDING_FILE)
else:
    emb = exported["embeddings"]
    print("embedding rows from the export (the model's table is not a safetensors file here)")

weights = read_safetensors(ENCODER_FILE) if ENCODER_FILE else exported
# The encoder's parameters: every tensor under the prefix named like one of PyTorch's RNN parameters.
state = {k[len(ENCODER_PREFIX):]: v for k, v in weights.items() if k.startswith(ENCODER_PREFIX) and PARAM.fullmatch(k[len(ENCODER_PREFIX):])}
if BIAS is None:
    BIAS = any(k.startswith("bias_") for k in state)
cells = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
options = dict(num_layers=NUM_LAYERS, bias=BIAS, batch_first=True, bidirectional=BIDIRECTIONAL)
if CELL == "rnn":
    options["nonlinearity"] = NONLINEARITY
rnn = cells[CELL](INPUT_SIZE, HIDDEN_SIZE, **options)
spec = f"{CELL} input {INPUT_SIZE}, hidden {HIDDEN_SIZE}, {NUM_LAYERS} layer(s), bidirectional={BIDIRECTIONAL}, bias={BIAS}"
try:
    rnn.load_state_dict(state, strict=True)
except RuntimeError as e:
    sys.exit(f"the encoder weights under {ENCODER_PREFIX!r} do not fit the encoder ({spec}): " + " ".join(str(e).split()))
print("encoder:", spec)

with torch.no_grad():
    x = emb.unsqueeze(0)
    if SKIP_PADDING:
        real = mask.nonzero().flatten()
        a, b = int(real[0]) if len(real) else 0, int(real[-1]) + 1 if len(real) else 0
        output = torch.zeros(len(ids), (2 if rnn.bidirectional else 1) * rnn.hidden_size)
        if b > a:
            out, state_n = rnn(x[:, a:b])
            output[a:b] = out[0]
        else:
            layers = rnn.num_layers * (2 if rnn.bidirectional else 1)
            zeros = torch.zeros(layers, 1, rnn.hidden_size)
            state_n = (zeros, zeros) if isinstance(rnn, torch.nn.LSTM) else zeros
    else:
        out, state_n = rnn(x)
        output = out[0]
    h_n, c_n = (state_n if isinstance(state_n, tuple) else (state_n, None))

def check(name, ours, theirs):
    d = (ours - theirs).abs().max().item() if ours.numel() else 0.0
    print(f"{name:12s} max |delta| = {d:.3g}")
    assert d <= ATOL, f"{name} differs by {d}"

check("embeddings", emb, exported["embeddings"])
check("output", output, exported["output"])
check("h_n", h_n[:, 0], exported["h_n"])
if c_n is not None:
    check("c_n", c_n[:, 0], exported["c_n"])
print("OK: PyTorch", torch.__version__, "reproduces the exported numbers")
`;
}
