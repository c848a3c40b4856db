// OpenAI's tiktoken encodings (r50k_base = GPT-2, p50k_base, cl100k_base, o200k_base), offline:
// the rank files are `.tiktoken` files in an assets folder, read through FileAccess. The encoder
// is tiktoken's algorithm: special tokens are matched first (as tiktoken's
// `encode(text, allowed_special='all')`), the text between them is split by the encoding's regex,
// and each piece's UTF-8 bytes are either one token or merged pair by pair, lowest rank first.
import { LensError, throwIfCancelled } from '../errors';
import type { FileAccess } from '../fileAccess';
import { bytePairMerge, MergeScratch } from './openaiBpe';
import { BYTE_LEVEL_CHARS, byteLevelBytes, byteLevelText } from './byteLevelChars';
import { tiktokenPatternToJs } from './openaiPatterns';
import { NO_RANK, parseTiktokenRanks, type RankTable } from './openaiRanks';
import type { ModelStep, Replay, ReplayPiece } from './replay';
import type { EncodeOptions, Token, Tokenizer } from './types';

/** The encodings we ship, by tiktoken's names. */
export const OPENAI_ENCODINGS = ['r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'] as const;

/** One of tiktoken's encoding names. */
export type OpenAiEncodingName = (typeof OPENAI_ENCODINGS)[number];

interface EncodingSpec {
  /** tiktoken's split pattern, as its JS/WASM build (tiktoken 1.0.22) carries it. */
  readonly pattern: string;
  readonly specials: readonly (readonly [string, number])[];
  /** How many ranks the rank file must hold (a check that the right file was found). */
  readonly ranks: number;
  readonly models: string;
}

const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
const CASED_LETTERS = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWER_LETTERS = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;
const CONTRACTION = `(?i:'s|'t|'re|'ve|'m|'ll|'d)`;

// Facts from tiktoken (openai_public.py and its JS build's encoders/*.json).
const SPECS: Readonly<Record<OpenAiEncodingName, EncodingSpec>> = {
  r50k_base: { pattern: GPT2_PATTERN, specials: [['<|endoftext|>', 50256]], ranks: 50256, models: 'GPT-2, GPT-3' },
  p50k_base: { pattern: GPT2_PATTERN, specials: [['<|endoftext|>', 50256]], ranks: 50280, models: 'Codex, text-davinci-002/003' },
  cl100k_base: {
    pattern: String.raw`${CONTRACTION}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    specials: [['<|endoftext|>', 100257], ['<|fim_prefix|>', 100258], ['<|fim_middle|>', 100259], ['<|fim_suffix|>', 100260], ['<|endofprompt|>', 100276]],
    ranks: 100256,
    models: 'GPT-3.5, GPT-4, text-embedding-3',
  },
  o200k_base: {
    pattern: [
      String.raw`[^\r\n\p{L}\p{N}]?${CASED_LETTERS}*${LOWER_LETTERS}+${CONTRACTION}?`,
      String.raw`[^\r\n\p{L}\p{N}]?${CASED_LETTERS}+${LOWER_LETTERS}*${CONTRACTION}?`,
      String.raw`\p{N}{1,3}`,
      String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
      String.raw`\s*[\r\n]+`,
      String.raw`\s+(?!\S)`,
      String.raw`\s+`,
    ].join('|'),
    specials: [['<|endoftext|>', 199999], ['<|endofprompt|>', 200018]],
    ranks: 199998,
    models: 'GPT-4o, o1, o3',
  },
};

/** True when `name` is one of OPENAI_ENCODINGS. */
export function isOpenAiEncodingName(name: string): name is OpenAiEncodingName {
  return (OPENAI_ENCODINGS as readonly string[]).includes(name);
}

function specFor(name: string): EncodingSpec {
  if (!isOpenAiEncodingName(name)) {
    throw new LensError('option', `unknown OpenAI encoding ${JSON.stringify(name)}, expected one of ${OPENAI_ENCODINGS.join(', ')}`);
  }
  return SPECS[name];
}

/** Where the rank files live inside the extension's/CLI's `assets` folder. */
export function openAiAssetsDir(files: FileAccess, assetsDir: string): string {
  return files.join(assetsDir, 'tokenizers', 'openai');
}

/** The file an encoding's ranks are read from, inside the rank folder `dir`. */
export function openAiRankFile(files: FileAccess, dir: string, name: OpenAiEncodingName): string {
  return files.join(dir, `${name}.tiktoken`);
}

// Rank files are large (o200k_base: 200k ranks), so each is parsed once per process.
const loaded = new Map<string, Promise<Tokenizer>>();

/**
 * The tokenizer of a tiktoken encoding, its ranks read from `<dir>/<name>.tiktoken` through
 * `files` (`dir` is usually openAiAssetsDir(…), where scripts/copy-encodings.js puts them).
 * Cached per process by path.
 */
export async function openAiTokenizer(name: string, files: FileAccess, dir: string): Promise<Tokenizer> {
  specFor(name);
  const file = openAiRankFile(files, dir, name as OpenAiEncodingName);
  let tokenizer = loaded.get(file);
  if (!tokenizer) {
    tokenizer = (async () => {
      const st = await files.stat(file);
      if (!st || st.isDirectory) {
        throw new LensError('badFile', `${file}: no such file; the ${name} ranks are copied there from the gpt-tokenizer package by scripts/copy-encodings.js (part of the build)`);
      }
      return openAiTokenizerFromRanks(name, await files.readAll(file), file);
    })();
    loaded.set(file, tokenizer);
    // A failure is not cached: the file may appear (a build) and the next call should see it.
    tokenizer.catch(() => loaded.delete(file));
  }
  return tokenizer;
}

/** The tokenizer of a tiktoken encoding from the bytes of its `.tiktoken` rank file (`file` names it in errors). */
export function openAiTokenizerFromRanks(name: string, data: Uint8Array, file: string): Tokenizer {
  const spec = specFor(name);
  const table = parseTiktokenRanks(data, file);
  if (table.count !== spec.ranks) {
    throw new LensError('badFile', `${file}: ${table.count} ranks, expected ${spec.ranks} for ${name}; is it another encoding's file?`);
  }
  for (const [content, id] of spec.specials) {
    if (table.tokenBytes(id)) throw new LensError('badFile', `${file}: rank ${id} is a token, but ${name} gives that id to ${content}; is it another encoding's file?`);
  }
  return new OpenAiTokenizer(name as OpenAiEncodingName, spec, table, file);
}

/** Pieces whose tokens are cached (per tokenizer; about 10 MB when full); past this the cache starts over. */
const CACHE_LIMIT = 50_000;

/** Longer pieces (a long run of spaces) are not replayed merge by merge: each step lists every part. */
const REPLAY_LIMIT = 256;

/** A special token found in the text. */
interface SpecialMatch {
  readonly at: number;
  readonly content: string;
  readonly id: number;
}

/** A tiktoken encoding behind the Tokenizer interface. */
class OpenAiTokenizer implements Tokenizer {
  readonly description: string;
  readonly vocabSize: number;
  private readonly regex: RegExp;
  private readonly sticky: RegExp;
  private readonly specials: readonly { readonly content: string; readonly id: number }[];
  private readonly texts: (string | undefined)[];
  private readonly scratch = new MergeScratch();
  // The piece being encoded: its UTF-8 bytes and, per byte, the UTF-16 span (offsets into the
  // segment) of the character the byte belongs to.
  private buf = new Uint8Array(1024);
  private charStart = new Int32Array(1024);
  private charEnd = new Int32Array(1024);
  /** Piece → [rank, start, end]* (offsets relative to the piece), for pieces that took merges. */
  private readonly cache = new Map<string, number[]>();

  constructor(
    readonly name: OpenAiEncodingName,
    spec: EncodingSpec,
    private readonly table: RankTable,
    readonly source: string,
  ) {
    this.description = `${name} (tiktoken, ${spec.models})`;
    const pattern = tiktokenPatternToJs(spec.pattern);
    this.regex = new RegExp(pattern, 'gu');
    this.sticky = new RegExp(pattern, 'yu');
    this.specials = spec.specials.map(([content, id]) => ({ content, id }));
    // Filled, not grown: a sparse array would fall back to slow dictionary elements.
    this.texts = new Array<string | undefined>(table.size).fill(undefined);
    let size = table.size;
    for (const s of this.specials) size = Math.max(size, s.id + 1);
    this.vocabSize = size;
  }

  encode(text: string, options?: EncodeOptions): Token[] {
    const out: Token[] = [];
    this.forSegments(
      text,
      (from, to) => this.encodeOrdinary(text, from, to, out, options),
      s => out.push(this.specialToken(s)),
    );
    return out;
  }

  numSpecialTokens(): number {
    return 0;
  }

  addSpecialTokens(tokens: readonly Token[]): Token[] {
    // tiktoken encodings have no post-processor: nothing is added around the text.
    return [...tokens];
  }

  idToToken(id: number): string | undefined {
    const special = this.specials.find(s => s.id === id);
    if (special) return special.content;
    return this.table.tokenBytes(id) ? this.tokenText(id) : undefined;
  }

  tokenToId(token: string): number | undefined {
    const special = this.specials.find(s => s.content === token);
    if (special) return special.id;
    const bytes = byteLevelBytes(token);
    const rank = bytes ? this.table.rank(bytes, 0, bytes.length) : NO_RANK;
    return rank === NO_RANK ? undefined : rank;
  }

  explain(text: string, start: number, end: number): Replay {
    const overlaps = (s: number, e: number): boolean => (s < end && e > start) || (s === e && s >= start && s <= end) || (start === end && s <= start && start < e);
    const addedTokens: Token[] = [];
    const segments: Replay['segments'][number][] = [];
    const preTokens: Replay['preTokens'][number][] = [];
    const pieces: Replay['pieces'][number][] = [];
    this.forSegments(
      text,
      (from, to) => {
        if (!overlaps(from, to)) return;
        const original = text.slice(from, to);
        segments.push({ original, start: from, end: to, normalized: original });
        this.forPieces(original, (pieceStart, pieceEnd) => {
          const span = { text: byteLevelText(this.buf, 0, this.toUtf8(original, pieceStart, pieceEnd)), start: from + pieceStart, end: from + pieceEnd };
          const selected = overlaps(span.start, span.end);
          preTokens.push({ ...span, selected });
          if (selected) pieces.push(this.explainPiece(original, pieceStart, pieceEnd, from, span));
        });
      },
      s => {
        if (overlaps(s.at, s.at + s.content.length)) addedTokens.push(this.specialToken(s));
      },
    );
    return { start, end, text: text.slice(start, end), addedTokens, segments, preTokens, pieces };
  }

  /** Cuts `text` at special tokens (leftmost first), calling `ordinary` for the runs between them. */
  private forSegments(text: string, ordinary: (from: number, to: number) => void, special: (s: SpecialMatch) => void): void {
    // Every special token starts with "<|"; most texts have none, and then one scan decides.
    let from = 0;
    if (text.indexOf('<|') >= 0) {
      const next = this.specials.map(s => text.indexOf(s.content));
      for (;;) {
        let best = -1;
        for (let k = 0; k < next.length; k++) {
          if (next[k]! >= 0 && next[k]! < from) next[k] = text.indexOf(this.specials[k]!.content, from);
          if (next[k]! >= 0 && (best < 0 || next[k]! < next[best]!)) best = k;
        }
        if (best < 0) break;
        const at = next[best]!;
        const { content, id } = this.specials[best]!;
        if (at > from) ordinary(from, at);
        special({ at, content, id });
        from = at + content.length;
      }
    }
    if (from < text.length) ordinary(from, text.length);
  }

  /**
   * Calls `f(from, to)` for each regex piece of `segment`, in order. tiktoken's patterns leave no
   * gaps (every character is a space, a letter, a number or something else), so a sticky match at
   * the end of the previous piece finds the next one without building a match array; the global
   * regex is the fallback should a pattern ever skip text, as Rust's `find_iter` would.
   */
  private forPieces(segment: string, f: (from: number, to: number) => void, cancel?: EncodeOptions['cancel']): void {
    const sticky = this.sticky;
    let at = 0;
    let n = 0;
    while (at < segment.length) {
      sticky.lastIndex = at;
      let from = at;
      if (!sticky.test(segment)) {
        const re = this.regex;
        re.lastIndex = at;
        const m = re.exec(segment);
        if (m === null) return;
        from = m.index;
        sticky.lastIndex = from + m[0].length;
      }
      const to = sticky.lastIndex;
      if (to === from) {
        // None of tiktoken's patterns matches empty; never loop forever if one did.
        at = from + 1;
        continue;
      }
      if ((++n & 1023) === 0) throwIfCancelled(cancel);
      f(from, to);
      at = to;
    }
  }

  private encodeOrdinary(text: string, from: number, to: number, out: Token[], options: EncodeOptions | undefined): void {
    // The regex runs on the run alone, as tiktoken does: `\s+(?!\S)` and `\s*[\r\n]+` see the
    // end of the run before a special token as the end of the text.
    const segment = from === 0 && to === text.length ? text : text.slice(from, to);
    this.forPieces(segment, (start, end) => this.encodePiece(segment, start, end, from, out), options?.cancel);
  }

  /** Encodes `segment[start, end)`; `base` is the segment's offset in the text. */
  private encodePiece(segment: string, start: number, end: number, base: number, out: Token[]): void {
    // Most pieces are one token: tiktoken's direct look-up, hashing the bytes, is the fast path
    // and needs no string for the piece.
    const n = this.toUtf8(segment, start, end);
    const whole = this.table.rank(this.buf, 0, n);
    if (whole !== NO_RANK) {
      out.push(this.token(whole, base + start, base + end));
      return;
    }
    const piece = segment.slice(start, end);
    let result = this.cache.get(piece);
    if (!result) {
      const count = bytePairMerge(this.table, this.buf, n, this.scratch);
      const bounds = this.scratch.bounds;
      // A plain array: V8 allocates small arrays much faster than typed arrays.
      result = new Array<number>(count * 3);
      for (let k = 0; k < count; k++) {
        const b0 = bounds[k]!;
        const b1 = bounds[k + 1]!;
        result[3 * k] = this.table.rank(this.buf, b0, b1);
        result[3 * k + 1] = this.charStart[b0]! - start;
        result[3 * k + 2] = this.charEnd[b1 - 1]! - start;
      }
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(piece, result);
    }
    const at = base + start;
    for (let k = 0; k < result.length; k += 3) out.push(this.token(result[k]!, at + result[k + 1]!, at + result[k + 2]!));
  }

  /**
   * Writes the UTF-8 bytes of `s[from, to)` into `buf` and each byte's character span (offsets
   * into `s`) into `charStart`/`charEnd`; returns the byte count. A lone surrogate becomes
   * U+FFFD, as TextEncoder (and so tiktoken's WASM build) writes it.
   */
  private toUtf8(s: string, from: number, to: number): number {
    const max = (to - from) * 3;
    if (this.buf.length < max) {
      let size = this.buf.length;
      while (size < max) size *= 2;
      this.buf = new Uint8Array(size);
      this.charStart = new Int32Array(size);
      this.charEnd = new Int32Array(size);
    }
    const buf = this.buf;
    const cs = this.charStart;
    const ce = this.charEnd;
    let n = 0;
    for (let i = from; i < to; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[n] = c;
        cs[n] = i;
        ce[n++] = i + 1;
        continue;
      }
      const first = i;
      if (c < 0x800) {
        buf[n] = 0xc0 | (c >> 6);
        buf[n + 1] = 0x80 | (c & 0x3f);
        cs[n] = cs[n + 1] = first;
        ce[n] = ce[n + 1] = first + 1;
        n += 2;
        continue;
      }
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < to) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          buf[n] = 0xf0 | (c >> 18);
          buf[n + 1] = 0x80 | ((c >> 12) & 0x3f);
          buf[n + 2] = 0x80 | ((c >> 6) & 0x3f);
          buf[n + 3] = 0x80 | (c & 0x3f);
          cs[n] = cs[n + 1] = cs[n + 2] = cs[n + 3] = first;
          ce[n] = ce[n + 1] = ce[n + 2] = ce[n + 3] = first + 2;
          n += 4;
          continue;
        }
      }
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
      buf[n] = 0xe0 | (c >> 12);
      buf[n + 1] = 0x80 | ((c >> 6) & 0x3f);
      buf[n + 2] = 0x80 | (c & 0x3f);
      cs[n] = cs[n + 1] = cs[n + 2] = first;
      ce[n] = ce[n + 1] = ce[n + 2] = first + 1;
      n += 3;
    }
    return n;
  }

  private token(rank: number, start: number, end: number): Token {
    return { id: rank, text: this.tokenText(rank), start, end, special: false };
  }

  private specialToken(s: SpecialMatch): Token {
    return { id: s.id, text: s.content, start: s.at, end: s.at + s.content.length, special: true };
  }

  /** The byte-level spelling of a rank's bytes (`Ġthe`), made once per rank. */
  private tokenText(rank: number): string {
    let t = this.texts[rank];
    if (t === undefined) {
      t = byteLevelText(this.table.tokenBytes(rank)!);
      this.texts[rank] = t;
    }
    return t;
  }

  /** The replay of one piece: its bytes, then the direct look-up or each merge in order. */
  private explainPiece(segment: string, start: number, end: number, base: number, span: ReplayPiece): Replay['pieces'][number] {
    const n = this.toUtf8(segment, start, end);
    const bytes = this.buf.slice(0, n);
    const symbols = Array.from(bytes, b => BYTE_LEVEL_CHARS[b]!);
    const steps: ModelStep[] = [{ kind: 'symbols', parts: symbols }];
    const whole = this.table.rank(bytes, 0, n);
    if (whole !== NO_RANK) {
      steps.push({ kind: 'wholeWord', piece: span.text, id: whole });
    } else if (n > REPLAY_LIMIT) {
      steps.push({ kind: 'note', text: `this piece has ${n} bytes: merges are replayed one by one only for pieces of up to ${REPLAY_LIMIT} bytes; the tokens are the result of all of them` });
    } else {
      const partsOf = (bounds: Int32Array, count: number): string[] => {
        const parts: string[] = [];
        for (let k = 0; k < count; k++) parts.push(byteLevelText(bytes, bounds[k]!, bounds[k + 1]!));
        return parts;
      };
      let before = symbols;
      bytePairMerge(this.table, bytes, n, new MergeScratch(), (rank, at, bounds, count) => {
        const parts = partsOf(bounds, count);
        steps.push({ kind: 'merge', rank, left: before[at]!, right: before[at + 1]!, merged: parts[at]!, parts });
        before = parts;
      });
    }
    const tokens: Token[] = [];
    this.encodePiece(segment, start, end, base, tokens);
    return { ...span, steps, tokens };
  }
}

/** tiktoken's split pattern of an encoding (for tests that check every pattern we ship). */
export function openAiSplitPattern(name: OpenAiEncodingName): string {
  return SPECS[name].pattern;
}
