// Number formatting for the panel: the core's rules, so the panel and the CLI print the same.
export { formatFloat32 as f32, formatShort as short } from '../src/core/format';

/** A shape as PyTorch prints it. */
export function shape(...dims: number[]): string {
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}
