import { LensError } from '../errors';
import type { Token } from './types';

/** Adds the special tokens around one sequence (tokenizer.json `post_processor`). */
export interface PostProcessor {
  /** How many tokens it adds to a single sequence. */
  readonly added: number;
  /** Adds the special tokens (only when special tokens are on). `text` is the whole input. */
  apply(tokens: readonly Token[], text: string): Token[];
  /** Offset changes Hugging Face makes whether or not special tokens are added (e.g. trim_offsets). */
  adjust?(tokens: Token[], text: string): Token[];
}

interface SpecialPiece {
  readonly id: number;
  readonly text: string;
}

/** Special tokens before and after the sequence, with empty spans at the text's edges. */
function around(before: readonly SpecialPiece[], after: readonly SpecialPiece[]): PostProcessor {
  return {
    added: before.length + after.length,
    apply: (tokens, text) => [
      ...before.map(p => ({ id: p.id, text: p.text, start: 0, end: 0, special: true })),
      ...tokens,
      ...after.map(p => ({ id: p.id, text: p.text, start: text.length, end: text.length, special: true })),
    ],
  };
}

/** The post-processor a tokenizer.json describes (single-sequence part). */
export function postProcessorFromJson(json: unknown, file: string): PostProcessor | undefined {
  if (json === null || json === undefined) return undefined;
  const j = json as Record<string, unknown>;
  switch (j.type) {
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const pair = (v: unknown, name: string): SpecialPiece => {
        if (!Array.isArray(v) || typeof v[0] !== 'string' || !Number.isInteger(v[1])) {
          throw new LensError('badFile', `${file}: post_processor.${name} should be [token, id]`);
        }
        return { text: v[0], id: v[1] as number };
      };
      return around([pair(j.cls, 'cls')], [pair(j.sep, 'sep')]);
    }
    case 'TemplateProcessing': {
      const single = j.single as { SpecialToken?: { id: string }; Sequence?: unknown }[] | undefined;
      const specials = (j.special_tokens ?? {}) as Record<string, { ids?: number[]; tokens?: string[] }>;
      if (!Array.isArray(single)) throw new LensError('badFile', `${file}: post_processor.single should be a list of pieces`);
      const before: SpecialPiece[] = [];
      const after: SpecialPiece[] = [];
      let seenSequence = false;
      for (const piece of single) {
        if (piece.Sequence) {
          seenSequence = true;
          continue;
        }
        const name = piece.SpecialToken?.id;
        const spec = name === undefined ? undefined : specials[name];
        if (!spec?.ids || !spec.tokens || spec.ids.length !== spec.tokens.length) {
          throw new LensError('badFile', `${file}: post_processor special token ${JSON.stringify(name)} is not defined in special_tokens with ids and tokens`);
        }
        const pieces = spec.ids.map((id, k) => ({ id, text: spec.tokens![k]! }));
        (seenSequence ? after : before).push(...pieces);
      }
      return around(before, after);
    }
    case 'ByteLevel':
      return undefined; // only trims offsets; adds no tokens
    default:
      throw new LensError('unsupported', `${file}: post_processor type ${JSON.stringify(j.type)} is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel)`);
  }
}
