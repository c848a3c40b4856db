import { LensError } from '../errors';

// tiktoken's split patterns are written for Rust's fancy-regex. Two things differ in JavaScript:
// - `\s` there is Unicode's White_Space property; JavaScript's `\s` also takes U+FEFF and misses
//   U+0085 (NEL), so `\s`/`\S` become `\p{White_Space}`/`\P{White_Space}`.
// - `(?i:…)` (a case-insensitive group) does not exist in Node 20, and the `i` flag would change
//   `\p{Lu}` too, so each letter inside becomes a class of its simple case folds (Rust's `(?i)s`
//   also matches U+017F ſ, `(?i)k` U+212A Kelvin sign).
// The patterns use no possessive quantifiers in the form tiktoken's JS/WASM build carries, and the
// backtracking (leftmost-first) semantics of both engines agree on the rest.

const EXTRA_FOLDS: Readonly<Record<string, string>> = { s: '\u017f', k: '\u212a' };

/**
 * Translates one of tiktoken's patterns into a JavaScript RegExp source for the `u` flag. Only the
 * constructs tiktoken's patterns use are accepted; anything else in a `(?i:…)` group is an error,
 * so a new pattern cannot be translated wrongly without notice.
 */
export function tiktokenPatternToJs(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new LensError('unsupported', `split pattern ${JSON.stringify(pattern)}: ends with a lone backslash`);
      out += next === 's' ? '\\p{White_Space}' : next === 'S' ? '\\P{White_Space}' : c + next;
      i++;
    } else if (pattern.startsWith('(?i:', i)) {
      const close = pattern.indexOf(')', i);
      if (close < 0) throw new LensError('unsupported', `split pattern ${JSON.stringify(pattern)}: unclosed (?i: group`);
      out += '(?:' + caseFolded(pattern.slice(i + 4, close), pattern) + ')';
      i = close;
    } else if (pattern.startsWith('(?', i) && !pattern.startsWith('(?:', i) && !pattern.startsWith('(?!', i) && !pattern.startsWith('(?=', i)) {
      throw new LensError('unsupported', `split pattern ${JSON.stringify(pattern)}: group ${pattern.slice(i, i + 4)}… is not supported`);
    } else {
      out += c;
    }
  }
  return out;
}

function caseFolded(body: string, pattern: string): string {
  let out = '';
  for (const c of body) {
    if (/^[a-zA-Z]$/.test(c)) {
      const lower = c.toLowerCase();
      out += `[${lower}${lower.toUpperCase()}${EXTRA_FOLDS[lower] ?? ''}]`;
    } else if (c === '|' || c === "'") {
      out += c;
    } else {
      throw new LensError('unsupported', `split pattern ${JSON.stringify(pattern)}: ${JSON.stringify(c)} inside (?i:…) is not supported`);
    }
  }
  return out;
}
