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
