import { LensError } from './errors';
import { LIMITS } from './limits';

/**
 * The deepest nesting of arrays/objects in JSON `text`, stopping early once `limit` is passed.
 * A linear scan that skips strings: JSON.parse itself recurses and overflows the stack on a deep
 * enough input, so we measure first.
 */
export function jsonDepth(text: string, limit: number = Infinity): number {
  return scanJson(text, limit, undefined).depth;
}

/**
 * Reads one value of a JSON text itself, instead of JSON.parse (see `parseJsonFileDeferring`).
 * Called with `start` at the value's first character; returns where the value ends (exclusive),
 * how deep it nests (1 for an array of scalars) and what it read, or undefined when the value is
 * not in the form the reader takes — then JSON.parse reads it as usual. A reader must accept only
 * valid JSON: the text it takes is never seen by JSON.parse.
 */
export type JsonValueReader<T> = (text: string, start: number) => { end: number; depth: number; value: T } | undefined;

interface Deferral<T> {
  /** A key of the top-level object, then a key of the object it maps to. */
  readonly keys: readonly [string, string];
  readonly read: JsonValueReader<T>;
}

interface Scan<T> {
  depth: number;
  /** The value read by the deferral's reader, when its path occurs exactly once, with unescaped keys. */
  found?: { start: number; end: number; value: T };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The depth scan, optionally handing the value at `defer.keys` to `defer.read`. Keys are told
 * apart from string values only at depth 1 and 2 (a string followed by `:`), so the deferral
 * costs nothing inside the big tables. An escaped key at those depths, or a second occurrence of
 * the path, could make JSON.parse keep another value than the one read: then nothing is deferred.
 */
function scanJson<T>(text: string, limit: number, defer: Deferral<T> | undefined): Scan<T> {
  let depth = 0;
  let max = 0;
  const n = text.length;
  let key1 = '';
  let tried = false;
  let ambiguous = false;
  let found: Scan<T>['found'];
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string, honouring backslash escapes.
      const start = i + 1;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          i++;
          escaped = true;
        } else if (d === 0x22) break;
      }
      if (defer === undefined || depth > 2 || depth === 0) continue;
      let k = i + 1;
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) !== 0x3a /* : */) continue;
      if (escaped) {
        ambiguous = true;
        continue;
      }
      if (depth === 1) {
        key1 = text.slice(start, i);
        continue;
      }
      if (key1 !== defer.keys[0] || text.slice(start, i) !== defer.keys[1]) continue;
      if (tried) {
        ambiguous = true;
        continue;
      }
      tried = true;
      let v = k + 1;
      while (v < n && isSpace(text.charCodeAt(v))) v++;
      const got = v < n ? defer.read(text, v) : undefined;
      if (got === undefined) continue;
      found = { start: v, end: got.end, value: got.value };
      if (depth + got.depth > max) {
        max = depth + got.depth;
        if (max > limit) return { depth: max };
      }
      i = got.end - 1;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return { depth: max };
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return ambiguous || found === undefined ? { depth: max } : { depth: max, found };
}

function checkDepth(depth: number, file: string, what: string): void {
  if (depth > LIMITS.jsonDepth) {
    throw new LensError('badFile', `${file}: ${what} is nested more than ${LIMITS.jsonDepth} levels deep (the nesting limit); expected a flatter file`);
  }
}

function parseChecked(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LensError('badFile', `${file}: not valid ${what} (${(e as Error).message})`);
  }
}

/**
 * JSON.parse with a nesting limit: a file nested deeper than `LIMITS.jsonDepth` is a `badFile`
 * error naming the file and the limit, never a stack overflow. Syntax errors name the file too.
 */
export function parseJsonFile(text: string, file: string, what = 'JSON'): unknown {
  checkDepth(jsonDepth(text, LIMITS.jsonDepth), file, what);
  return parseChecked(text, file, what);
}

/**
 * `parseJsonFile`, except that the value at `keys` (e.g. tokenizer.json's model.merges, most of
 * a BPE file) is read by `read` straight from the text during the depth scan, and is `null` in
 * the parsed result; `deferred` is what `read` returned. When the reader declines, or the path
 * is missing or ambiguous, it is exactly `parseJsonFile` (deferred undefined). The errors are
 * parseJsonFile's in every case: a syntax error anywhere is reported from the whole text.
 */
export function parseJsonFileDeferring<T>(text: string, file: string, keys: readonly [string, string], read: JsonValueReader<T>, what = 'JSON'): { json: unknown; deferred?: T } {
  const scan = scanJson(text, LIMITS.jsonDepth, { keys, read });
  checkDepth(scan.depth, file, what);
  const found = scan.found;
  if (found !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(`${text.slice(0, found.start)}null${text.slice(found.end)}`);
    } catch {
      // The reader took only valid JSON, so the whole text has this error too: report it from there.
      return { json: parseChecked(text, file, what) };
    }
    const outer = (json as Record<string, unknown> | null)?.[keys[0]];
    if (typeof outer === 'object' && outer !== null && (outer as Record<string, unknown>)[keys[1]] === null) return { json, deferred: found.value };
  }
  return { json: parseChecked(text, file, what) };
}
