import type { PieceToken } from './models/model';
import type { Token } from './types';
import { LensError } from '../errors';
import { checkSequenceDepth } from './sequenceDepth';
import { bertPreTokenizer } from './bert';
import { byteLevelPreTokenizerFromJson } from './byteLevel';
import { digitsFromJson, punctuationFromJson, whitespacePreTokenizer, whitespaceSplitPreTokenizer } from './charSplit';
import { metaspaceFromJson } from './metaspace';
import type { NormalizedString } from './normalizedString';
import { splitPreTokenizerFromJson } from './split';

/** Splits a normalized string into pieces that the model tokenizes separately. */
export type PreTokenizer = ((piece: NormalizedString) => NormalizedString[]) & {
  /**
   * A faster route to the same tokens for text no normalizer changed: pre-tokenize `text` (at
   * `offset` in the input) and push the model's tokens with their original spans straight into
   * `out`, without a NormalizedString per piece. Must give exactly what the general route gives.
   */
  direct?: (text: string, offset: number, tokenize: (piece: string) => readonly PieceToken[], out: Token[]) => void;
};

export { whitespacePreTokenizer, whitespaceSplitPreTokenizer };

/** The pre-tokenizer a tokenizer.json describes; unsupported types are an error naming them. */
export function preTokenizerFromJson(json: unknown, file: string, depth = 0): PreTokenizer | undefined {
  if (json === null || json === undefined) return undefined;
  const type = (json as { type?: unknown }).type;
  switch (type) {
    case 'BertPreTokenizer':
      return bertPreTokenizer;
    case 'Metaspace':
      return metaspaceFromJson(json as Record<string, unknown>, file);
    case 'Whitespace':
      return whitespacePreTokenizer;
    case 'WhitespaceSplit':
      return whitespaceSplitPreTokenizer;
    case 'ByteLevel':
      return byteLevelPreTokenizerFromJson(json as Record<string, unknown>, file);
    case 'Split':
      return splitPreTokenizerFromJson(json as Record<string, unknown>, file);
    case 'Punctuation':
      return punctuationFromJson(json as Record<string, unknown>, file);
    case 'Digits':
      return digitsFromJson(json as Record<string, unknown>, file);
    case 'Sequence': {
      const list = (json as { pretokenizers?: unknown }).pretokenizers;
      if (!Array.isArray(list)) throw new LensError('badFile', `${file}: pre_tokenizer Sequence needs "pretokenizers": a list, got ${JSON.stringify(list)}`);
      checkSequenceDepth(depth, file, 'pre_tokenizer');
      const parts = list.map(p => preTokenizerFromJson(p, file, depth + 1)).filter((p): p is PreTokenizer => p !== undefined);
      // Each step sees the non-empty pieces of the previous one, as the library's splits do.
      return s => parts.reduce<NormalizedString[]>((pieces, p) => pieces.flatMap(piece => p(piece).filter(x => x.length > 0)), [s]);
    }
    default:
      throw new LensError(
        'unsupported',
        `${file}: pre_tokenizer type ${JSON.stringify(type)} is not supported (supported: BertPreTokenizer, ByteLevel, Metaspace, Split, Whitespace, WhitespaceSplit, Punctuation, Digits, Sequence)`,
      );
  }
}
