import { LensError } from '../errors';
import { checkSequenceDepth } from './sequenceDepth';
import { byteLevelPostProcessorFromJson, trimByteLevelOffsets } from './byteLevel';
import { tokenId } from './tokenIds';
import type { Token } from './types';

/** Adds the special tokens around one sequence (tokenizer.json `post_processor`). */
export interface PostProcessor {
  /** How many tokens it adds to a single sequence. */
  readonly added: number;
  /** Adds the special tokens (only when special tokens are on). `text` is the whole input. */
  apply(tokens: readonly Token[], text: string): Token[];
  /** Offset changes Hugging Face makes whether or not special tokens are added (e.g. trim_offsets). */
  adjust?(tokens: Token[], text: string): Token[];
  /** What it does, in words (for the replay): "adds [CLS] before and [SEP] after the sequence". */
  readonly description?: string;
}

interface SpecialPiece {
  readonly id: number;
  readonly text: string;
}

/**
 * Special tokens before and after the sequence. Their spans are empty: at the text's start for
 * those before, at its end for those after (docs/ARCHITECTURE.md, "Tokenizers"; the Rust library puts all of them at 0).
 */
function around(name: string, before: readonly SpecialPiece[], after: readonly SpecialPiece[], trim?: { addPrefixSpace: boolean }): PostProcessor {
  const list = (ps: readonly SpecialPiece[]) => ps.map(p => p.text).join(' ');
  const adds = before.length + after.length === 0 ? 'adds no tokens' : `adds ${[before.length > 0 ? `${list(before)} before` : '', after.length > 0 ? `${list(after)} after` : ''].filter(Boolean).join(' and ')} the sequence`;
  const processor: PostProcessor = {
    added: before.length + after.length,
    description: `${name} ${adds}${trim ? ', and trims whitespace off token spans (trim_offsets)' : ''}`,
    apply: (tokens, text) => [
      ...before.map(p => ({ id: p.id, text: p.text, start: 0, end: 0, special: true })),
      ...tokens,
      ...after.map(p => ({ id: p.id, text: p.text, start: text.length, end: text.length, special: true })),
    ],
  };
  if (!trim) return processor;
  // trim_offsets is ByteLevel's offset trimming, done before the special tokens are added.
  return { ...processor, adjust: (tokens, text) => trimByteLevelOffsets(tokens, text, trim.addPrefixSpace) };
}

/** A `[token, id]` pair of BertProcessing / RobertaProcessing. */
function tokenPair(v: unknown, name: string, what: string, file: string, type: string): SpecialPiece {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'number') {
    throw new LensError('badFile', `${what}: "${name}" should be [token, id], got ${JSON.stringify(v)}`);
  }
  return { text: v[0], id: tokenId(v[1], file, `post_processor ${type} "${name}" ${JSON.stringify(v[0])}`) };
}

/**
 * TemplateProcessing's single-sequence template: special tokens (from `special_tokens`, several
 * ids each allowed) around exactly one `$A`. `pair` must be there (the library requires it) but
 * is not used: we encode one sequence.
 */
function templateFromJson(j: Record<string, unknown>, what: string, file: string): PostProcessor {
  const single = j.single;
  if (!Array.isArray(single)) throw new LensError('badFile', `${what}: "single" should be a list of {"SpecialToken"} / {"Sequence"} pieces, got ${JSON.stringify(single)}`);
  if (!Array.isArray(j.pair)) throw new LensError('badFile', `${what}: "pair" should be a list of pieces, got ${JSON.stringify(j.pair)}`);
  const specials = j.special_tokens;
  if (typeof specials !== 'object' || specials === null || Array.isArray(specials)) {
    throw new LensError('badFile', `${what}: "special_tokens" should be an object {name: {id, ids, tokens}}, got ${JSON.stringify(specials)}`);
  }
  // Every entry's ids are u32 to the Rust library, used in the template or not.
  for (const [name, spec] of Object.entries(specials as Record<string, { ids?: unknown; tokens?: unknown }>)) {
    if (!Array.isArray(spec?.ids)) continue;
    spec.ids.forEach((id: unknown, k) => {
      if (typeof id === 'number') tokenId(id, file, `post_processor TemplateProcessing special_tokens ${JSON.stringify(name)} token ${JSON.stringify(Array.isArray(spec.tokens) ? spec.tokens[k] : undefined)}`);
    });
  }
  const before: SpecialPiece[] = [];
  const after: SpecialPiece[] = [];
  let sequences = 0;
  for (const piece of single as Record<string, unknown>[]) {
    const seq = piece?.Sequence as { id?: unknown } | undefined;
    const sp = piece?.SpecialToken as { id?: unknown } | undefined;
    if (seq && typeof seq === 'object') {
      if (seq.id !== 'A') throw new LensError('unsupported', `${what}: the single template uses sequence ${JSON.stringify(seq.id)}; only $A is supported there`);
      sequences++;
      continue;
    }
    if (!sp || typeof sp !== 'object' || typeof sp.id !== 'string') {
      throw new LensError('badFile', `${what}: template piece ${JSON.stringify(piece)} should be {"SpecialToken": {"id", "type_id"}} or {"Sequence": {"id", "type_id"}}`);
    }
    const spec = (specials as Record<string, { ids?: unknown; tokens?: unknown }>)[sp.id];
    const ids = spec?.ids;
    const tokens = spec?.tokens;
    if (!Array.isArray(ids) || !Array.isArray(tokens) || ids.length !== tokens.length || !ids.every(i => typeof i === 'number') || !tokens.every(t => typeof t === 'string')) {
      throw new LensError('badFile', `${what}: special token ${JSON.stringify(sp.id)} of the template needs an entry in "special_tokens" with as many "ids" as "tokens"`);
    }
    const checked = ids.map((id: number, k) => tokenId(id, file, `post_processor TemplateProcessing special_tokens ${JSON.stringify(sp.id)} token ${JSON.stringify(tokens[k])}`));
    (sequences > 0 ? after : before).push(...checked.map((id, k) => ({ id, text: tokens[k] as string })));
  }
  if (sequences !== 1) throw new LensError('unsupported', `${what}: the single template has ${sequences} $A pieces; only templates with exactly one are supported`);
  return around('TemplateProcessing', before, after);
}

/** A `Sequence` of post-processors, run in order (special tokens and trimming, each in turn). */
function sequenceOf(parts: readonly PostProcessor[], what: string): PostProcessor {
  // Our trimming runs before truncation and before any special token exists; that is the
  // library's order only when no trimming processor comes after one that adds tokens.
  const firstAdder = parts.findIndex(p => p.added > 0);
  if (firstAdder >= 0 && parts.slice(firstAdder + 1).some(p => p.adjust)) {
    throw new LensError('unsupported', `${what}: a processor that trims offsets after one that adds special tokens is not supported`);
  }
  const adjusters = parts.filter(p => p.adjust);
  const described = parts.map(p => p.description).filter(Boolean);
  return {
    added: parts.reduce((n, p) => n + p.added, 0),
    ...(described.length > 0 ? { description: described.join('; then ') } : {}),
    apply: (tokens, text) => parts.reduce<Token[]>((acc, p) => p.apply(acc, text), [...tokens]),
    ...(adjusters.length > 0 ? { adjust: (tokens: Token[], text: string) => adjusters.reduce((acc, p) => p.adjust!(acc, text), tokens) } : {}),
  };
}

/** The post-processor a tokenizer.json describes (single-sequence part). */
export function postProcessorFromJson(json: unknown, file: string, depth = 0): PostProcessor | undefined {
  if (json === null || json === undefined) return undefined;
  const j = json as Record<string, unknown>;
  const what = `${file}: post_processor ${String(j.type)}`;
  switch (j.type) {
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const cls = tokenPair(j.cls, 'cls', what, file, String(j.type));
      const sep = tokenPair(j.sep, 'sep', what, file, String(j.type));
      // The library reads either type as RobertaProcessing when both of its flags are there
      // and as BertProcessing (no trimming) otherwise, whatever "type" says.
      if (j.trim_offsets === undefined || j.add_prefix_space === undefined) return around('BertProcessing', [cls], [sep]);
      if (typeof j.trim_offsets !== 'boolean' || typeof j.add_prefix_space !== 'boolean') {
        throw new LensError('badFile', `${what}: "trim_offsets" and "add_prefix_space" should be true or false, got ${JSON.stringify(j.trim_offsets)} and ${JSON.stringify(j.add_prefix_space)}`);
      }
      return around('RobertaProcessing', [cls], [sep], j.trim_offsets ? { addPrefixSpace: j.add_prefix_space } : undefined);
    }
    case 'TemplateProcessing':
      return templateFromJson(j, what, file);
    case 'Sequence': {
      if (!Array.isArray(j.processors)) throw new LensError('badFile', `${what}: "processors" should be a list, got ${JSON.stringify(j.processors)}`);
      checkSequenceDepth(depth, file, 'post_processor');
      const parts = j.processors.map(p => postProcessorFromJson(p, file, depth + 1)).filter((p): p is PostProcessor => p !== undefined);
      return sequenceOf(parts, what);
    }
    case 'ByteLevel':
      return byteLevelPostProcessorFromJson(j, file); // adds no tokens; trims offsets (trim_offsets)
    default:
      throw new LensError('unsupported', `${file}: post_processor type ${JSON.stringify(j.type)} is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)`);
  }
}
