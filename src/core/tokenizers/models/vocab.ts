import { LensError } from '../../errors';
import { tokenId } from '../tokenIds';

/**
 * A vocabulary: token ↔ id, both ways. Ids are u32 (checked), and may be sparse: id → token is
 * an array only while that costs about as much as the entries themselves, else a Map, so a
 * file with one id near 2^32 allocates nothing in proportion to it.
 */
export class Vocab {
  private readonly byToken = new Map<string, number>();
  /** id → token when ids are dense (most vocabularies), else `sparse`. */
  private readonly dense: (string | undefined)[] | undefined;
  private readonly sparse: Map<number, string> | undefined;
  private maxId = -1;

  /** Builds from token → id pairs; an id outside [0, 2^32) or used twice is an error naming the token(s). */
  constructor(entries: Iterable<[string, number]>, file: string) {
    const list: [string, number][] = [];
    for (const [token, id] of entries) {
      list.push([token, tokenId(id, file, JSON.stringify(token))]);
      if (id > this.maxId) this.maxId = id;
    }
    const dense = this.maxId < 2 * list.length + 1024;
    const byId = dense ? new Array<string | undefined>(this.maxId + 1).fill(undefined) : new Map<number, string>();
    for (const [token, id] of list) {
      const other = Array.isArray(byId) ? byId[id] : byId.get(id);
      if (other !== undefined && other !== token) {
        throw new LensError('badFile', `${file}: id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
      }
      this.byToken.set(token, id);
      if (Array.isArray(byId)) byId[id] = token;
      else byId.set(id, token);
    }
    this.dense = Array.isArray(byId) ? byId : undefined;
    this.sparse = Array.isArray(byId) ? undefined : byId;
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
