// Colours come from the theme (--vscode-* variables); canvases read them with getComputedStyle
// and repaint when the theme changes (VS Code swaps the body's classes and variables).

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** The palette the canvases draw with. */
export interface Palette {
  readonly background: Rgb;
  readonly foreground: Rgb;
  /** Diverging scale: negative end, midpoint (the background: 0 looks like "nothing"), positive end. */
  readonly negative: Rgb;
  readonly positive: Rgb;
  readonly pad: Rgb;
  readonly grid: Rgb;
  readonly focus: Rgb;
  readonly fontFamily: string;
  readonly fontSize: number;
  readonly highContrast: boolean;
}

/** Parses a CSS colour through the browser (any syntax the theme uses). */
export function cssColor(value: string, fallback: Rgb): Rgb {
  const v = value.trim();
  if (!v) return fallback;
  const ctx = scratch();
  ctx.fillStyle = '#000';
  ctx.fillStyle = v;
  const parsed = ctx.fillStyle as string;
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  if (parsed === '#000000' && !/^(#0{3,8}|black|rgba?\(\s*0\s*,\s*0\s*,\s*0)/i.test(v)) return fallback;
  return [d[0]!, d[1]!, d[2]!];
}

let scratchCtx: CanvasRenderingContext2D | undefined;
function scratch(): CanvasRenderingContext2D {
  if (!scratchCtx) {
    const c = document.createElement('canvas');
    c.width = c.height = 1;
    scratchCtx = c.getContext('2d', { willReadFrequently: true })!;
  }
  return scratchCtx;
}

/** Reads the current theme's palette. */
export function readPalette(): Palette {
  const s = getComputedStyle(document.body);
  const v = (name: string): string => s.getPropertyValue(name);
  const background = cssColor(v('--vscode-editor-background'), [30, 30, 30]);
  const foreground = cssColor(v('--vscode-editor-foreground'), [212, 212, 212]);
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    background,
    foreground,
    // Blue–orange is a diverging pair that stays distinct for the common colour-vision deficiencies.
    negative: cssColor(v('--vscode-charts-blue'), [55, 148, 255]),
    positive: positiveEnd(cssColor(v('--vscode-charts-blue'), [55, 148, 255]), [v('--vscode-charts-orange'), v('--vscode-charts-yellow'), v('--vscode-charts-red')]),
    pad: cssColor(v('--vscode-disabledForeground') || v('--vscode-descriptionForeground'), [128, 128, 128]),
    grid: cssColor(v('--vscode-panel-border') || v('--vscode-editorWidget-border'), [80, 80, 80]),
    focus: cssColor(v('--vscode-focusBorder'), [0, 127, 212]),
    fontFamily: v('--vscode-editor-font-family') || 'monospace',
    fontSize: parseFloat(v('--vscode-editor-font-size')) || 12,
    highContrast,
  };
}

/** Hue of a colour in degrees (0–360). */
export function hue([r, g, b]: Rgb): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return 0;
  const d = max - min;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

/**
 * The scale's positive end: the theme's orange, unless the theme made it a blue (Light High
 * Contrast's "orange" is #0f4a85), then its yellow, then its red — the first whose hue is at least
 * 60° from the negative end's, so the sign stays readable.
 */
export function positiveEnd(negative: Rgb, candidates: readonly string[]): Rgb {
  const parsed = candidates.map(c => cssColor(c, [209, 134, 22]));
  for (const c of parsed) {
    const d = Math.abs(hue(c) - hue(negative));
    if (Math.min(d, 360 - d) >= 60) return c;
  }
  return parsed[0] ?? [209, 134, 22];
}

/** Calls `fn` when VS Code changes the theme (body class or style attribute). */
export function onThemeChange(fn: () => void): () => void {
  const obs = new MutationObserver(() => fn());
  obs.observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] });
  return () => obs.disconnect();
}

function toLinear(c: number): number {
  const x = c / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
}
function toSrgb(x: number): number {
  const v = x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
  return Math.max(0, Math.min(255, Math.round(v * 255)));
}

/**
 * A 256-entry lookup table of the diverging scale as packed little-endian RGBA (for ImageData
 * via a Uint32Array view): index 0 = most negative, 128 = zero, 255 = most positive.
 * Interpolated in linear light so the midpoint is not muddy.
 */
export function divergingLut(p: Palette): Uint32Array {
  const lut = new Uint32Array(256);
  const mid = p.background.map(toLinear);
  const neg = p.negative.map(toLinear);
  const pos = p.positive.map(toLinear);
  for (let i = 0; i < 256; i++) {
    const t = (i - 127.5) / 127.5; // -1 … 1
    const end = t < 0 ? neg : pos;
    const a = Math.min(1, Math.abs(t));
    const rgb = [0, 1, 2].map(k => toSrgb(mid[k]! + (end[k]! - mid[k]!) * a));
    lut[i] = (255 << 24) | (rgb[2]! << 16) | (rgb[1]! << 8) | rgb[0]!;
  }
  return lut;
}

/** The LUT index of `v` on a symmetric scale [-limit, limit]. */
export function lutIndex(v: number, limit: number): number {
  if (!(limit > 0) || !Number.isFinite(v)) return 128;
  const i = Math.round(((v / limit) * 0.5 + 0.5) * 255);
  return i < 0 ? 0 : i > 255 ? 255 : i;
}

/** `rgb(…)` of an Rgb. */
export function rgbCss(c: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${c[0]}, ${c[1]}, ${c[2]})` : `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;
}
