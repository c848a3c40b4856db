import { LensError } from '../../errors';
import { isTokenId, tokenId } from '../tokenIds';

/** A checked `{ token: id }` object from JSON.parse, used as the token → id table as it is. */
interface CheckedObject {
  readonly obj: Readonly<Record<string, unknown>>;
  readonly keys: readonly string[];
  readonly maxId: number;
}

/**
 * A vocabulary: token ↔ id, both ways. Ids are u32 (checked), and may be sparse: id → token is
 * an array only while that costs about as much as the entries themselves, else a Map, so a
 * file with one id near 2^32 allocates nothing in proportion to it.
 *
 * token → id is a Map, or, for a vocabulary read from JSON (`fromObject`), the parsed object
 * itself: its keys are already hashed and interned by JSON.parse, so nothing is copied (a
 * 262k-token vocabulary is read on every load) and lookups are at least as fast.
 */
export class Vocab {
  private readonly byToken: Map<string, number> | undefined;
  private readonly byObject: Readonly<Record<string, unknown>> | undefined;
  private readonly objectKeys: readonly string[] | undefined;
  /** id → token when ids are dense (most vocabularies), else `sparse`. */
  private readonly dense: (string | undefined)[] | undefined;
  private readonly sparse: Map<number, string> | undefined;
  private readonly maxId: number;

  /** Builds from token → id pairs; an id outside [0, 2^32) or used twice is an error naming the token(s). */
  constructor(entries: Iterable<[string, number]>, file: string);
  /** Internal (see `fromObject`). */
  constructor(entries: CheckedObject, file: string);
  constructor(entries: Iterable<[string, number]> | CheckedObject, file: string) {
    let maxId = -1;
    // Every (token, id) pair given, in order: a token listed twice keeps its last id (as a JSON
    // object or a Map would), but each of its ids still names it (and is checked for clashes).
    let pairs: [string, number][] | undefined;
    if ('obj' in entries && 'keys' in entries) {
      this.byObject = entries.obj;
      this.objectKeys = entries.keys;
      maxId = entries.maxId;
    } else {
      const map = new Map<string, number>();
      pairs = [];
      for (const [token, id] of entries as Iterable<[string, number]>) {
        pairs.push([token, tokenId(id, file, JSON.stringify(token))]);
        if (id > maxId) maxId = id;
        map.set(token, id);
      }
      this.byToken = map;
    }
    this.maxId = maxId;
    const count = pairs ? pairs.length : this.objectKeys!.length;
    if (maxId < 2 * count + 1024) {
      const byId = new Array<string | undefined>(maxId + 1).fill(undefined);
      const place = (token: string, id: number): void => {
        const other = byId[id];
        if (other !== undefined && other !== token) throw clash(file, id, other, token);
        byId[id] = token;
      };
      if (pairs) for (const [token, id] of pairs) place(token, id);
      else {
        const obj = this.byObject!;
        const keys = this.objectKeys!;
        for (let i = 0; i < keys.length; i++) place(keys[i]!, obj[keys[i]!] as number);
      }
      this.dense = byId;
    } else {
      const byId = new Map<number, string>();
      const place = (token: string, id: number): void => {
        const other = byId.get(id);
        if (other !== undefined && other !== token) throw clash(file, id, other, token);
        byId.set(id, token);
      };
      if (pairs) for (const [token, id] of pairs) place(token, id);
      else for (const token of this.objectKeys!) place(token, this.byObject![token] as number);
      this.sparse = byId;
    }
  }

  /**
   * Builds from a parsed JSON `{ token: id }` object, which it keeps (the caller must not change
   * it): a value that is not a number is an error naming the token (`${file}: ${label}token "x"
   * maps to …`), then the same id checks as the constructor, in the same order.
   */
  static fromObject(obj: Record<string, unknown>, file: string, label = ''): Vocab {
    const keys = Object.keys(obj);
    let maxId = -1;
    for (let i = 0; i < keys.length; i++) {
      const token = keys[i]!;
      const id = obj[token];
      if (typeof id !== 'number') throw new LensError('badFile', `${file}: ${label}token ${JSON.stringify(token)} maps to ${JSON.stringify(id)}, expected an integer id`);
      if (!isTokenId(id)) tokenId(id, file, JSON.stringify(token));
      if (id > maxId) maxId = id;
    }
    return new Vocab({ obj, keys, maxId }, file);
  }

  /** Largest id + 1 (0 when empty): the rows an embedding table needs. */
  get size(): number {
    return this.maxId + 1;
  }
  /** How many tokens there are (≤ size; less when ids are sparse). */
  get count(): number {
    return this.byToken !== undefined ? this.byToken.size : this.objectKeys!.length;
  }
  id(token: string): number | undefined {
    if (this.byToken !== undefined) return this.byToken.get(token);
    // Own keys only hold (checked) numbers; what the prototype has ("toString", …) is never one.
    const id = this.byObject![token];
    return typeof id === 'number' ? id : undefined;
  }
  token(id: number): string | undefined {
    return this.dense !== undefined ? this.dense[id] : this.sparse!.get(id);
  }
  /**
   * An index for looking tokens up by where they are in a text (`SpanIndex.find`), without
   * slicing a string out: a sliced string is not one of the JSON's interned keys, so looking it
   * up in `byObject` makes V8 search its string table first. Built for one load; not kept.
   */
  spanIndex(): SpanIndex {
    const index = new SpanIndex(this.count);
    if (this.byToken !== undefined) for (const [token, id] of this.byToken) index.add(token, id);
    else if (this.dense !== undefined) {
      // Object keys are unique, so each token is at exactly one id here.
      const dense = this.dense;
      for (let id = 0; id < dense.length; id++) {
        const token = dense[id];
        if (token !== undefined) index.add(token, id);
      }
    } else for (const [id, token] of this.sparse!) index.add(token, id);
    return index;
  }

  /** All (token, id) pairs. */
  *entries(): IterableIterator<[string, number]> {
    if (this.byToken !== undefined) {
      yield* this.byToken.entries();
      return;
    }
    for (const token of this.objectKeys!) yield [token, this.byObject![token] as number];
  }
}

function clash(file: string, id: number, other: string, token: string): LensError {
  return new LensError('badFile', `${file}: id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
}

/** FNV-1a over UTF-16 units [start, end) of `s`. */
function hashUnits(s: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * Token → id by a range of a text (see `Vocab.spanIndex`): open addressing; a slot is
 * [hash, id as int32 bits, used] side by side (one cache line per probe), and its token is
 * read, and compared unit by unit, only on a hash match.
 */
export class SpanIndex {
  private readonly mask: number;
  private readonly slots: Int32Array;
  private readonly tokens: (string | undefined)[];

  constructor(count: number) {
    let cap = 16;
    while (cap < count * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap * 4);
    this.tokens = new Array<string | undefined>(cap).fill(undefined);
  }

  /** Adds a token not added before. */
  add(token: string, id: number): void {
    const h = hashUnits(token, 0, token.length);
    let p = h & this.mask;
    while (this.slots[(p << 2) + 2] !== 0) p = (p + 1) & this.mask;
    this.slots[p << 2] = h;
    this.slots[(p << 2) + 1] = id | 0;
    this.slots[(p << 2) + 2] = 1;
    this.tokens[p] = token;
  }

  /** The id of the token equal to text[start, end), or -1. */
  find(text: string, start: number, end: number): number {
    const h = hashUnits(text, start, end);
    const len = end - start;
    const slots = this.slots;
    for (let p = h & this.mask; ; p = (p + 1) & this.mask) {
      const at = p << 2;
      if (slots[at + 2] === 0) return -1;
      if (slots[at] === h) {
        const token = this.tokens[p]!;
        if (token.length === len) {
          let i = 0;
          while (i < len && token.charCodeAt(i) === text.charCodeAt(start + i)) i++;
          if (i === len) return slots[at + 1]! >>> 0;
        }
      }
    }
  }
}
