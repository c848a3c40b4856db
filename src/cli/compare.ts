// `embedding-lens tokenize --tokenizer A --tokenizer B`: the text through two tokenizers (or two
// models' tokenizers), aligned by span (core/align.ts), as JSON or a table.
import { noteActivity } from '../core/activity';
import { alignSummary, alignTokens, type AlignGroup } from '../core/align';
import { loadModel, loadTokenizerSpec } from '../core/model/loadModel';
import { nodeDiscoveryEnv, nodeFiles } from '../core/nodeFiles';
import type { Token, Tokenizer } from '../core/tokenizers/types';
import type { CliJob, CompareSide } from './job';
import { columns, visible } from './table';

/** A side's tokenizer: `--model` loads the model; `--tokenizer` takes a name, a path, or builtin:NAME (that model's tokenizer). */
async function sideTokenizer(job: CliJob, side: CompareSide): Promise<Tokenizer> {
  const ctx = { files: nodeFiles, assetsDir: job.assetsDir, discovery: nodeDiscoveryEnv() };
  noteActivity(`loading --${side.option} ${side.spec}`);
  if (side.option === 'model' || side.spec.startsWith('builtin:')) return (await loadModel(ctx, side.spec)).tokenizer;
  return loadTokenizerSpec(ctx, side.spec);
}

interface Side {
  readonly given: CompareSide;
  readonly tokenizer: Tokenizer;
  readonly tokens: Token[];
}

/** Runs the comparison; resolves to stdout. */
export async function compareTokenize(job: CliJob, sides: readonly [CompareSide, CompareSide]): Promise<string> {
  const text = job.text;
  const withSpecials = !job.options.has('no-special-tokens');
  const done: Side[] = [];
  for (const given of sides) {
    const tokenizer = await sideTokenizer(job, given);
    noteActivity(`tokenizing ${text.length} characters with ${tokenizer.description} from ${tokenizer.source}`);
    const content = tokenizer.encode(text);
    done.push({ given, tokenizer, tokens: withSpecials ? tokenizer.addSpecialTokens(content, text) : content });
  }
  const [a, b] = done as [Side, Side];
  noteActivity(`aligning ${a.tokens.length} and ${b.tokens.length} tokens`);
  const groups = alignTokens(text.length, a.tokens, b.tokens);
  noteActivity(`formatting the output (${groups.length} groups)`);
  return job.options.get('format') === 'table' ? compareTable(text, a, b, groups) : compareJson(text, a, b, groups);
}

/** JSON with one line per token and per group (diffable, and still one object for `jq`). */
function compareJson(text: string, a: Side, b: Side, groups: readonly AlignGroup[]): string {
  const side = (s: Side): string => {
    const tokens = s.tokens.map(t => `        ${JSON.stringify({ id: t.id, text: t.text, start: t.start, end: t.end, special: t.special })}`);
    return [
      '    {',
      `      "tokenizer": ${JSON.stringify({ kind: s.tokenizer.description, source: s.tokenizer.source, vocab_size: s.tokenizer.vocabSize })},`,
      `      "spec": ${JSON.stringify(s.given.spec)},`,
      `      "count": ${s.tokens.length},`,
      `      "ids": ${JSON.stringify(s.tokens.map(t => t.id))},`,
      `      "tokens": [${tokens.length ? `\n${tokens.join(',\n')}\n      ` : ''}]`,
      '    }',
    ].join('\n');
  };
  const lines = groups.map(g => `    ${JSON.stringify({ start: g.start, end: g.end, a: g.a, b: g.b, same: g.same })}`);
  return [
    '{',
    `  "text": ${JSON.stringify(text)},`,
    `  "sides": [\n${side(a)},\n${side(b)}\n  ],`,
    `  "groups": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}],`,
    `  "differ": ${alignSummary(groups).differ}`,
    '}',
    '',
  ].join('\n');
}

/** One row per group: a `*` where the sides cut it differently, its span and text, each side's tokens and ids. */
function compareTable(text: string, a: Side, b: Side, groups: readonly AlignGroup[]): string {
  const { differ } = alignSummary(groups);
  const label = (name: string, s: Side): string => `${name}: --${s.given.option} ${s.given.spec} = ${s.tokenizer.description} (${s.tokenizer.source}): ${s.tokens.length} tokens`;
  const cell = (s: Side, ix: readonly number[]): [string, string] => [ix.map(i => visible(s.tokens[i]!.text)).join(' '), ix.map(i => String(s.tokens[i]!.id)).join(' ')];
  const rows: string[][] = [['', 'span', 'text', 'A tokens', 'A ids', 'B tokens', 'B ids']];
  for (const g of groups) {
    const src = g.start === g.end ? '(special)' : visible(text.slice(g.start, g.end));
    rows.push([g.same ? '' : '*', `${g.start}:${g.end}`, src, ...cell(a, g.a), ...cell(b, g.b)]);
  }
  const summary = `${groups.length} groups; ${differ} cut differently (marked *)`;
  return `${label('A', a)}\n${label('B', b)}\n${summary}\n\n${columns(rows)}\n`;
}
