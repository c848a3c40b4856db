import { LensError } from '../errors';
import { checkSequenceDepth } from './sequenceDepth';
import { bertNormalizerFromJson } from './bert';
import type { NormalizedString } from './normalizedString';
import { precompiledNormalizerFromJson } from './precompiled';
import { lowercaseNormalizer, prependNormalizer, replaceNormalizer, stripAccentsNormalizer, stripNormalizer, unicodeNormalizer } from './textNormalizers';

/** Rewrites a normalized string (keeping its alignment to the original). */
export type Normalizer = (s: NormalizedString) => NormalizedString;

export { lowercaseNormalizer };

/** A required boolean field of a normalizer (the Rust library refuses the file without it). */
function flag(json: Record<string, unknown>, name: string, file: string): boolean {
  const v = json[name];
  if (typeof v !== 'boolean') throw new LensError('badFile', `${file}: normalizer ${String(json.type)} needs "${name}": true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** The normalizer a tokenizer.json describes; unsupported types are an error naming them. */
export function normalizerFromJson(json: unknown, file: string, depth = 0): Normalizer | undefined {
  if (json === null || json === undefined) return undefined;
  const type = (json as { type?: unknown }).type;
  switch (type) {
    case 'BertNormalizer':
      return bertNormalizerFromJson(json as Record<string, unknown>, file);
    case 'Precompiled':
      return precompiledNormalizerFromJson(json as Record<string, unknown>, file);
    case 'Lowercase':
      return lowercaseNormalizer;
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return unicodeNormalizer(type);
    case 'StripAccents':
      return stripAccentsNormalizer;
    case 'Strip': {
      const j = json as Record<string, unknown>;
      return stripNormalizer(flag(j, 'strip_left', file), flag(j, 'strip_right', file));
    }
    case 'Prepend': {
      const prepend = (json as { prepend?: unknown }).prepend;
      if (typeof prepend !== 'string') throw new LensError('badFile', `${file}: normalizer Prepend needs "prepend": a string, got ${JSON.stringify(prepend)}`);
      return prependNormalizer(prepend);
    }
    case 'Replace':
      return replaceNormalizer(json as Record<string, unknown>, file);
    case 'Sequence': {
      const list = (json as { normalizers?: unknown }).normalizers;
      if (!Array.isArray(list)) throw new LensError('badFile', `${file}: normalizer Sequence needs "normalizers": a list, got ${JSON.stringify(list)}`);
      checkSequenceDepth(depth, file, 'normalizer');
      const parts = list.map(n => normalizerFromJson(n, file, depth + 1)).filter((n): n is Normalizer => n !== undefined);
      return s => {
        for (const n of parts) s = n(s);
        return s;
      };
    }
    default:
      throw new LensError(
        'unsupported',
        `${file}: normalizer type ${JSON.stringify(type)} is not supported (supported: BertNormalizer, Precompiled, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Sequence)`,
      );
  }
}
