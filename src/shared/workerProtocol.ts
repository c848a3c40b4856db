// The host ↔ worker channel: typed requests with ids, one reply each (result or error).
// Numbers travel as exact-size ArrayBuffers (transferred), never as number[] or JSON.
import type { Discovery } from '../core/discovery';
import type { Replay } from '../core/tokenizers/replay';
import type { PackedParts } from './resultPacking';

/** Which model (and optional tokenizer override) a request is about. */
export interface ModelRef {
  /** `builtin:NAME`, a model folder, or a model file. */
  readonly model: string;
  /** A tokenizer file/folder or a named encoding, overriding the model's own. */
  readonly tokenizer?: string | undefined;
}

/** Options of the random encoder used when a model has none. */
export interface RandomEncoderWire {
  readonly cell?: 'rnn' | 'gru' | 'lstm' | undefined;
  readonly nonlinearity?: 'tanh' | 'relu' | undefined;
  readonly hiddenSize?: number | undefined;
  readonly numLayers?: number | undefined;
  readonly bidirectional?: boolean | undefined;
  readonly seed?: number | undefined;
}

/** The pipeline's options as settings and the panel's options bar state them. */
export interface PipelineOptionsWire {
  /** Pad or truncate to this many ids; null or absent: see modelMaxLength. */
  readonly maxLength?: number | null | undefined;
  /**
   * Without a maxLength: false gives the whole text (no padding, no truncation beyond the
   * pipeline's limit: the extension's default); true or absent applies the model's own
   * `max_length` (the CLI's behaviour, and Show the Seed Example's).
   */
  readonly modelMaxLength?: boolean | undefined;
  readonly paddingSide?: 'right' | 'left' | undefined;
  readonly truncationSide?: 'right' | 'left' | undefined;
  readonly skipPadding?: boolean | undefined;
  readonly addSpecialTokens?: boolean | undefined;
  readonly random?: RandomEncoderWire | undefined;
}

/** Where a part of the model comes from, for labels ("real: file" / "random: seed"). */
export interface PartLabelWire {
  readonly real: boolean;
  readonly source: string;
  readonly tensor?: string | undefined;
  readonly dtype?: string | undefined;
  readonly shape?: readonly number[] | undefined;
  readonly note?: string | undefined;
}

/** What a loaded model is. */
export interface ModelSummary {
  readonly id: string;
  readonly name: string;
  readonly tokenizer: { readonly description: string; readonly source: string; readonly vocabSize: number };
  readonly embedding: PartLabelWire & { readonly rows: number; readonly dim: number };
  /** The model's own encoder, or null (a random one is made per request). */
  readonly encoder: (PartLabelWire & EncoderSpecWire) | null;
  readonly pad: { readonly id: number; readonly text: string; readonly source: string } | null;
  readonly defaults: { readonly maxLength: number | null; readonly paddingSide: 'right' | 'left' | null };
  /**
   * The file format and what the header says about it: a GGUF file's architecture and the ggml
   * type of its token embedding (`quant`, e.g. "Q4_K": the matrix says "dequantized from Q4_K"),
   * the `hf:` / `ollama:` reference it was found by. Absent for older workers.
   */
  readonly origin?: ModelOriginWire | null | undefined;
  /** The transformer input layer the model has (BERT/RoBERTa/DistilBERT/GPT-2), or null. */
  readonly inputLayer?: { readonly family: string; readonly modelType: string; readonly stages: readonly string[]; readonly maxPositions: number; readonly eps: number | null } | null | undefined;
}

export interface ModelOriginWire {
  readonly format: 'gguf' | 'safetensors' | 'npy' | 'word-vectors' | 'builtin';
  readonly path: string;
  readonly architecture: string | null;
  readonly quant: string | null;
  readonly title: string | null;
  readonly contextLength: number | null;
  readonly reference: string | null;
}

/** One stage of the transformer input layer for the encoded text, `(T, E)`. */
export interface InputStageWire {
  /** "word", "+ position", "+ type" or "LayerNorm". */
  readonly name: string;
  /** The tensors this stage adds. */
  readonly added: readonly string[];
  readonly label: PartLabelWire;
  readonly matrix: MatrixWire;
}

/** An RNN's shape and kind. */
export interface EncoderSpecWire {
  readonly cell: 'rnn' | 'gru' | 'lstm';
  readonly nonlinearity: 'tanh' | 'relu';
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
}

/** A `(rows, cols)` float32 matrix as an exact-size buffer. */
export interface MatrixWire {
  readonly rows: number;
  readonly cols: number;
  /** Float32Array's buffer, exactly rows × cols × 4 bytes. */
  readonly data: ArrayBuffer;
}

/** One layer-direction's step-by-step record. */
export interface TraceWire {
  readonly layer: number;
  readonly direction: 0 | 1;
  /** Int32Array: time steps in the order they ran. */
  readonly order: ArrayBuffer;
  /** (T, H): h_t after step t (zero rows for skipped steps). */
  readonly h: MatrixWire;
  readonly c: MatrixWire | null;
  /** (T, G·H) activated gates in PyTorch's order (null for an Elman RNN). */
  readonly gates: MatrixWire | null;
}

/** An encoder run: outputs, final states and traces. */
export interface RnnRunWire {
  readonly skipPadding: boolean;
  readonly output: MatrixWire;
  readonly hN: MatrixWire;
  readonly cN: MatrixWire | null;
  readonly traces: readonly TraceWire[];
}

/** Tokens as parallel arrays (Int32Array / Uint8Array buffers) plus their vocabulary spellings. */
export interface TokensWire {
  readonly count: number;
  readonly ids: ArrayBuffer;
  readonly starts: ArrayBuffer;
  readonly ends: ArrayBuffer;
  readonly special: ArrayBuffer;
  readonly texts: readonly string[];
}

/** The full result of encoding one text. */
export interface EncodeReply {
  readonly model: ModelSummary;
  readonly text: string;
  readonly tokens: TokensWire;
  /** Int32Array: row in (T, ·) of each real token. */
  readonly positions: ArrayBuffer;
  readonly truncated: number;
  /** Int32Array (T). */
  readonly inputIds: ArrayBuffer;
  /** Uint8Array (T). */
  readonly attentionMask: ArrayBuffer;
  readonly embeddings: MatrixWire;
  readonly encoder: EncoderSpecWire & { readonly real: boolean; readonly label: PartLabelWire; readonly seed: number | null; /** Bias tensors present (random encoders: always). */ readonly bias?: boolean | undefined };
  readonly options: {
    readonly maxLength: number | null;
    readonly paddingSide: 'right' | 'left';
    readonly truncationSide: 'right' | 'left';
    readonly skipPadding: boolean;
    readonly addSpecialTokens: boolean;
    readonly padTokenId: number | null;
  };
  /**
   * The transformer input layer over the padded ids (stages in order; the first, "word", equals
   * `embeddings`), or why it was not computed (`skipped`). Absent/null for models without one.
   */
  readonly inputLayer?: { readonly positionIds: ArrayBuffer; readonly stages: readonly InputStageWire[] } | { readonly skipped: string } | null | undefined;
  /**
   * Uint8Array (T): 1 where the row is random rather than learnt (builtin:seed's words that the
   * explainer does not list get seeded random rows), 0 where it is the table's. Null when every
   * row is the table's own.
   */
  readonly randomRows?: ArrayBuffer | null | undefined;
  /** The run with the chosen pad treatment. */
  readonly rnn: RnnRunWire;
  /** The other pad treatment, for the side-by-side view (null when there are no pads). */
  readonly rnnOther: RnnRunWire | null;
  /** Wall time in the worker, ms (for the log). */
  readonly elapsedMs: number;
  /** Where that time went, e.g. "model 0, inspect 180, reply 12, packing 30 ms" (for the log). */
  readonly phases?: string | undefined;
  /** Which encoder implementation ran, e.g. "native (onnxruntime, 2 threads)" or "TypeScript (relu nonlinearity: …)". */
  readonly engine?: { readonly kind: 'native' | 'typescript'; readonly description: string } | undefined;
  /**
   * For the panel (asked with `forPanel`), a big result's packed parts, found in the worker so the
   * extension host only forms the packed view (shared/resultPacking.ts). Undefined: not packed.
   */
  readonly packed?: PackedParts | undefined;
}

/** How many tokens a text has (the status bar: nothing else crosses the thread). */
export interface CountReply {
  readonly count: number;
  readonly tokenizer: string;
  /** The maximum length the model states (its config's `max_length`), or null (none, or the model did not load). */
  readonly maxLength?: number | null | undefined;
  /** How many special tokens the tokenizer adds to a sequence (they count against the maximum). */
  readonly specialTokens?: number | undefined;
}

/** Tokens of a text (hover, status bar, boundaries). */
export interface TokenizeReply {
  readonly tokens: TokensWire;
  readonly tokenizer: string;
}

/** Rows of the embedding table and their nearest tokens. */
export interface VectorsReply {
  readonly dim: number;
  /** Float32Array (ids.length, dim). */
  readonly rows: ArrayBuffer;
  readonly norms: readonly number[];
  /** Per id: the k nearest tokens by cosine over the whole vocabulary (excluding itself). */
  readonly neighbours: readonly (readonly { readonly id: number; readonly text: string; readonly cosine: number }[])[];
  /** Whether each row is real or random (the seed model's unlisted words). */
  readonly random: readonly boolean[];
}

/** A vocabulary entry: id and spelling. */
export interface VocabEntry {
  readonly id: number;
  readonly text: string;
}

/** Vocabulary entries for a typed word (the Neighbours tab's search box). */
export interface FindTokenReply {
  /** The word as asked. */
  readonly query: string;
  /** The entry spelled exactly as typed, or null when the word is not one entry. */
  readonly exact: VocabEntry | null;
  /**
   * When the word is not one entry as typed: the one entry the tokenizer reads it as (a single
   * token with the same letters up to case and a word-start mark, e.g. `Queen` → `queen`), or null.
   */
  readonly reads: VocabEntry | null;
  /** The tokenizer's tokens for the word as typed (at the start of a text). */
  readonly tokens: readonly VocabEntry[];
  /** Its tokens after a space (how it reads inside a sentence: `Ġword`, `▁word`). */
  readonly spaced: readonly VocabEntry[];
  /** Entries that start with the word (after a word-start mark `Ġ`, `▁`, `##`), shortest first, at most `limit`. */
  readonly prefixed: readonly VocabEntry[];
  /** How many entries start with it in all. */
  readonly prefixedTotal: number;
  readonly vocabSize: number;
}

/** A 2-D PCA projection of rows. */
export interface ProjectReply {
  /** Float32Array (n, 2). */
  readonly points: ArrayBuffer;
  readonly explained: readonly [number, number];
  /** For a vocabulary sample: the ids that were sampled, and how many of how many. */
  readonly sample: { readonly ids: readonly number[]; readonly texts: readonly string[]; readonly of: number; readonly seed: number } | null;
}

/** Every request the host can make, by its `type`. */
export type WorkerRequest =
  /** Load (or reuse) a model and describe it. */
  | { readonly type: 'loadModel'; readonly ref: ModelRef }
  /** Run the whole pipeline on a text. */
  | { readonly type: 'encode'; readonly ref: ModelRef; readonly text: string; readonly options: PipelineOptionsWire; readonly keepGates: boolean; /** Find the packed parts for the panel too. */ readonly forPanel?: boolean | undefined }
  /** Tokenize only (content tokens; with `addSpecialTokens`, the post-processor's specials too). */
  | { readonly type: 'tokenize'; readonly ref: ModelRef; readonly text: string; readonly addSpecialTokens?: boolean | undefined }
  /** Tokenize and answer only the count. */
  | { readonly type: 'count'; readonly ref: ModelRef; readonly text: string }
  /** Rows for ids, with k cosine neighbours each. */
  | { readonly type: 'vectors'; readonly ref: ModelRef; readonly ids: readonly number[]; readonly k: number }
  /** Vocabulary entries for a typed word: exact, its tokens, and entries that start with it (at most `limit`). */
  | { readonly type: 'findToken'; readonly ref: ModelRef; readonly query: string; readonly limit: number }
  /** The steps behind the tokens of a span. */
  | { readonly type: 'explain'; readonly ref: ModelRef; readonly text: string; readonly start: number; readonly end: number }
  /** PCA to 2-D of given rows (and optionally a vocabulary sample). */
  | { readonly type: 'project'; readonly ref: ModelRef; readonly matrix: MatrixWire; readonly vocabSample: number }
  /**
   * The models on this machine (Hugging Face cache, Ollama, LM Studio, and `folders`), found
   * without reading their weights; `hidden`: sources (`hf`, `ollama`, `lmstudio`) or location
   * paths to skip. The worker reads its own environment and home folder for the default locations.
   */
  | { readonly type: 'discover'; readonly folders: readonly string[]; readonly hidden: readonly string[] }
  /** The files of an export (built in the worker: big JSON/CSV is heavy). */
  | { readonly type: 'export'; readonly result: EncodeReply; readonly format: 'npy' | 'safetensors' | 'csv' | 'json' | 'python' | 'projector' }
  /**
   * Test hook: make a fault happen in the worker. Answered only when the worker was started
   * with `testHooks` (the extension in `ExtensionMode.Test`); refused otherwise.
   */
  | { readonly type: 'debugFault'; readonly fault: DebugFault; /** `busy`, `wait`: stop after this many ms. */ readonly ms?: number };

/**
 * Faults the tests can cause: `throw` a plain Error from a handler; `exit` the thread abruptly;
 * `oom` allocate until the heap limit; `hang` a busy loop that never looks at cancellation;
 * `busy` a loop that runs until cancelled (like real long work); `wait` an async wait that
 * ignores cancellation (like reading a large file).
 */
export type DebugFault = 'throw' | 'exit' | 'oom' | 'hang' | 'busy' | 'wait';

/** What the host passes to the worker thread at start. */
export interface WorkerStartData {
  readonly assetsDir: string;
  /** ACTIVITY_BYTES of shared memory: the step being run, for the watchdog's messages. */
  readonly activity: SharedArrayBuffer;
  /** Whether `debugFault` requests are answered (only in the extension's test mode). */
  readonly testHooks: boolean;
}

/** The reply type of each request type. */
export interface WorkerReplies {
  loadModel: ModelSummary;
  encode: EncodeReply;
  tokenize: TokenizeReply;
  count: CountReply;
  vectors: VectorsReply;
  findToken: FindTokenReply;
  explain: Replay;
  project: ProjectReply;
  discover: DiscoverReply;
  export: ExportReply;
  debugFault: null;
}

/** What discovery found: its locations, models and problems (core/discovery.ts), as plain data. */
export type DiscoverReply = Discovery;

/** Files to write: suffixes for the chosen base name, and bytes. */
export interface ExportReply {
  readonly files: readonly { readonly suffix: string; readonly bytes: ArrayBuffer }[];
}

/** An error as it crosses the thread boundary. */
export interface WireError {
  readonly reason: string;
  readonly message: string;
}

/** Host → worker. */
export type ToWorker =
  /** A request; `cancel` is a 4-byte SharedArrayBuffer the host sets to 1 to cancel it. */
  | { readonly type: 'request'; readonly id: number; readonly request: WorkerRequest; readonly cancel: SharedArrayBuffer | null }
  /** Is the thread's event loop turning? Answered with `pong` unless the thread is stuck in synchronous work. */
  | { readonly type: 'ping'; readonly id: number };

/** Worker → host. */
export type FromWorker =
  /** The worker is up. */
  | { readonly type: 'ready' }
  /** The worker began a request: its deadline runs from here (queued requests wait unclocked). */
  | { readonly type: 'started'; readonly id: number }
  /** The answer to `ping` (same id). */
  | { readonly type: 'pong'; readonly id: number }
  /** A request succeeded. */
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  /** A request failed. */
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };
