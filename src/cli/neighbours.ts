// `embedding-lens neighbours`: the options and help (main thread) and the work (worker thread):
// the k rows of the model's embedding table with the highest cosine to one token's row, exact.
import { noteActivity } from '../core/activity';
import { LIMITS } from '../core/limits';
import { loadModel } from '../core/model/loadModel';
import { overrideNote } from '../core/model/model';
import { NeighbourIndex } from '../core/neighbourIndex';
import { nodeDiscoveryEnv, nodeFiles } from '../core/nodeFiles';
import { rangeText, UsageError, type OptionSpec } from './args';
import type { CliJob } from './job';
import { columns, visible } from './table';

const DEFAULT_MODEL = 'builtin:seed';
/** Default and largest --k (a table bigger than this is not a "neighbours" answer any more). */
export const DEFAULT_K = 5;
export const K_LIMIT = 10_000;

const K: OptionSpec = { name: 'k', kind: 'int', min: 1, max: K_LIMIT };
const ID: OptionSpec = { name: 'id', kind: 'int', min: 0, max: LIMITS.idLimit - 1 };

export const NEIGHBOURS_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', kind: 'string' },
  { name: 'tokenizer', kind: 'string' },
  K,
  ID,
  { name: 'format', kind: 'string', values: ['json', 'table'] },
  { name: 'timeout', kind: 'seconds', min: 0.1, max: 86_400 },
];

/** The synopsis, also shown by `embedding-lens --help`. */
export const NEIGHBOURS_SYNOPSIS = `       embedding-lens neighbours (WORD | --id N) [--model M] [--tokenizer T] [--k N]
    [--format json|table] [--timeout SECONDS]`;

export const NEIGHBOURS_NOTES = `The --k rows of the model's embedding table (default ${DEFAULT_K}; ${rangeText(K)}) with the highest
cosine to WORD's row (or row --id N), best first, exact (ties to the lower id; the query's own
row and all-zero rows are skipped). WORD must be one token of the model's tokenizer (no special
tokens added); else give its id. --model takes what inspect's does (default builtin:seed).
JSON: { "query": { "id", "text" }, "neighbours": [ { "id", "text", "cosine" }, … ] }.`;

/** `embedding-lens neighbours --help`. */
export const NEIGHBOURS_USAGE = `${NEIGHBOURS_SYNOPSIS.replace(/^ {7}/, 'usage: ')}

${NEIGHBOURS_NOTES}
--format: json (the default) or table. --timeout: the deadline for the whole command,
${rangeText({ kind: 'seconds', min: 0.1, max: 86_400 })} (default ${LIMITS.requestSeconds}, or the environment variable EMBEDDING_LENS_TIMEOUT).`;

/** Checks WORD / --id on the main thread; returns the WORD ('' with --id). */
export function neighboursQuery(positional: readonly string[], options: ReadonlyMap<string, unknown>): string {
  if (options.has('id')) {
    if (positional.length) throw new UsageError(`give WORD or --id, not both (got ${JSON.stringify(positional[0])} and --id ${options.get('id') as number})`);
    return '';
  }
  if (positional.length === 0) throw new UsageError('neighbours: no query, expected a WORD or --id N');
  if (positional.length > 1) throw new UsageError(`neighbours: expected one WORD, got ${positional.length} arguments (give one token, or its id with --id)`);
  const word = positional[0]!;
  if (word === '') throw new UsageError('neighbours: WORD is empty, expected one token (or its id with --id)');
  if (word.length > LIMITS.textChars) throw new UsageError(`neighbours: WORD is ${word.length} characters, expected one token (at most ${LIMITS.textChars} characters)`);
  return word;
}

/** The work, on the CLI's worker thread; resolves to stdout. */
export async function runNeighbours(job: CliJob): Promise<string> {
  const o = job.options;
  const spec = o.get('model') as string | undefined;
  const tokenizerSpec = o.get('tokenizer') as string | undefined;
  const k = (o.get('k') as number | undefined) ?? DEFAULT_K;
  const modelName = spec ?? DEFAULT_MODEL;
  noteActivity(`loading ${spec === undefined ? `the default model ${modelName}` : `--model ${spec}`}${tokenizerSpec !== undefined ? ` with --tokenizer ${tokenizerSpec}` : ''}`);
  const model = await loadModel({ files: nodeFiles, assetsDir: job.assetsDir, discovery: nodeDiscoveryEnv() }, modelName, tokenizerSpec !== undefined ? { tokenizer: tokenizerSpec } : {});
  const { tokenizer, embedding } = model;
  const [rows] = embedding.info.shape as [number, number];
  let id: number;
  if (o.has('id')) {
    id = o.get('id') as number;
    if (id >= rows) throw new UsageError(`--id ${id} is outside the embedding table ${JSON.stringify(embedding.info.name)} in ${embedding.info.file}, which has ${rows} rows; expected 0 to ${rows - 1}`);
  } else {
    noteActivity(`tokenizing WORD (${job.text.length} characters) with ${tokenizer.description} from ${tokenizer.source}`);
    const tokens = tokenizer.encode(job.text);
    if (tokens.length !== 1) {
      const shown = tokens.slice(0, 8).map(t => `${visible(t.text)} (${t.id})`).join(', ');
      const more = tokens.length > 8 ? `, … ${tokens.length - 8} more` : '';
      throw new UsageError(`WORD ${JSON.stringify(job.text)} is ${tokens.length} tokens for ${tokenizer.description} from ${tokenizer.source}${tokens.length ? `: ${shown}${more}` : ''}; expected one token: give one of their ids with --id N`);
    }
    id = tokens[0]!.id;
  }
  // One query: a single streaming pass (exact in float64, one block of memory) beats building
  // the index the panel keeps for its many hovers.
  noteActivity(`reading row ${id} of ${JSON.stringify(embedding.info.name)} from ${embedding.info.file}`);
  const query = await embedding.readRows([id]);
  const found = await NeighbourIndex.streamNearest(embedding, query, k, new Set([id]));
  const text = (i: number): string => tokenizer.idToToken(i) ?? `[${i}]`;
  noteActivity('formatting the output');
  if (o.get('format') === 'table') {
    const table = [['#', 'id', 'token', 'cosine'], ...found.map((n, i) => [String(i + 1), String(n.id), visible(text(n.id)), n.cosine.toFixed(6)])];
    const note = model.tokenizerOverride ? ` (${overrideNote(model.tokenizerOverride)})` : '';
    return `neighbours of ${visible(text(id))} (id ${id}) among ${rows} rows of ${model.name}${note}:\n\n${columns(table)}\n`;
  }
  const lines = found.map(n => `    ${JSON.stringify({ id: n.id, text: text(n.id), cosine: n.cosine })}`);
  return `{\n  "query": ${JSON.stringify({ id, text: text(id) })},\n  "neighbours": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`;
}
