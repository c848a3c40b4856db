// The step-through's shared pieces: its constants, the shapes of a column and a row, canvas widths
// from one ResizeObserver, and small numeric helpers.
import type { EncoderSpecWire } from '../../../src/shared/workerProtocol';
import type { Run, Trace } from '../../result';
import type { VectorCell } from './vectorCell';

/** Vectors up to this many units print every number; longer ones become a colour strip. */
export const MAX_PRINTED = 16;
/** How many leading numbers a strip prints beside it. */
export const STRIP_NUMBERS = 12;

// Canvas widths come from a ResizeObserver, never from clientWidth while stepping: reading
// layout after each DOM update forced a reflow per strip (5 ms a step at H = 768).
export const widths = new WeakMap<Element, number>();
const onResize = new WeakMap<Element, () => void>();
const sizer = new ResizeObserver(entries => {
  for (const e of entries) {
    widths.set(e.target, e.contentRect.width);
    onResize.get(e.target)?.();
  }
});
/** Calls `redraw` when the element's width changes (the width is then in `widths`). */
export function observeWidth(el: Element, redraw: () => void): void {
  onResize.set(el, redraw);
  sizer.observe(el);
}

/** The RNN's cell kind. */
export type Cell = EncoderSpecWire['cell'];
/** A vscode-single-select element. */
export type Select = HTMLElement & { value: string };

/** Units of the same space (hidden units, or input features) share the pointer's marker. */
export type UnitSpace = 'h' | 'x';

/** One pad treatment as a column of the step-through. */
export interface Column {
  readonly run: Run;
  readonly trace: Trace;
  /** Index of time step t in the trace's run order, or -1 when t did not run. */
  readonly stepOf: Int32Array;
  readonly title: string;
  readonly chosen: boolean;
  /** Scratch for x_t of layer ≥ 1 (the previous layer's forward and reverse h_t). */
  readonly x: Float32Array;
  readonly cells: Map<string, VectorCell>;
  readonly checks: HTMLElement;
  readonly head: HTMLElement;
  readonly notRun: HTMLElement;
  readonly body: HTMLElement[];
}

/** A row of the In / gates / Out grid. */
export interface RowDef {
  readonly key: string;
  readonly label: (Node | string)[];
  readonly space: UnitSpace;
  /** Colour scale limit of the row (values map to ±limit). */
  readonly limit: () => number;
}

/** A trace's name for labels (layer, and direction when bidirectional). */
export function traceName(layer: number, direction: number, bidirectional: boolean): string {
  return `layer ${layer}${bidirectional ? (direction ? ' reverse' : ' forward') : ''}`;
}

/** `v` as a whole number within lo..hi. */
export function clampInt(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return lo;
  return Math.max(lo, Math.min(hi, Math.trunc(v)));
}

/** The largest finite |value| (0 when none). */
export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m && Number.isFinite(v)) m = v;
  }
  return m;
}

