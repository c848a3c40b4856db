import { LensError } from '../errors';
import type { NormalizedString } from './normalizedString';

/** Splits a normalized string into pieces that the model tokenizes separately. */
export type PreTokenizer = (piece: NormalizedString) => NormalizedString[];

// Hugging Face's Whitespace pre-tokenizer is the regex \w+|[^\w\s]+ with Unicode classes as the
// Rust engines define them (UTS #18): \w = Alphabetic, marks, decimal digits, connector
// punctuation and the joiners (so a ZWJ sticks to letters, but "½" does not); \s = White_Space
// (U+0085 and NBSP are spaces; U+FEFF and U+200B are not, unlike JavaScript's \s).
const WORD = String.raw`\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}`;
const SPACE = String.raw`\p{White_Space}`;
const WHITESPACE_RE = new RegExp(`[${WORD}]+|[^${WORD}${SPACE}]+`, 'gu');
const NON_SPACE_RE = new RegExp(`[^${SPACE}]+`, 'gu');

/** Pieces of `s` matched by a global regex (the gaps are dropped: HF's "Removed" behaviour). */
function matches(re: RegExp, s: NormalizedString): NormalizedString[] {
  const out: NormalizedString[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s.normalized); m; m = re.exec(s.normalized)) {
    out.push(s.slice(m.index, m.index + m[0].length));
  }
  return out;
}

/** `Whitespace`: runs of word characters, and runs of other non-space characters. */
export const whitespacePreTokenizer: PreTokenizer = s => matches(WHITESPACE_RE, s);

/** `WhitespaceSplit`: split on whitespace only. */
export const whitespaceSplitPreTokenizer: PreTokenizer = s => matches(NON_SPACE_RE, s);

/** The pre-tokenizer a tokenizer.json describes; unsupported types are an error naming them. */
export function preTokenizerFromJson(json: unknown, file: string): PreTokenizer | undefined {
  if (json === null || json === undefined) return undefined;
  const type = (json as { type?: unknown }).type;
  switch (type) {
    case 'Whitespace':
      return whitespacePreTokenizer;
    case 'WhitespaceSplit':
      return whitespaceSplitPreTokenizer;
    case 'Sequence': {
      const parts = ((json as { pretokenizers?: unknown[] }).pretokenizers ?? []).map(p => preTokenizerFromJson(p, file));
      return s => parts.reduce<NormalizedString[]>((pieces, p) => (p ? pieces.flatMap(p) : pieces), [s]);
    }
    default:
      throw new LensError('unsupported', `${file}: pre_tokenizer type ${JSON.stringify(type)} is not supported (supported: Whitespace, WhitespaceSplit, Sequence)`);
  }
}
