/**
 * The tokenizer of a GGUF file, built from its metadata, tokenizing as llama.cpp does
 * (src/llama-vocab.cpp).
 *
 * API:
 *   tokenizerFromGgufMetadata(meta: { get(key: string): unknown }, file: string): Tokenizer
 * `meta.get` returns a metadata value as the container reader decoded it: strings, numbers,
 * booleans, and arrays (string[] / number[] or typed arrays). Keys read:
 *   tokenizer.ggml.model         "gpt2" | "llama" | "bert" (required)
 *   tokenizer.ggml.pre           gpt2 only: llama.cpp's pre-tokenizer name (ggufPre.ts); absent → "default"
 *   tokenizer.ggml.tokens        string[] (required), id = index
 *   tokenizer.ggml.merges        gpt2: "left right" strings, rank = index (required for gpt2)
 *   tokenizer.ggml.scores        llama: SentencePiece scores (absent → all 0)
 *   tokenizer.ggml.token_type    1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
 *   tokenizer.ggml.{bos,eos,unknown,padding,seperator,cls}_token_id (bert: BOS is CLS, EOS is SEP by default)
 *   tokenizer.ggml.add_bos_token / add_eos_token (defaults as llama.cpp's per model / pre type)
 *   tokenizer.ggml.add_space_prefix (llama: default true)
 * Errors are LensErrors naming `file` and the key.
 *
 * What each model does:
 * - gpt2: byte-level BPE; the text is split by llama.cpp's regexes for the `pre` type, each piece
 *   byte-level encoded and merged by rank (a piece that is a whole token is kept as it is for
 *   llama 3's "ignore merges"). Built on our Hugging Face pipeline (the same BPE model and regex
 *   engine), which is what these GGUF files were converted from.
 * - llama: llama.cpp's SentencePiece algorithm with scores and <0xNN> byte tokens (spm.ts).
 * - bert: llama.cpp's WordPiece (wpm.ts) over the converter's "▁"-prefixed vocabulary.
 * Control, user-defined and unknown-type tokens are matched in the text first (llama.cpp's
 * tokenizer_st_partition with parse_special). `addSpecialTokens` adds BOS / EOS (and bert's SEP)
 * by the add flags, with empty spans at the text's start / end.
 */
import { LensError, throwIfCancelled } from '../../errors';
import { tokenizerFromJson } from '../loadTokenizer';
import type { EncodeOptions, Token, Tokenizer } from '../types';
import { ggufPreTokenizer, SUPPORTED_PRE_NAMES } from './ggufPre';
import { spmTokenize, type SpmVocab } from './spm';
import { wpmTokenize } from './wpm';

/** llama.cpp's LLAMA_TOKEN_TYPE_… values (tokenizer.ggml.token_type). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** The metadata as the container reader gives it. */
export interface GgufMetadata {
  get(key: string): unknown;
}

const K = 'tokenizer.ggml.';

class Meta {
  constructor(
    private readonly meta: GgufMetadata,
    readonly file: string,
  ) {}
  private what(key: string): string {
    return `${this.file}: metadata ${K}${key}`;
  }
  string(key: string): string | undefined {
    const v = this.meta.get(K + key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new LensError('badFile', `${this.what(key)} is ${describe(v)}, expected a string`);
    return v;
  }
  strings(key: string, required: true): string[];
  strings(key: string, required: false): string[] | undefined;
  strings(key: string, required: boolean): string[] | undefined {
    const v = this.meta.get(K + key);
    if (v === undefined || v === null) {
      if (required) throw new LensError('badFile', `${this.file}: metadata ${K}${key} is missing, expected an array of strings`);
      return undefined;
    }
    if (!Array.isArray(v) || v.some(s => typeof s !== 'string')) throw new LensError('badFile', `${this.what(key)} is ${describe(v)}, expected an array of strings`);
    return v as string[];
  }
  numbers(key: string, length: number): ArrayLike<number> | undefined {
    const v = this.meta.get(K + key);
    if (v === undefined || v === null) return undefined;
    const ok = Array.isArray(v) ? v.every(n => typeof n === 'number') : ArrayBuffer.isView(v) && !(v instanceof DataView) && typeof (v as unknown as ArrayLike<unknown>)[0] !== 'bigint';
    if (!ok) throw new LensError('badFile', `${this.what(key)} is ${describe(v)}, expected an array of numbers`);
    const arr = v as ArrayLike<number>;
    if (arr.length !== length) throw new LensError('badFile', `${this.what(key)} has ${arr.length} entries, expected one per token (${length})`);
    return arr;
  }
  tokenId(key: string, n: number): number | undefined {
    let v = this.meta.get(K + key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'bigint') v = Number(v);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new LensError('badFile', `${this.what(key)} is ${describe(v)}, expected a token id`);
    // llama.cpp ignores an id outside the vocabulary (with a warning); so do we.
    return v < n ? v : undefined;
  }
  flag(key: string): boolean | undefined {
    const v = this.meta.get(K + key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new LensError('badFile', `${this.what(key)} is ${describe(v)}, expected true or false`);
    return v;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Builds the tokenizer a GGUF file's metadata describes (see the top of this file). */
export function tokenizerFromGgufMetadata(meta: GgufMetadata, file: string): Tokenizer {
  const m = new Meta(meta, file);
  const model = m.string('model');
  const tokens = m.strings('tokens', true);
  if (tokens.length === 0) throw new LensError('badFile', `${file}: metadata ${K}tokens is empty, expected the vocabulary`);
  const types = m.numbers('token_type', tokens.length);
  switch (model) {
    case 'gpt2':
      return gpt2Tokenizer(m, tokens, types);
    case 'llama':
      return new LlamaCppTokenizer(m, 'llama', tokens, types);
    case 'bert':
      return new LlamaCppTokenizer(m, 'bert', tokens, types);
    case undefined:
      throw new LensError('badFile', `${file}: metadata ${K}model is missing, expected "gpt2", "llama" or "bert"`);
    default:
      throw new LensError('unsupported', `${file}: ${K}model ${JSON.stringify(model)} is not supported (supported: gpt2, llama, bert)`);
  }
}

/** Tokens matched in the text before the model: llama.cpp's cache_special_tokens (control, user-defined, unknown). */
function specialTokenIds(tokens: readonly string[], types: ArrayLike<number> | undefined): number[] {
  const ids: number[] = [];
  if (!types) return ids;
  for (let i = 0; i < tokens.length; i++) {
    const t = types[i];
    if ((t === TokenType.CONTROL || t === TokenType.USER_DEFINED || t === TokenType.UNKNOWN) && tokens[i]!.length > 0) ids.push(i);
  }
  return ids;
}

function gpt2Tokenizer(m: Meta, tokens: string[], types: ArrayLike<number> | undefined): Tokenizer {
  const preName = m.string('pre');
  const pre = ggufPreTokenizer(preName);
  if (!pre) {
    throw new LensError('unsupported', `${m.file}: ${K}pre ${JSON.stringify(preName)} is not a pre-tokenizer we know (supported: ${SUPPORTED_PRE_NAMES.join(', ')})`);
  }
  const merges = m.strings('merges', true);
  const n = tokens.length;
  const vocab: Record<string, number> = Object.create(null) as Record<string, number>;
  tokens.forEach((t, i) => (vocab[t] = i));
  const bos = m.tokenId('bos_token_id', n);
  const eos = m.tokenId('eos_token_id', n);
  const addBos = m.flag('add_bos_token') ?? pre.addBos;
  const addEos = m.flag('add_eos_token') ?? false;
  // Special tokens are cut out first, llama.cpp's way (partitionSpecial); the pipeline sees only raw fragments.
  const specials = specialTokenIds(tokens, types)
    .map(id => ({ id, text: tokens[id]! }))
    .sort((a, b) => b.text.length - a.text.length);
  const piece = (id: number | undefined, what: string) => {
    if (id === undefined) throw new LensError('badFile', `${m.file}: ${K}add_${what}_token is true but ${K}${what}_token_id is missing or outside the vocabulary`);
    return { SpecialToken: { id: tokens[id]!, type_id: 0 } };
  };
  const single = [...(addBos ? [piece(bos, 'bos')] : []), { Sequence: { id: 'A', type_id: 0 } }, ...(addEos ? [piece(eos, 'eos')] : [])];
  const specialTokens: Record<string, unknown> = {};
  for (const id of [addBos ? bos : undefined, addEos ? eos : undefined]) if (id !== undefined) specialTokens[tokens[id]!] = { id: tokens[id]!, ids: [id], tokens: [tokens[id]!] };
  const json = {
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        ...pre.regexes.map(r => ({ type: 'Split', pattern: { Regex: r }, behavior: 'Isolated', invert: false })),
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: { type: 'TemplateProcessing', single, pair: single, special_tokens: specialTokens },
    model: { type: 'BPE', vocab, merges, ignore_merges: pre.ignoreMerges, dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false },
  };
  const inner = tokenizerFromJson(json, m.file);
  const padId = m.tokenId('padding_token_id', n);
  return {
    description: `GGUF tokenizer (gpt2 BPE, pre ${preName ?? 'default'})`,
    source: m.file,
    vocabSize: n,
    encode: (text: string, options?: EncodeOptions): Token[] => {
      const out: Token[] = [];
      for (const f of partitionSpecial(text, specials)) {
        throwIfCancelled(options?.cancel);
        if (f.token !== undefined) {
          out.push({ id: f.token, text: tokens[f.token]!, start: f.start, end: f.end, special: true });
          continue;
        }
        for (const t of inner.encode(text.slice(f.start, f.end), options)) out.push({ ...t, start: t.start + f.start, end: t.end + f.start });
      }
      return out;
    },
    numSpecialTokens: () => inner.numSpecialTokens(),
    addSpecialTokens: (t, text) => inner.addSpecialTokens(t, text),
    idToToken: id => tokens[id],
    tokenToId: t => (Object.prototype.hasOwnProperty.call(vocab, t) ? vocab[t] : undefined),
    ...(padId !== undefined ? { padToken: { id: padId, text: tokens[padId]! } } : {}),
  };
}

/** A fragment of the text: raw text to tokenize, or a special token matched in it. */
interface Fragment {
  readonly start: number;
  readonly end: number;
  readonly token?: number;
}

/**
 * llama.cpp's tokenizer_st_partition: each special token in turn (longest first) is cut out of
 * every raw fragment, left to right.
 */
export function partitionSpecial(text: string, specials: readonly { id: number; text: string }[]): Fragment[] {
  // llama.cpp makes no fragment of empty text (so no prefix space either), nor empty raw fragments.
  let frags: Fragment[] = text.length > 0 ? [{ start: 0, end: text.length }] : [];
  for (const sp of specials) {
    const next: Fragment[] = [];
    for (const f of frags) {
      if (f.token !== undefined) {
        next.push(f);
        continue;
      }
      let pos = f.start;
      for (;;) {
        const at = text.indexOf(sp.text, pos);
        if (at < 0 || at + sp.text.length > f.end) break;
        if (at > pos) next.push({ start: pos, end: at });
        next.push({ start: at, end: at + sp.text.length, token: sp.id });
        pos = at + sp.text.length;
      }
      if (pos < f.end) next.push({ start: pos, end: f.end });
    }
    frags = next;
  }
  return frags;
}

/** llama.cpp's SentencePiece (`llama`) and WordPiece (`bert`) tokenizers. */
class LlamaCppTokenizer implements Tokenizer {
  readonly description: string;
  readonly source: string;
  readonly vocabSize: number;
  readonly padToken?: { readonly id: number; readonly text: string };
  private readonly ids = new Map<string, number>();
  private readonly specials: { id: number; text: string }[];
  private readonly addSpacePrefix: boolean;
  private readonly before: number[] = [];
  private readonly after: number[] = [];
  private readonly spm: SpmVocab;
  private readonly unk: number | undefined;
  private readonly maxTokenLength: number;

  constructor(
    m: Meta,
    private readonly kind: 'llama' | 'bert',
    private readonly tokens: string[],
    types: ArrayLike<number> | undefined,
  ) {
    const n = tokens.length;
    this.source = m.file;
    this.vocabSize = n;
    this.description = kind === 'llama' ? 'GGUF tokenizer (llama SentencePiece)' : 'GGUF tokenizer (bert WordPiece)';
    let longest = 0;
    tokens.forEach((t, i) => {
      this.ids.set(t, i);
      longest = Math.max(longest, t.length);
    });
    this.maxTokenLength = longest;
    this.specials = specialTokenIds(tokens, types)
      .map(id => ({ id, text: tokens[id]! }))
      .sort((a, b) => b.text.length - a.text.length);
    const scores = m.numbers('scores', n) ?? new Float32Array(n);
    this.addSpacePrefix = kind === 'llama' ? (m.flag('add_space_prefix') ?? true) : false;
    // llama.cpp's defaults: SPM bos 1, eos 2, unk 0; WPM unk 100, bos (CLS) 101, sep 102, pad 0.
    const dflt = (id: number) => (id < n ? id : undefined);
    const bos = m.tokenId('bos_token_id', n) ?? (kind === 'llama' ? dflt(1) : (m.tokenId('cls_token_id', n) ?? dflt(101)));
    const sep = m.tokenId('seperator_token_id', n) ?? (kind === 'bert' ? dflt(102) : undefined);
    // BERT's closing token is its SEP: the converter writes add_eos_token for "[CLS] $A [SEP]".
    const eos = m.tokenId('eos_token_id', n) ?? (kind === 'llama' ? dflt(2) : sep);
    this.unk = m.tokenId('unknown_token_id', n) ?? (kind === 'llama' ? dflt(0) : dflt(100));
    const pad = m.tokenId('padding_token_id', n) ?? (kind === 'bert' ? dflt(0) : undefined);
    if (pad !== undefined) this.padToken = { id: pad, text: tokens[pad]! };
    const addBos = m.flag('add_bos_token') ?? true;
    const addEos = m.flag('add_eos_token') ?? false;
    const addSep = kind === 'bert' ? (m.flag('add_sep_token') ?? true) : (m.flag('add_sep_token') ?? false);
    const need = (flag: string, id: number | undefined, key: string): number => {
      if (id === undefined) throw new LensError('badFile', `${m.file}: ${K}${flag} is true but ${K}${key} is missing or outside the vocabulary`);
      return id;
    };
    if (addBos) this.before.push(need('add_bos_token', bos, 'bos_token_id'));
    if (addEos) this.after.push(need('add_eos_token', eos, 'eos_token_id'));
    if (addSep && !(addEos && eos === sep)) this.after.push(need('add_sep_token', sep, 'seperator_token_id'));
    const ids = this.ids;
    this.spm = {
      tokens,
      scores,
      file: m.file,
      id: t => ids.get(t),
      byteToken: b => ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? ids.get(String.fromCharCode(b)),
    };
  }

  encode(text: string, options?: EncodeOptions): Token[] {
    const out: Token[] = [];
    let prevSpecial = true;
    for (const f of partitionSpecial(text, this.specials)) {
      throwIfCancelled(options?.cancel);
      if (f.token !== undefined) {
        out.push({ id: f.token, text: this.tokens[f.token]!, start: f.start, end: f.end, special: true });
        prevSpecial = true;
        continue;
      }
      const fragment = text.slice(f.start, f.end);
      if (this.kind === 'llama') spmTokenize(this.spm, fragment, f.start, this.addSpacePrefix && prevSpecial, out);
      else wpmTokenize({ id: t => this.ids.get(t), tokens: this.tokens, unk: this.unk, maxTokenLength: this.maxTokenLength, file: this.source }, fragment, f.start, out);
      prevSpecial = false;
    }
    return out;
  }

  numSpecialTokens(): number {
    return this.before.length + this.after.length;
  }

  addSpecialTokens(tokens: readonly Token[], text: string): Token[] {
    const mk = (id: number, at: number): Token => ({ id, text: this.tokens[id]!, start: at, end: at, special: true });
    return [...this.before.map(id => mk(id, 0)), ...tokens, ...this.after.map(id => mk(id, text.length))];
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }
}
