import { noteActivity } from '../core/activity';
import { inspectJson } from '../core/inspectJson';
import { loadModel, loadTokenizerSpec, type LoadContext } from '../core/model/loadModel';
import type { Model } from '../core/model/model';
import { nodeDiscoveryEnv, nodeFiles } from '../core/nodeFiles';
import { inspectText, type InspectOptions } from '../core/pipeline';
import { createNativeEncoder } from '../native/nativeEncoder';
import type { RnnHints } from '../core/rnnTensors';
import type { TensorSource } from '../core/tensors';
import type { EncodeOptions, Token, Tokenizer } from '../core/tokenizers/types';
import { UsageError } from './args';
import { checkInspectBudget } from './budget';
import { compareTokenize } from './compare';
import { explainText } from './explain';
import type { CliJob } from './job';
import { columns, inspectTable, visible } from './table';

// The work of each command, run on the CLI's worker thread: what it returns is stdout. Each
// phase that can take long is noted (core/activity.ts), so a deadline or an out-of-memory
// names the phase; the core notes finer steps (a tokenizer's pattern) inside them.

type Options = CliJob['options'];

const DEFAULT_MODEL = 'builtin:seed';

function getter(o: Options) {
  return <T>(k: string): T | undefined => o.get(k) as T | undefined;
}

/** The model --model names, else the default (named as such: the user wrote no --model). */
async function load(ctx: LoadContext, spec: string | undefined, tokenizer?: string, hints?: RnnHints) {
  const model = spec ?? DEFAULT_MODEL;
  noteActivity(`loading ${spec === undefined ? `the default model ${model}` : `--model ${spec}`}${tokenizer !== undefined ? ` with --tokenizer ${tokenizer}` : ''}`);
  return loadModel(ctx, model, { ...(tokenizer !== undefined ? { tokenizer } : {}), ...(hints ? { encoderHints: hints } : {}) });
}

function tokenizing(t: Tokenizer, text: string): void {
  noteActivity(`tokenizing ${text.length} characters with ${t.description} from ${t.source}`);
}

/**
 * `model` with a note after each phase of inspectText (without them a deadline hit while the
 * encoder runs would be blamed on the tokenizer's last noted step), and `beforeRows` called with
 * the number of steps once it is known and before the rows and the encoder are allocated.
 */
function withPhaseNotes(model: Model, beforeRows: (steps: number) => void): Model {
  const tok = model.tokenizer;
  const tokenizer: Tokenizer = Object.create(tok) as Tokenizer;
  Object.defineProperty(tokenizer, 'encode', {
    value: (text: string, options?: EncodeOptions): Token[] => {
      const tokens = tok.encode(text, options);
      noteActivity(`padding ${tokens.length} tokens`);
      return tokens;
    },
  });
  const src = model.embedding;
  const embedding: TensorSource = {
    info: src.info,
    readAll: () => src.readAll(),
    readRows: async ids => {
      beforeRows(ids.length);
      noteActivity(`reading ${ids.length} embedding rows from ${model.embeddingLabel.source}`);
      const rows = await src.readRows(ids);
      noteActivity(`running the encoder over ${ids.length} steps`);
      return rows;
    },
  };
  return { ...model, tokenizer, embedding };
}

/** The native encoder (onnxruntime-node, 2 threads), made once per process; it falls back to the TypeScript reference with a stated reason. */
let native: ReturnType<typeof createNativeEncoder> | undefined;
function nativeEncoder(): ReturnType<typeof createNativeEncoder> {
  return (native ??= createNativeEncoder({ threads: 2 }));
}

async function inspect(job: CliJob): Promise<string> {
  const o = job.options;
  const get = getter(o);
  const hints: RnnHints = {
    source: 'the command line',
    ...(o.has('cell') ? { cell: get('cell') } : {}),
    ...(o.has('nonlinearity') ? { nonlinearity: get('nonlinearity') } : {}),
    ...(o.has('hidden-size') ? { hiddenSize: get('hidden-size') } : {}),
    ...(o.has('layers') ? { numLayers: get('layers') } : {}),
    ...(o.has('bidirectional') ? { bidirectional: true } : {}),
  } as RnnHints;
  const model = await load({ files: nodeFiles, assetsDir: job.assetsDir, discovery: nodeDiscoveryEnv() }, get<string>('model'), get<string>('tokenizer'), hints);
  const options: InspectOptions = {
    maxLength: get<number>('max-length'),
    paddingSide: get('padding-side'),
    truncationSide: get('truncation-side'),
    skipPadding: o.has('skip-padding') ? true : undefined,
    addSpecialTokens: o.has('no-special-tokens') ? false : undefined,
    keepGates: false,
    encoder: nativeEncoder(),
    random: {
      cell: get('cell'),
      nonlinearity: get('nonlinearity'),
      hiddenSize: get('hidden-size'),
      numLayers: get('layers'),
      bidirectional: o.has('bidirectional') ? true : undefined,
      seed: get('seed'),
    },
  };
  tokenizing(model.tokenizer, job.text);
  const json = get<string>('format') !== 'table';
  const result = await inspectText(withPhaseNotes(model, steps => checkInspectBudget(model, steps, o, json)), job.text, options);
  noteActivity(`formatting the output (${result.inputIds.length} × ${result.embeddings.cols} embeddings)`);
  return json ? inspectJson(model, result) : inspectTable(model, result);
}

async function tokenize(job: CliJob): Promise<string> {
  if (job.compare) return compareTokenize(job, job.compare);
  const o = job.options;
  const text = job.text;
  const ctx = { files: nodeFiles, assetsDir: job.assetsDir, discovery: nodeDiscoveryEnv() };
  const spec = o.get('tokenizer') as string | undefined;
  let tokenizer: Tokenizer;
  if (spec !== undefined) {
    noteActivity(`loading --tokenizer ${spec}`);
    tokenizer = await loadTokenizerSpec(ctx, spec);
  } else {
    tokenizer = (await load(ctx, o.get('model') as string | undefined)).tokenizer;
  }
  const explain = o.get('explain') as string | undefined;
  const json = o.get('format') !== 'table';
  if (explain !== undefined) {
    // The span was checked against the text on the main thread.
    const [start, end] = explain.split(':').map(Number) as [number, number];
    if (!tokenizer.explain) throw new UsageError(`--explain: ${tokenizer.description} cannot replay its steps`);
    noteActivity(`explaining ${start}:${end} with ${tokenizer.description} from ${tokenizer.source}`);
    const replay = tokenizer.explain(text, start, end);
    noteActivity('formatting the output');
    return json ? JSON.stringify(replay, null, 2) + '\n' : explainText(replay);
  }
  tokenizing(tokenizer, text);
  const content = tokenizer.encode(text);
  const tokens = o.has('no-special-tokens') ? content : tokenizer.addSpecialTokens(content, text);
  noteActivity(`formatting the output (${tokens.length} tokens)`);
  if (json) {
    const head = { tokenizer: { kind: tokenizer.description, source: tokenizer.source, vocab_size: tokenizer.vocabSize }, count: tokens.length };
    const lines = tokens.map(t => `    ${JSON.stringify({ id: t.id, text: t.text, start: t.start, end: t.end, special: t.special })}`);
    return `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "tokens": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`;
  }
  const rows = [['#', 'id', 'token', 'span', 'text'], ...tokens.map((t, i) => [String(i), String(t.id), visible(t.text) + (t.special ? ' (special)' : ''), `${t.start}:${t.end}`, visible(text.slice(t.start, t.end))])];
  return `${tokenizer.description} (${tokenizer.source}): ${tokens.length} tokens\n\n${columns(rows)}\n`;
}

/** Runs `job`; resolves to what goes to stdout. Throws UsageError / LensError / anything. */
export function runJob(job: CliJob): Promise<string> {
  return job.command === 'inspect' ? inspect(job) : tokenize(job);
}
