import type { ModelStep, Replay } from '../core/tokenizers/replay';
import { visible } from './table';

function step(s: ModelStep): string {
  switch (s.kind) {
    case 'lookup':
      return s.id === null ? `lookup ${JSON.stringify(s.piece)}: not in the vocabulary \u2192 ${s.result}` : `lookup ${JSON.stringify(s.piece)} \u2192 id ${s.id}`;
    case 'symbols':
      return `symbols: ${s.parts.map(visible).join(' ')}`;
    case 'merge':
      return `merge rank ${s.rank}: ${visible(s.left)} + ${visible(s.right)} \u2192 ${visible(s.merged)}   [${s.parts.map(visible).join(' ')}]`;
    case 'wholeWord':
      return `whole piece ${JSON.stringify(s.piece)} is in the vocabulary \u2192 id ${s.id} (no merges)`;
    case 'wordpiece':
      return `try ${JSON.stringify(s.candidate)} at ${s.start}: ${s.found ? `found, id ${s.id}` : 'not in the vocabulary'}`;
    case 'unigram':
      return `best path (score ${s.score.toFixed(4)}): ${s.pieces.map(p => `${visible(p.piece)}(${p.id}, ${p.score.toFixed(3)})`).join(' ')}`;
    case 'byteFallback':
      return `byte fallback ${JSON.stringify(s.symbol)} \u2192 ${s.bytes.join(' ')}`;
    case 'unknown':
      return `unknown ${JSON.stringify(s.piece)} \u2192 ${s.token} (${s.reason})`;
    case 'note':
      return s.text;
  }
}

/** The replay as readable text: normalizer, pre-tokens, model steps, tokens. */
export function explainText(r: Replay): string {
  const out: string[] = [`span ${r.start}:${r.end} ${JSON.stringify(r.text)}`];
  for (const t of r.addedTokens) out.push(`added token ${JSON.stringify(t.text)} = ${t.id} at ${t.start}:${t.end}${t.special ? ' (special)' : ''}, matched before normalization`);
  for (const seg of r.segments) {
    out.push(seg.normalized === seg.original ? `normalized: unchanged (${seg.start}:${seg.end})` : `normalized ${seg.start}:${seg.end}: ${JSON.stringify(seg.original)} \u2192 ${JSON.stringify(seg.normalized)}`);
  }
  if (r.preTokens.length) out.push(`pre-tokens: ${r.preTokens.map(p => (p.selected ? `[${visible(p.text)}]*` : `[${visible(p.text)}]`)).join(' ')}`);
  for (const p of r.pieces) {
    out.push('', `piece ${JSON.stringify(p.text)} from ${p.start}:${p.end}`);
    for (const s of p.steps) out.push(`  ${step(s)}`);
    out.push(`  tokens: ${p.tokens.map(t => `${visible(t.text)}=${t.id} (${t.start}:${t.end})`).join(' ')}`);
  }
  if (r.postProcessor) out.push('', `post-processor: ${r.postProcessor}`);
  return out.join('\n') + '\n';
}
