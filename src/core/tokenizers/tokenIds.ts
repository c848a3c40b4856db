import { LensError } from '../errors';
import { LIMITS } from '../limits';

/** What the message says an id must be (the Rust tokenizers library deserializes ids as u32). */
export const ID_EXPECTED = 'expected an integer in [0, 2^32) (a u32, as the tokenizers library reads ids)';

/** A number as the file wrote it, as near as a parsed double allows: 1e12 is "1000000000000", never wrapped. */
export function idValueText(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e21) return BigInt(v).toString();
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** True for an id the Rust library accepts: an integer in [0, 2^32). */
export function isTokenId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < LIMITS.idLimit;
}

/**
 * `v` as a token id, or a `badFile` error: `${file}: "zebra" has id 4294967298, expected an
 * integer in [0, 2^32) …` when `what` names a token, `${file}: "padding.pad_id" is …` when it
 * names a key (`key` true).
 */
export function tokenId(v: unknown, file: string, what: string, key = false): number {
  if (isTokenId(v)) return v;
  throw new LensError('badFile', `${file}: ${what} ${key ? 'is' : 'has id'} ${idValueText(v)}, ${ID_EXPECTED}`);
}

/** A `{ token: id }` object's entries; a value that is not a number is an error naming the token (Vocab checks the numbers). */
export function* vocabObjectEntries(vocab: Record<string, unknown>, file: string): Generator<[string, number]> {
  for (const token in vocab) {
    const id = vocab[token];
    if (typeof id !== 'number') throw new LensError('badFile', `${file}: token ${JSON.stringify(token)} maps to ${JSON.stringify(id)}, expected an integer id`);
    yield [token, id];
  }
}
