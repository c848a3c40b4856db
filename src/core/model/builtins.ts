import { createRng, fnv1a32 } from '../prng';
import { memoryTensor } from '../tensors';
import type { PieceToken, TokenizerModel } from '../tokenizers/models/model';
import { Vocab } from '../tokenizers/models/vocab';
import { PipelineTokenizer } from '../tokenizers/pipelineTokenizer';
import { whitespacePreTokenizer } from '../tokenizers/preTokenizers';
import type { Model } from './model';

/** Names accepted after `builtin:`. */
export const BUILTIN_NAMES = ['seed', 'glove-100d'] as const;

/**
 * The explainer's example, exactly: "White refrigerator is evil." → [320, 1028, 5, 128, 1] and
 * these rows (E = 5). Id 0 is the pad token; its row is the explainer's pad row.
 */
export const SEED_ROWS: readonly { word: string; id: number; row: readonly number[] }[] = [
  { word: '[pad]', id: 0, row: [0.01, 0.01, 0.1, 0.1, 0.1] },
  { word: '.', id: 1, row: [-0.1, 0.1, -0.2, 0.1, 0.1] },
  { word: 'is', id: 5, row: [0.02, 0.3, 1.3, -0.5, 5] },
  { word: 'evil', id: 128, row: [-1.7, 1.7, -9.2, 0.1, 0.1] },
  { word: 'White', id: 320, row: [10, 0.01, 2.3, 0.1, 0.1] },
  { word: 'refrigerator', id: 1028, row: [3.14, 2.5, -0.2, 0.1, 1.2] },
];

/** Size of the seed vocabulary: other words are hashed into the free ids below it. */
export const SEED_VOCAB_SIZE = 2048;
export const SEED_DIM = 5;
/** Seed of the PRNG that makes the rows of words the explainer does not list. */
export const SEED_ROWS_SEED = 5;

/**
 * The seed tokenizer's model: the explainer's words keep their ids; any other word gets a
 * stable id by hashing (FNV-1a) into the ids the explainer does not use, so every text works.
 * Different words can share a hashed id: that is the price of a fixed-size toy vocabulary.
 */
class SeedWordModel implements TokenizerModel {
  readonly type = 'seed word level';
  readonly vocabSize = SEED_VOCAB_SIZE;
  private readonly vocab = new Vocab(SEED_ROWS.map(r => [r.word, r.id] as [string, number]), 'builtin:seed');
  private readonly free: number[];

  constructor() {
    const used = new Set(SEED_ROWS.map(r => r.id));
    this.free = [];
    for (let id = 0; id < SEED_VOCAB_SIZE; id++) if (!used.has(id)) this.free.push(id);
  }

  tokenize(piece: string): PieceToken[] {
    const id = this.vocab.id(piece) ?? this.free[fnv1a32(piece) % this.free.length]!;
    return [{ id, text: piece, start: 0, end: piece.length }];
  }
  idToToken(id: number): string | undefined {
    return this.vocab.token(id) ?? (id >= 0 && id < SEED_VOCAB_SIZE ? `[#${id}]` : undefined);
  }
  tokenToId(token: string): number | undefined {
    return this.vocab.id(token) ?? this.free[fnv1a32(token) % this.free.length];
  }
}

/** The seed table: the explainer's rows at their ids, seeded N(0, 1) rows elsewhere. */
function seedTable(): Float32Array {
  const data = new Float32Array(SEED_VOCAB_SIZE * SEED_DIM);
  const rng = createRng(SEED_ROWS_SEED);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  for (const r of SEED_ROWS) data.set(r.row, r.id * SEED_DIM);
  return data;
}

/** builtin:seed — the explainer's model. Its encoder is random (hidden size 5), as docs/ARCHITECTURE.md ("The seed example, exactly") says. */
export function seedModel(): Model {
  const tokenizer = new PipelineTokenizer({
    description: 'seed word level (the explainer\u2019s ids; other words hashed)',
    source: 'builtin:seed',
    preTokenizer: whitespacePreTokenizer,
    model: new SeedWordModel(),
    addedTokens: [{ id: 0, content: '[pad]', special: true }],
    padToken: { id: 0, text: '[pad]' },
  });
  const embedding = memoryTensor({ name: 'embedding.weight', dtype: 'F32', shape: [SEED_VOCAB_SIZE, SEED_DIM], file: 'builtin:seed' }, seedTable());
  return {
    id: 'builtin:seed',
    name: 'seed (the explainer\u2019s example)',
    tokenizer,
    embedding,
    embeddingLabel: {
      real: true,
      source: 'builtin:seed',
      tensor: 'embedding.weight',
      dtype: 'F32',
      shape: [SEED_VOCAB_SIZE, SEED_DIM],
      note: `rows of ${SEED_ROWS.map(r => r.word).join(', ')} are the explainer's; every other row is random (seed ${SEED_ROWS_SEED}, N(0, 1))`,
    },
    config: { hiddenSize: 5, cell: 'rnn', nonlinearity: 'tanh', maxLength: 8, padTokenId: 0 },
    pad: { id: 0, text: '[pad]', source: 'builtin' },
    isRandomRow: id => !SEED_ROWS.some(r => r.id === id),
    files: [],
  };
}
