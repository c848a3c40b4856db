import { LensError } from '../../errors';

/** A vocabulary: token ↔ id, both ways. */
export class Vocab {
  private readonly byToken = new Map<string, number>();
  private readonly byId: (string | undefined)[] = [];

  /** Builds from token → id pairs; an id used twice is an error naming both tokens. */
  constructor(entries: Iterable<[string, number]>, file: string) {
    for (const [token, id] of entries) {
      if (!Number.isInteger(id) || id < 0) throw new LensError('badFile', `${file}: token ${JSON.stringify(token)} has id ${id}, expected a non-negative integer`);
      const other = this.byId[id];
      if (other !== undefined && other !== token) {
        throw new LensError('badFile', `${file}: id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
      }
      this.byToken.set(token, id);
      this.byId[id] = token;
    }
  }

  get size(): number {
    return this.byId.length;
  }
  id(token: string): number | undefined {
    return this.byToken.get(token);
  }
  token(id: number): string | undefined {
    return this.byId[id];
  }
  /** All (token, id) pairs. */
  entries(): IterableIterator<[string, number]> {
    return this.byToken.entries();
  }
}
