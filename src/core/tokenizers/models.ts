import { LensError } from '../errors';

/** One token of a pre-token piece, in the piece's normalized coordinates. */
export interface PieceToken {
  readonly id: number;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The model step of a tokenizer.json pipeline: a pre-token piece → tokens. */
export interface TokenizerModel {
  readonly type: string;
  tokenize(piece: string): PieceToken[];
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** Largest id + 1. */
  readonly vocabSize: number;
}

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

/** Hugging Face's WordLevel model: the whole piece is one token, or the unknown token. */
export class WordLevelModel implements TokenizerModel {
  readonly type = 'WordLevel';
  private readonly unkId: number | undefined;

  constructor(
    private readonly vocab: Vocab,
    private readonly unkToken: string | undefined,
    private readonly file: string,
  ) {
    this.unkId = unkToken === undefined ? undefined : vocab.id(unkToken);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  tokenize(piece: string): PieceToken[] {
    const id = this.vocab.id(piece);
    if (id !== undefined) return [{ id, text: piece, start: 0, end: piece.length }];
    if (this.unkId === undefined) {
      const why = this.unkToken === undefined ? 'it has no unknown token' : `its unknown token ${JSON.stringify(this.unkToken)} is not in the vocabulary`;
      throw new LensError('unknownToken', `${this.file}: ${JSON.stringify(piece)} is not in the vocabulary and ${why}`);
    }
    return [{ id: this.unkId, text: this.unkToken!, start: 0, end: piece.length }];
  }

  idToToken(id: number): string | undefined {
    return this.vocab.token(id);
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.id(token);
  }
}
