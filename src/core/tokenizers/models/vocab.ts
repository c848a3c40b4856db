import { LensError } from '../../errors';
import { isTokenId, tokenId } from '../tokenIds';

/**
 * A vocabulary: token ↔ id, both ways. Ids are u32 (checked), and may be sparse: id → token is
 * an array only while that costs about as much as the entries themselves, else a Map, so a
 * file with one id near 2^32 allocates nothing in proportion to it.
 */
export class Vocab {
  private readonly byToken: Map<string, number> = new Map();
  /** id → token when ids are dense (most vocabularies), else `sparse`. */
  private readonly dense: (string | undefined)[] | undefined;
  private readonly sparse: Map<number, string> | undefined;
  private maxId = -1;
  /** Pairs a later entry for the same token replaced (only while constructing). */
  private readonly shadowed: [string, number][] = [];

  /** Builds from token → id pairs; an id outside [0, 2^32) or used twice is an error naming the token(s). */
  constructor(entries: Iterable<[string, number]>, file: string);
  /** Internal (see `fromObject`): takes a checked token → id map and its largest id. */
  constructor(entries: Map<string, number>, file: string, checkedMaxId: number);
  constructor(entries: Iterable<[string, number]>, file: string, checkedMaxId?: number) {
    if (checkedMaxId !== undefined && entries instanceof Map) {
      this.byToken = entries;
      this.maxId = checkedMaxId;
    } else {
      for (const [token, id] of entries) {
        tokenId(id, file, JSON.stringify(token));
        if (id > this.maxId) this.maxId = id;
        // A token listed twice keeps its last id (as a JSON object or a Map would); the id check below sees every pair.
        const before = this.byToken.get(token);
        if (before !== undefined && before !== id) this.shadowed.push([token, before]);
        this.byToken.set(token, id);
      }
    }
    const count = this.byToken.size + this.shadowed.length;
    const dense = this.maxId < 2 * count + 1024;
    const byId = dense ? new Array<string | undefined>(this.maxId + 1).fill(undefined) : new Map<number, string>();
    const place = (id: number, token: string): void => {
      const other = dense ? (byId as (string | undefined)[])[id] : (byId as Map<number, string>).get(id);
      if (other !== undefined && other !== token) {
        throw new LensError('badFile', `${file}: id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
      }
      if (dense) (byId as (string | undefined)[])[id] = token;
      else (byId as Map<number, string>).set(id, token);
    };
    for (const [token, id] of this.shadowed) place(id, token);
    this.byToken.forEach(place);
    this.shadowed.length = 0;
    this.dense = dense ? (byId as (string | undefined)[]) : undefined;
    this.sparse = dense ? undefined : (byId as Map<number, string>);
  }

  /**
   * Builds from a parsed JSON `{ token: id }` object in one pass, with no per-entry allocation
   * (a 262k-token vocabulary is read on every load): a value that is not a number is an error
   * naming the token (`${file}: ${label}token "x" maps to …`), then the same id checks as the
   * constructor.
   */
  static fromObject(obj: Record<string, unknown>, file: string, label = ''): Vocab {
    const map = new Map<string, number>();
    let max = -1;
    for (const token in obj) {
      const id = obj[token];
      if (typeof id !== 'number') throw new LensError('badFile', `${file}: ${label}token ${JSON.stringify(token)} maps to ${JSON.stringify(id)}, expected an integer id`);
      if (!isTokenId(id)) tokenId(id, file, JSON.stringify(token));
      if (id > max) max = id;
      map.set(token, id);
    }
    return new Vocab(map, file, max);
  }

  /** Largest id + 1 (0 when empty): the rows an embedding table needs. */
  get size(): number {
    return this.maxId + 1;
  }
  /** How many tokens there are (≤ size; less when ids are sparse). */
  get count(): number {
    return this.byToken.size;
  }
  id(token: string): number | undefined {
    return this.byToken.get(token);
  }
  token(id: number): string | undefined {
    return this.dense !== undefined ? this.dense[id] : this.sparse!.get(id);
  }
  /** All (token, id) pairs. */
  entries(): IterableIterator<[string, number]> {
    return this.byToken.entries();
  }
}
