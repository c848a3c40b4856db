import type { Model } from '../core/model/model';
import { RANDOM_ENCODER_DEFAULTS } from '../core/pipeline';
import { GATE_COUNT, type CellType } from '../core/rnn';
import { UsageError } from './args';

/**
 * Floats one `inspect` may allocate outside the JS heap (which the worker's heap limit does not
 * cover): the embeddings, a random encoder's weights, the encoder's projection and states.
 * 2^28 floats = 1 GiB. Without it, `--max-length 65536 --hidden-size 4096 --layers 16` asks for
 * tens of GiB and the system, not us, ends the process.
 */
export const INSPECT_FLOATS_LIMIT = 2 ** 28;
/**
 * Numbers `--format json` may print: at up to ~14 characters each, more would pass V8's longest
 * string (2^29 − 24 characters). `--format table` prints a summary and has no such limit.
 */
export const JSON_NUMBERS_LIMIT = 2 ** 25;

/** A value and who set it, for the message. */
interface Sourced<T> {
  readonly value: T;
  readonly from: string;
}

/** The flag, else config.json, else the default: the precedence of the pipeline's random encoder. */
function pick<T>(flag: string, flagValue: T | undefined, config: T | undefined, fallback: T): Sourced<T> {
  if (flagValue !== undefined) return { value: flagValue, from: flag };
  if (config !== undefined) return { value: config, from: 'config.json' };
  return { value: fallback, from: 'default' };
}

function gib(floats: number): string {
  return `${((floats * 4) / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * Refuses an `inspect` of `steps` ids whose encoder would need more than the limits, before
 * anything is allocated; names each size and who set it (a flag, config.json, the model).
 */
export function checkInspectBudget(model: Model, steps: number, options: Map<string, string | number | boolean>, json: boolean): void {
  const E = (model.embedding.info.shape[1] as number | undefined) ?? 0;
  const enc = model.encoder?.weights.spec;
  const cfg = model.config;
  const d = RANDOM_ENCODER_DEFAULTS;
  const cell: Sourced<CellType> = enc ? { value: enc.cell, from: 'the model' } : pick('--cell', options.get('cell') as CellType | undefined, cfg.cell, d.cell);
  const H: Sourced<number> = enc ? { value: enc.hiddenSize, from: 'the model' } : pick('--hidden-size', options.get('hidden-size') as number | undefined, cfg.hiddenSize, d.hiddenSize);
  const L: Sourced<number> = enc ? { value: enc.numLayers, from: 'the model' } : pick('--layers', options.get('layers') as number | undefined, cfg.numLayers, d.numLayers);
  const bi: Sourced<boolean> = enc ? { value: enc.bidirectional, from: 'the model' } : pick('--bidirectional', options.has('bidirectional') ? true : undefined, cfg.bidirectional, d.bidirectional);
  // Garbage from config.json is the core's to refuse, with its own message.
  if (![H.value, L.value, E].every(n => Number.isSafeInteger(n) && n > 0) || !(cell.value in GATE_COUNT)) return;
  const T = steps;
  const dirs = bi.value ? 2 : 1;
  const G = GATE_COUNT[cell.value];
  const states = cell.value === 'lstm' ? 2 : 1; // h, and c for an LSTM, kept per layer and direction
  let weights = 0;
  if (!enc) for (let l = 0; l < L.value; l++) weights += dirs * G * H.value * ((l === 0 ? E : H.value * dirs) + H.value + 2);
  const floats = T * E + weights + T * G * H.value + L.value * T * H.value * dirs * (1 + states);
  const printed = T * E + T * H.value * dirs + L.value * dirs * H.value * states;
  const over = floats > INSPECT_FLOATS_LIMIT ? `needs about ${gib(floats)}, more than the limit of ${gib(INSPECT_FLOATS_LIMIT)}` : json && printed > JSON_NUMBERS_LIMIT ? `would print ${printed} numbers as JSON, more than the limit of ${JSON_NUMBERS_LIMIT} (--format table prints a summary)` : undefined;
  if (over === undefined) return;
  const sizes = [
    `${T} steps`,
    `embedding width ${E}`,
    `${cell.value} (${cell.from})`,
    `hidden size ${H.value} (${H.from})`,
    `${L.value} layer${L.value > 1 ? 's' : ''} (${L.from})`,
    `${bi.value ? 'bidirectional' : 'one direction'} (${bi.from})`,
  ];
  const remedies = ['a shorter text or --max-length', ...(enc ? [] : ['a smaller --hidden-size or --layers'])];
  throw new UsageError(`inspect: the encoder over ${sizes.join(', ')} ${over}; use ${remedies.join(', or ')}`);
}
