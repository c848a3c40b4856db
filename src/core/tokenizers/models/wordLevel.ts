import { LensError } from '../../errors';
import type { ModelStep } from '../replay';
import type { PieceToken, TokenizerModel } from './model';
import type { Vocab } from './vocab';

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

  explain(piece: string): ModelStep[] {
    const id = this.vocab.id(piece);
    return [{ kind: 'lookup', piece, id: id ?? null, result: id !== undefined ? piece : (this.unkToken ?? '(no unknown token)') }];
  }

  idToToken(id: number): string | undefined {
    return this.vocab.token(id);
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.id(token);
  }
}
