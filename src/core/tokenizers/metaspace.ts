import { LensError } from '../errors';
import { NormalizedString } from './normalizedString';
import type { PreTokenizer } from './preTokenizers';

/** When Metaspace puts the replacement in front of a piece that does not start with it. */
export type PrependScheme = 'always' | 'first' | 'never';

/** Hugging Face's Metaspace options (tokenizers ≥ 0.19 form; legacy add_prefix_space is mapped). */
export interface MetaspaceOptions {
  /** One character that stands for a space (SentencePiece's "▁"). */
  readonly replacement: string;
  /** `first`: only for the piece that starts at offset 0 of the input. */
  readonly prependScheme: PrependScheme;
  /** Split before every replacement character (the delimiter starts the next piece). */
  readonly split: boolean;
}

/** `text` with every ' ' replaced; each replacement aligned to the space it stands for. */
function replaceSpaces(s: NormalizedString, rep: string): NormalizedString {
  const text = s.normalized;
  if (text.indexOf(' ') < 0) return s;
  const out = text.replaceAll(' ', rep);
  // One unit for one unit: an unchanged string stays identity-aligned (same ranges, no arrays).
  if (rep.length === 1 && s.isIdentity) return NormalizedString.fromOriginal(out, s.originalStart);
  const starts = new Int32Array(out.length);
  const ends = new Int32Array(out.length);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const a = s.startOf(i);
    const b = s.endOf(i);
    const w = text.charCodeAt(i) === 0x20 ? rep.length : 1;
    for (let k = 0; k < w; k++) {
      starts[o] = a;
      ends[o++] = b;
    }
  }
  return NormalizedString.fromAlignments(out, starts, ends, s.originalStart, s.originalEnd);
}

/** The replacement put in front; it shares the first character's alignment (Rust's prepend). */
function prepend(s: NormalizedString, rep: string): NormalizedString {
  const n = rep.length;
  const starts = new Int32Array(s.length + n);
  const ends = new Int32Array(s.length + n);
  starts.fill(s.startOf(0), 0, n);
  ends.fill(s.endOf(0), 0, n);
  for (let i = 0; i < s.length; i++) {
    starts[n + i] = s.startOf(i);
    ends[n + i] = s.endOf(i);
  }
  return NormalizedString.fromAlignments(rep + s.normalized, starts, ends, s.originalStart, s.originalEnd);
}

/** Metaspace: spaces become the replacement, a prefix is added per the scheme, then split. */
export function metaspacePreTokenizer(options: MetaspaceOptions): PreTokenizer {
  const { replacement: rep, prependScheme, split } = options;
  return piece => {
    const s = replaceSpaces(piece, rep);
    const prefix = s.length > 0 && !s.normalized.startsWith(rep) && (prependScheme === 'always' || (prependScheme === 'first' && s.originalStart === 0));
    if (!split) return [prefix ? prepend(s, rep) : s];
    // Split before every replacement; the prefix only ever lands on the first piece, so it is
    // added there (cheaper than realigning the whole text).
    const out: NormalizedString[] = [];
    let from = 0;
    for (let at = s.normalized.indexOf(rep, 1); at > 0; at = s.normalized.indexOf(rep, at + rep.length)) {
      out.push(s.slice(from, at));
      from = at;
    }
    out.push(from === 0 ? s : s.slice(from, s.length));
    if (prefix) out[0] = prepend(out[0]!, rep);
    return out;
  };
}

const SCHEMES: readonly PrependScheme[] = ['always', 'first', 'never'];

/** Metaspace from its tokenizer.json object, accepting what the Rust library accepts. */
export function metaspaceFromJson(json: Record<string, unknown>, file: string): PreTokenizer {
  return metaspacePreTokenizer(metaspaceOptionsFromJson(json, file, 'pre_tokenizer'));
}

/** Parses Metaspace options (pre-tokenizer or decoder); `where` names the part in messages. */
export function metaspaceOptionsFromJson(json: Record<string, unknown>, file: string, where: string): MetaspaceOptions {
  const rep = json.replacement;
  if (typeof rep !== 'string' || [...rep].length !== 1) {
    throw new LensError('badFile', `${file}: ${where} Metaspace needs "replacement": one character, got ${JSON.stringify(rep)}`);
  }
  let scheme: PrependScheme = 'always';
  if (json.prepend_scheme !== undefined) {
    if (!SCHEMES.includes(json.prepend_scheme as PrependScheme)) {
      throw new LensError('badFile', `${file}: ${where} Metaspace prepend_scheme is ${JSON.stringify(json.prepend_scheme)}, expected "always", "first" or "never"`);
    }
    scheme = json.prepend_scheme as PrependScheme;
  }
  const aps = json.add_prefix_space;
  if (aps !== undefined && aps !== null && typeof aps !== 'boolean') {
    throw new LensError('badFile', `${file}: ${where} Metaspace add_prefix_space is ${JSON.stringify(aps)}, expected true or false`);
  }
  // Legacy files: add_prefix_space false means "never"; Rust rejects it next to any other scheme.
  if (aps === false) {
    if (scheme !== 'never') {
      throw new LensError('badFile', `${file}: ${where} Metaspace add_prefix_space false contradicts prepend_scheme ${JSON.stringify(scheme)}${json.prepend_scheme === undefined ? ' (the default)' : ''}`);
    }
  }
  const split = json.split;
  if (split !== undefined && split !== null && typeof split !== 'boolean') {
    throw new LensError('badFile', `${file}: ${where} Metaspace split is ${JSON.stringify(split)}, expected true or false`);
  }
  return { replacement: rep, prependScheme: scheme, split: split !== false };
}
