import type { Matrix } from './matrix';
import type { DiscoveredModel } from './discovery';

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

/** "736 B", "1.5 kB", "4.92 GB": decimal units, as Ollama and the Hub show sizes. */
export function sizeText(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  // Compare the rounded value, so 999 999 B reads "1 MB", not "1000 kB".
  while (Number(v.toPrecision(3)) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${bytes} B` : `${Number(v.toPrecision(3))} ${units[u]}`;
}

/**
 * One line about a model discovery found, for Select Model…: size, format (with its shards or
 * parts), and for GGUF the quantization of token_embd.weight and the architecture; for
 * safetensors the tokenizer found beside it. "4.92 GB · GGUF Q4_K · llama",
 * "976 kB · safetensors, 2 shards · tokenizer.json".
 */
export function discoveredModelText(m: Pick<DiscoveredModel, 'size' | 'format' | 'quant' | 'architecture' | 'tokenizer' | 'shards'>): string {
  const parts = [sizeText(m.size)];
  if (m.format === 'gguf') {
    parts.push(`GGUF ${m.quant ?? '(quantization not read)'}${m.shards !== undefined && m.shards > 1 ? `, ${m.shards} parts` : ''}`);
    if (m.architecture) parts.push(m.architecture);
  } else {
    parts.push(`safetensors${m.shards !== undefined && m.shards > 1 ? `, ${m.shards} shards` : ''}`);
    parts.push(m.tokenizer ?? 'no tokenizer beside it');
  }
  return parts.join(' \u00b7 ');
}
