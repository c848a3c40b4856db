import { LensError } from './errors';
import { LIMITS } from './limits';

/**
 * The deepest nesting of arrays/objects in JSON `text`, stopping early once `limit` is passed.
 * A linear scan that skips strings: JSON.parse itself recurses and overflows the stack on a deep
 * enough input, so we measure first.
 */
export function jsonDepth(text: string, limit: number = Infinity): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string, honouring backslash escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return max;
}

/**
 * JSON.parse with a nesting limit: a file nested deeper than `LIMITS.jsonDepth` is a `badFile`
 * error naming the file and the limit, never a stack overflow. Syntax errors name the file too.
 */
export function parseJsonFile(text: string, file: string, what = 'JSON'): unknown {
  const depth = jsonDepth(text, LIMITS.jsonDepth);
  if (depth > LIMITS.jsonDepth) {
    throw new LensError('badFile', `${file}: ${what} is nested more than ${LIMITS.jsonDepth} levels deep (the nesting limit); expected a flatter file`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LensError('badFile', `${file}: not valid ${what} (${(e as Error).message})`);
  }
}
