import type { Matrix } from './matrix';

/**
 * The shortest decimal that reads back as the same float32 — how the numbers PyTorch stored
 * should print: 0.1f prints as 0.1, not 0.10000000149011612.
 */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(Number(f.toPrecision(9)));
}

/** A float32 value as JSON (non-finite values become null, as JSON has no NaN). */
export function jsonFloat32(v: number): string {
  return Number.isFinite(v) ? formatFloat32(v) : 'null';
}

/** A matrix as a JSON array of rows, numbers in their shortest float32 form. */
export function matrixJson(m: Matrix, indent = ''): string {
  if (m.rows === 0) return '[]';
  const rows: string[] = [];
  for (let r = 0; r < m.rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < m.cols; c++) cells.push(jsonFloat32(m.data[r * m.cols + c]!));
    rows.push(`[${cells.join(', ')}]`);
  }
  return `[\n${indent}  ${rows.join(`,\n${indent}  `)}\n${indent}]`;
}

/** Rounds for display (tables, hovers): fixed significant digits, trailing zeros trimmed. */
export function formatShort(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(digits)));
}
