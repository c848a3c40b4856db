// `embedding-lens models`: the options and help (main thread) and the work (worker thread):
// what discovery (core/discovery.ts) finds on this machine, grouped by source.
import { noteActivity } from '../core/activity';
import { LIMITS } from '../core/limits';
import { discoverModels, SOURCE_TITLES, type Discovery, type DiscoverySource } from '../core/discovery';
import { sizeText } from '../core/format';
import { nodeDiscoveryEnv, nodeFiles } from '../core/nodeFiles';
import { rangeText, UsageError, type OptionSpec } from './args';
import type { CliJob } from './job';
import { columns } from './table';

const TIMEOUT: OptionSpec = { name: 'timeout', kind: 'seconds', min: 0.1, max: 86_400 };
/** How many --folder may be given. */
export const FOLDER_LIMIT = 16;

export const MODELS_OPTIONS: readonly OptionSpec[] = [
  { name: 'folder', kind: 'string', repeat: FOLDER_LIMIT },
  { name: 'format', kind: 'string', values: ['json', 'table'] },
  TIMEOUT,
];

/** The synopsis, also shown by `embedding-lens --help`. */
export const MODELS_SYNOPSIS = `       embedding-lens models [--folder DIR]... [--format json|table] [--timeout SECONDS]`;

export const MODELS_NOTES = `The models already on this machine, found without reading their weights: the Hugging Face
cache ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub: each repo's refs/main
snapshot), Ollama ($OLLAMA_MODELS, else ~/.ollama/models), LM Studio (~/.lmstudio/models and
~/.cache/lm-studio/models), and each --folder (at most ${FOLDER_LIMIT}). Each has a name to pass to
--model (hf:ORG/NAME, ollama:NAME:TAG, lmstudio:PUBLISHER/REPO/FILE, or its path), its size,
format and, for GGUF, the quantization of token_embd.weight. Broken entries (dangling links,
bad manifests, missing blobs) are listed as problems. JSON: { "locations": [ { "source",
"path", "from", "exists" } ], "models": [ { "source", "name", "path", "size", "format",
"quant", … } ], "problems": [ { "source", "name", "path", "reason", "message" } ] }.`;

/** `embedding-lens models --help`. */
export const MODELS_USAGE = `${MODELS_SYNOPSIS.replace(/^ {7}/, 'usage: ')}

${MODELS_NOTES}
--format: json (the default) or table. --timeout: the deadline for the whole command,
${rangeText(TIMEOUT)} (default ${LIMITS.requestSeconds}, or the environment variable EMBEDDING_LENS_TIMEOUT).`;

/** Checks the arguments on the main thread: `models` takes no positional ones. */
export function checkModelsArgs(positional: readonly string[]): void {
  if (positional.length) throw new UsageError(`models: unexpected argument ${JSON.stringify(positional[0])} (models takes only options; see embedding-lens models --help)`);
}

/** The `--format table` report: one block per location, then the problems. */
export function modelsTable(d: Discovery): string {
  const out: string[] = [];
  const sources = Object.keys(SOURCE_TITLES) as DiscoverySource[];
  for (const source of sources) {
    const locs = d.locations.filter(l => l.source === source);
    if (!locs.length) continue;
    const models = d.models.filter(m => m.source === source);
    out.push(`${SOURCE_TITLES[source]} (${models.length})`);
    for (const l of locs) out.push(`  ${l.path}${l.from === 'caller' ? '' : `  (${l.from})`}${l.exists ? '' : '  not found'}`);
    if (models.length) {
      const rows = [['name', 'format', 'quant', 'size', 'path'], ...models.map(m => [m.name, m.format, m.quant ?? (m.format === 'gguf' ? '?' : '-'), sizeText(m.size), m.path])];
      out.push(columns(rows).replace(/^/gm, '  '));
    }
    out.push('');
  }
  if (d.problems.length) {
    out.push(`Problems (${d.problems.length})`);
    for (const p of d.problems) out.push(`  ${p.name ?? SOURCE_TITLES[p.source]}: ${p.reason}: ${p.message}`);
    out.push('');
  }
  if (!d.models.length) out.push('No models found.');
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

/** The work, on the CLI's worker thread; resolves to stdout. */
export async function runModels(job: CliJob): Promise<string> {
  const folders = job.folders ?? [];
  noteActivity('looking for models (Hugging Face cache, Ollama, LM Studio' + (folders.length ? `, ${folders.length} --folder` : '') + ')');
  const d = await discoverModels(nodeFiles, nodeDiscoveryEnv({ folders }));
  noteActivity(`formatting the output (${d.models.length} models)`);
  return job.options.get('format') === 'table' ? modelsTable(d) : JSON.stringify(d, null, 2) + '\n';
}
