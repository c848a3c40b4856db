// The PyTorch fixtures (test/fixtures/torch, written by its generate.py), shared by the suites
// that check an encoder against them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CellType } from '../../src/core/rnn';
import type { RnnHints } from '../../src/core/rnnTensors';
import { fixture } from './helpers';

/** What generate.py saved for one model folder. */
export interface Expected {
  text: string;
  options: { max_length: number; padding_side: 'right' | 'left'; truncation_side: 'right' | 'left'; skip_padding: boolean };
  input_ids: number[];
  attention_mask: number[];
  embeddings: number[][];
  output: number[][];
  h_n: number[][];
  c_n?: number[][];
  torch_version: string;
}

export const TORCH_DIR = fixture('torch');

/** The fixture folders that have an expected.json, in a stable order. */
export const CASES = readdirSync(TORCH_DIR)
  .filter(name => existsSync(path.join(TORCH_DIR, name, 'expected.json')))
  .sort();

/** config.json's encoder keys as hints, the way a model loader passes them. */
export function hintsFromConfig(dir: string): RnnHints[] {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return [];
  const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const hint: RnnHints = { source: 'config.json' };
  if (c.cell !== undefined) hint.cell = c.cell as CellType;
  if (c.nonlinearity !== undefined) hint.nonlinearity = c.nonlinearity as 'tanh' | 'relu';
  if (c.hidden_size !== undefined) hint.hiddenSize = c.hidden_size as number;
  if (c.num_layers !== undefined) hint.numLayers = c.num_layers as number;
  if (c.bidirectional !== undefined) hint.bidirectional = c.bidirectional as boolean;
  return [hint];
}
