import { LensError } from '../errors';
import { LIMITS } from '../limits';

/**
 * Refuses a `Sequence` nested deeper than `LIMITS.sequenceDepth` (builders recurse per level, and
 * so would every call through the pipeline): a `badFile` error naming the component and the limit.
 * `depth` is how many Sequences enclose this one.
 */
export function checkSequenceDepth(depth: number, file: string, component: 'normalizer' | 'pre_tokenizer' | 'post_processor' | 'decoder'): void {
  if (depth >= LIMITS.sequenceDepth) {
    throw new LensError('badFile', `${file}: ${component} Sequence is nested more than ${LIMITS.sequenceDepth} levels deep (the Sequence nesting limit); expected a flatter ${component}`);
  }
}
