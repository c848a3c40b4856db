/** What the CLI's main thread hands its worker thread, and what comes back (structured clone). */
export interface CliJob {
  readonly command: 'inspect' | 'tokenize' | 'neighbours' | 'models';
  /** Parsed options, already checked (ranges, combinations). */
  readonly options: Map<string, string | number | boolean>;
  /** The text, already read and within LIMITS.textChars (neighbours: the WORD, '' with --id). */
  readonly text: string;
  /** tokenize with two --tokenizer or two --model: the two sides to compare, in the order given. */
  readonly compare?: readonly [CompareSide, CompareSide] | undefined;
  /** models: every --folder given, in order. */
  readonly folders?: readonly string[] | undefined;
  /** The folder with models/glove-100d and tokenizers/. */
  readonly assetsDir: string;
  /** SharedArrayBuffer(ACTIVITY_BYTES) the worker notes its steps into. */
  readonly activity: SharedArrayBuffer;
}

/** One side of a comparison: the option that named it and its value. */
export interface CompareSide {
  readonly option: 'tokenizer' | 'model';
  readonly spec: string;
}

/** How a failure is shown: `usage`/`lens` as they are, `memory`/`stack` with the step, `internal` as a bug. */
export type CliFailureKind = 'usage' | 'lens' | 'memory' | 'stack' | 'internal';

export type CliReply =
  /** stdout's bytes (UTF-8), transferred. */
  | { readonly type: 'done'; readonly stdout: Uint8Array }
  /** A failure; `step` is the last noted step, `stack` for EMBEDDING_LENS_DEBUG. */
  | { readonly type: 'failed'; readonly kind: CliFailureKind; readonly message: string; readonly step?: string | undefined; readonly stack?: string | undefined };
