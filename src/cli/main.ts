import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isLensError } from '../core/errors';
import { inspectJson } from '../core/inspectJson';
import { loadModel, loadTokenizerSpec } from '../core/model/loadModel';
import { nodeFiles } from '../core/nodeFiles';
import { inspectText, type InspectOptions } from '../core/pipeline';
import type { RnnHints } from '../core/rnnTensors';
import { parseArgs, UsageError, type OptionSpec } from './args';
import { explainText } from './explain';
import { columns, inspectTable, visible } from './table';

const USAGE = `usage: embedding-lens inspect [TEXT] [--file PATH]            (else stdin)
    [--model DIR|FILE|builtin:NAME] [--tokenizer PATH|gpt2|r50k_base|p50k_base|cl100k_base|o200k_base]
    [--max-length N] [--padding-side right|left] [--truncation-side right|left]
    [--skip-padding] [--no-special-tokens]
    [--cell rnn|gru|lstm] [--nonlinearity tanh|relu] [--hidden-size N] [--layers N]
    [--bidirectional] [--seed N]                       (only for a random encoder)
    [--format json|table]

Models: builtin:seed (the explainer's example), builtin:glove-100d (GloVe 6B 100d, top 50k),
a model folder (tokenizer.json|vocab.json|vocab.txt + model.safetensors [+ config.json]),
a .safetensors/.npy matrix (tokenizer beside it or --tokenizer), or a word-vector file
(GloVe/word2vec text, word2vec .bin, vectors.tsv + metadata.tsv).

       embedding-lens tokenize [TEXT] [--file PATH]           (else stdin)
    [--tokenizer PATH|gpt2|r50k_base|p50k_base|cl100k_base|o200k_base | --model M]
    [--no-special-tokens] [--format json|table] [--explain START:END]

--explain prints the steps that made the tokens of text[START:END] (UTF-16 offsets):
the normalizer's output, the pre-token splits, then the model's own steps (BPE merges with
their ranks, WordPiece attempts, Unigram's best path with piece scores, byte fallback).`;

const TOKENIZE_OPTIONS: readonly OptionSpec[] = [
  { name: 'file', kind: 'string' },
  { name: 'model', kind: 'string' },
  { name: 'tokenizer', kind: 'string' },
  { name: 'no-special-tokens', kind: 'flag' },
  { name: 'format', kind: 'string', values: ['json', 'table'] },
  { name: 'explain', kind: 'string' },
];

const INSPECT_OPTIONS: readonly OptionSpec[] = [
  { name: 'file', kind: 'string' },
  { name: 'model', kind: 'string' },
  { name: 'tokenizer', kind: 'string' },
  { name: 'max-length', kind: 'int' },
  { name: 'padding-side', kind: 'string', values: ['right', 'left'] },
  { name: 'truncation-side', kind: 'string', values: ['right', 'left'] },
  { name: 'skip-padding', kind: 'flag' },
  { name: 'no-special-tokens', kind: 'flag' },
  { name: 'cell', kind: 'string', values: ['rnn', 'gru', 'lstm'] },
  { name: 'nonlinearity', kind: 'string', values: ['tanh', 'relu'] },
  { name: 'hidden-size', kind: 'int' },
  { name: 'layers', kind: 'int' },
  { name: 'bidirectional', kind: 'flag' },
  { name: 'seed', kind: 'int' },
  { name: 'format', kind: 'string', values: ['json', 'table'] },
];

/** The folder with models/glove-100d: beside dist/ in the package, or EMBEDDING_LENS_ASSETS. */
function assetsDir(): string {
  return process.env.EMBEDDING_LENS_ASSETS ?? path.join(__dirname, '..', 'assets');
}

async function readInput(positional: string[], file: string | undefined): Promise<string> {
  if (file !== undefined) {
    if (positional.length) throw new UsageError('give the text either as an argument or with --file, not both');
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (positional.length > 1) throw new UsageError(`expected one TEXT argument, got ${positional.length} (quote the text)`);
  if (positional.length === 1) return positional[0]!;
  if (process.stdin.isTTY) throw new UsageError('no text: give TEXT, --file PATH, or pipe text on stdin');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function inspect(argv: string[]): Promise<void> {
  const { positional, options: o } = parseArgs(argv, INSPECT_OPTIONS);
  const get = <T>(k: string): T | undefined => o.get(k) as T | undefined;
  const text = await readInput(positional, get<string>('file'));
  const hints: RnnHints = {
    source: 'the command line',
    ...(o.has('cell') ? { cell: get('cell') } : {}),
    ...(o.has('nonlinearity') ? { nonlinearity: get('nonlinearity') } : {}),
    ...(o.has('hidden-size') ? { hiddenSize: get('hidden-size') } : {}),
    ...(o.has('layers') ? { numLayers: get('layers') } : {}),
    ...(o.has('bidirectional') ? { bidirectional: true } : {}),
  } as RnnHints;
  const model = await loadModel({ files: nodeFiles, assetsDir: assetsDir() }, get<string>('model') ?? 'builtin:seed', {
    ...(o.has('tokenizer') ? { tokenizer: get<string>('tokenizer')! } : {}),
    encoderHints: hints,
  });
  const options: InspectOptions = {
    maxLength: get<number>('max-length'),
    paddingSide: get('padding-side'),
    truncationSide: get('truncation-side'),
    skipPadding: o.has('skip-padding') ? true : undefined,
    addSpecialTokens: o.has('no-special-tokens') ? false : undefined,
    keepGates: false,
    random: {
      cell: get('cell'),
      nonlinearity: get('nonlinearity'),
      hiddenSize: get('hidden-size'),
      numLayers: get('layers'),
      bidirectional: o.has('bidirectional') ? true : undefined,
      seed: get('seed'),
    },
  };
  if (options.maxLength !== undefined && options.maxLength < 1) throw new UsageError(`--max-length: ${options.maxLength} is not valid, expected a whole number ≥ 1`);
  const result = await inspectText(model, text, options);
  process.stdout.write(get<string>('format') === 'table' ? inspectTable(model, result) : inspectJson(model, result));
}

async function tokenize(argv: string[]): Promise<void> {
  const { positional, options: o } = parseArgs(argv, TOKENIZE_OPTIONS);
  const text = await readInput(positional, o.get('file') as string | undefined);
  const ctx = { files: nodeFiles, assetsDir: assetsDir() };
  const spec = o.get('tokenizer') as string | undefined;
  if (spec && o.has('model')) throw new UsageError('give --tokenizer or --model, not both');
  const tokenizer = spec ? await loadTokenizerSpec(ctx, spec) : (await loadModel(ctx, (o.get('model') as string | undefined) ?? 'builtin:seed')).tokenizer;
  const explain = o.get('explain') as string | undefined;
  const json = o.get('format') !== 'table';
  if (explain !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(explain);
    if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > text.length) {
      throw new UsageError(`--explain: "${explain}" is not a span of the text, expected START:END with 0 <= START <= END <= ${text.length}`);
    }
    if (!tokenizer.explain) throw new UsageError(`--explain: ${tokenizer.description} cannot replay its steps`);
    const replay = tokenizer.explain(text, Number(m[1]), Number(m[2]));
    process.stdout.write(json ? JSON.stringify(replay, null, 2) + '\n' : explainText(replay));
    return;
  }
  const content = tokenizer.encode(text);
  const tokens = o.has('no-special-tokens') ? content : tokenizer.addSpecialTokens(content, text);
  if (json) {
    const head = { tokenizer: { kind: tokenizer.description, source: tokenizer.source, vocab_size: tokenizer.vocabSize }, count: tokens.length };
    const lines = tokens.map(t => `    ${JSON.stringify({ id: t.id, text: t.text, start: t.start, end: t.end, special: t.special })}`);
    process.stdout.write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "tokens": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`);
  } else {
    const rows = [['#', 'id', 'token', 'span', 'text'], ...tokens.map((t, i) => [String(i), String(t.id), visible(t.text) + (t.special ? ' (special)' : ''), `${t.start}:${t.end}`, visible(text.slice(t.start, t.end))])];
    process.stdout.write(`${tokenizer.description} (${tokenizer.source}): ${tokens.length} tokens\n\n${columns(rows)}\n`);
  }
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'inspect':
        await inspect(rest);
        return 0;
      case 'tokenize':
        await tokenize(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command "${command}", expected inspect or tokenize (see embedding-lens --help)`);
    }
  } catch (e) {
    const msg = e instanceof UsageError || isLensError(e) ? e.message : `internal error: ${(e as Error).stack ?? e}`;
    process.stderr.write(`embedding-lens: ${msg.replace(/\n/g, ' ')}\n`);
    return 1;
  }
}

// `node dist/cli.js …` runs it directly; bin/embedding-lens.js calls main() itself.
if (require.main === module) {
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  });
}
