import { LensError } from '../errors';
import type { NormalizedString } from './normalizedString';

/** Rewrites a normalized string (keeping its alignment to the original). */
export type Normalizer = (s: NormalizedString) => NormalizedString;

/** `Lowercase`: each code point lowercased on its own (Rust's char::to_lowercase, context-free). */
export const lowercaseNormalizer: Normalizer = s => s.mapCodePoints(cp => cp.toLowerCase());

/** The normalizer a tokenizer.json describes; unsupported types are an error naming them. */
export function normalizerFromJson(json: unknown, file: string): Normalizer | undefined {
  if (json === null || json === undefined) return undefined;
  const type = (json as { type?: unknown }).type;
  switch (type) {
    case 'Lowercase':
      return lowercaseNormalizer;
    case 'Sequence': {
      const parts = ((json as { normalizers?: unknown[] }).normalizers ?? []).map(n => normalizerFromJson(n, file));
      return s => parts.reduce((acc, n) => (n ? n(acc) : acc), s);
    }
    default:
      throw new LensError('unsupported', `${file}: normalizer type ${JSON.stringify(type)} is not supported (supported: Lowercase, Sequence)`);
  }
}
