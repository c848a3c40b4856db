// The projection's shapes: what is projected (the choice kept with saveState), the zoom and pan,
// the prepared plot (points, groups, hit grid) and the plot's fixed geometry.
import type { ProjectReply } from '../../../src/shared/workerProtocol';

/** Vocabulary sample sizes offered (embeddings only). */
export const SAMPLE_SIZES = [0, 500, 2000, 10000] as const;

/** What is projected, and how it is looked at: UI state kept with saveState. */
export interface ProjectionChoice {
  readonly what: 'embeddings' | 'hidden';
  readonly layer: number;
  readonly direction: number;
  readonly sample: number;
}

/** UI state this view keeps beside PanelState's own fields. */
export interface ProjectionState {
  readonly projection?: ProjectionChoice & { readonly view?: PlotView };
}

/** Zoom (1 = fit) and pan (CSS pixels) over the fitted view. */
export interface PlotView {
  readonly zoom: number;
  readonly panX: number;
  readonly panY: number;
}

/** Sequence rows with the same coordinates (all pads; a word used twice) drawn as one point. */
export interface Group {
  readonly row: number;
  readonly rows: number[];
  readonly tokens: number[];
  readonly pad: boolean;
  label: string;
  width: number;
}

/** A projection ready to draw. */
export interface PlotData {
  readonly pts: Float32Array;
  /** Sequence rows come first in `pts`; the sample after them. */
  readonly T: number;
  readonly n: number;
  readonly groups: Group[];
  readonly groupOfRow: Int32Array;
  readonly sample: ProjectReply['sample'];
  readonly explained: readonly [number, number];
  /** Rows in the order the encoder ran them (hidden states only): drawn as a path. */
  readonly path: Int32Array | null;
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
  readonly grid: HitGrid;
}

/** Items in a uniform grid over data space: group g is item g, sample point k is groups + k. */
export interface HitGrid {
  readonly cols: number;
  readonly rows: number;
  readonly cellW: number;
  readonly cellH: number;
  readonly start: Int32Array;
  readonly items: Int32Array;
}

export type Hit = { readonly kind: 'group'; readonly g: number } | { readonly kind: 'sample'; readonly k: number } | null;
export type Select = HTMLElement & { value: string; disabled: boolean };

/** Room around the plot for the axes' ticks and titles (CSS px). */
export const MARGIN = { left: 52, right: 14, top: 12, bottom: 40 };
/** Radius of a sequence point (CSS px). */
export const SEQ_RADIUS = 4.5;
/** How near the pointer must be to a sequence point, and to a sample point (CSS px). */
export const HIT_SEQ = 10;
export const HIT_SAMPLE = 6;
/** Zoom limits (1 = fit). */
export const MIN_ZOOM = 0.2;
export const MAX_ZOOM = 2000;

/** Where data space lands on screen: CSS px per unit `s`, data centre (cx, cy) at screen (ox, oy). */
export interface Frame {
  readonly s: number;
  readonly cx: number;
  readonly cy: number;
  readonly ox: number;
  readonly oy: number;
}
