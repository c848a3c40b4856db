import { LensError } from '../errors';
import { parseJsonFile } from '../safeJson';
import type { CellType, Nonlinearity } from '../rnn';

/** Padding or truncation side. */
export type Side = 'right' | 'left';

/**
 * What a model folder's config.json may state (docs/ARCHITECTURE.md, "Models: sources and tensor discovery"). Everything is
 * optional: shapes say the rest. Unknown keys (a transformer's config has many) are ignored.
 */
export interface ModelConfig {
  /** The config.json it was read from (for messages that blame one of its keys). */
  readonly file?: string;
  readonly embeddingTensor?: string;
  readonly encoderPrefix?: string;
  readonly cell?: CellType;
  readonly nonlinearity?: Nonlinearity;
  readonly hiddenSize?: number;
  readonly numLayers?: number;
  readonly bidirectional?: boolean;
  readonly padTokenId?: number;
  readonly maxLength?: number;
  readonly paddingSide?: Side;
  readonly truncationSide?: Side;
  readonly doLowerCase?: boolean;
}

/** Parses config.json text; wrong types are `config` errors naming the key and what was expected. */
export function parseModelConfig(text: string, file: string): ModelConfig {
  const raw = parseJsonFile(text, file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LensError('badFile', `${file}: expected a JSON object`);
  const j = raw as Record<string, unknown>;
  const bad = (key: string, expected: string): never => {
    throw new LensError('config', `${file}: "${key}" is ${JSON.stringify(j[key])}, expected ${expected}`);
  };
  const str = (key: string): string | undefined => (j[key] === undefined || j[key] === null ? undefined : typeof j[key] === 'string' ? (j[key] as string) : bad(key, 'a string'));
  const int = (key: string, min: number): number | undefined => {
    const v = j[key];
    if (v === undefined || v === null) return undefined;
    return Number.isInteger(v) && (v as number) >= min ? (v as number) : bad(key, `an integer ≥ ${min}`);
  };
  const bool = (key: string): boolean | undefined => (j[key] === undefined || j[key] === null ? undefined : typeof j[key] === 'boolean' ? (j[key] as boolean) : bad(key, 'true or false'));
  const oneOf = <T extends string>(key: string, values: readonly T[]): T | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    const lower = v.toLowerCase() as T;
    return values.includes(lower) ? lower : bad(key, values.map(x => `"${x}"`).join(' or '));
  };
  // Accept PyTorch's own spelling of the cell too ("GRU", "LSTM", "RNN").
  const cell = oneOf('cell', ['rnn', 'gru', 'lstm'] as const) ?? oneOf('rnn_type', ['rnn', 'gru', 'lstm'] as const);
  const config: ModelConfig = {
    file,
    embeddingTensor: str('embedding_tensor'),
    encoderPrefix: str('encoder_prefix'),
    cell,
    nonlinearity: oneOf('nonlinearity', ['tanh', 'relu'] as const),
    hiddenSize: int('hidden_size', 1),
    numLayers: int('num_layers', 1),
    bidirectional: bool('bidirectional'),
    padTokenId: int('pad_token_id', 0),
    maxLength: int('max_length', 1),
    paddingSide: oneOf('padding_side', ['right', 'left'] as const),
    truncationSide: oneOf('truncation_side', ['right', 'left'] as const),
    doLowerCase: bool('do_lower_case'),
  };
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as ModelConfig;
}
