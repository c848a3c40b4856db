// The projection's canvas drawing: grid and axes (drawAxes), the vocabulary sample as a bitmap
// layer (drawSample), the encoder's reading path, the sequence's points and non-overlapping
// labels, and the rings and boxed labels of the selected and hovered points. Colours come from the
// theme (readPalette) and are re-read on repaint().
import { visibleWhitespace } from '../../result';
import { cssColor, readPalette, rgbCss, type Palette, type Rgb } from '../../theme';
import { frameOf, pct } from './data';
import { MARGIN, SEQ_RADIUS, type Frame, type Hit, type PlotData, type PlotView } from './types';

/** What one draw shows: the plot (none yet: background only), the zoom and pan, the hovered and selected points. */
export interface Scene {
  readonly d: PlotData | undefined;
  readonly view: PlotView;
  readonly hover: Hit;
  /** The selected token's group, or -1. */
  readonly selected: number;
}

/** Draws the plot on its canvas; owns the theme's colours and the sample's bitmap layer. */
export class PlotPainter {
  private readonly ctx: CanvasRenderingContext2D;
  private palette: Palette = readPalette();
  private colors = extraColors();
  /** Milliseconds the last full draw took (for the perf check). */
  lastDrawMs = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
  }

  /** Re-reads the theme's colours and font (after a theme change). */
  repaint(): void {
    this.palette = readPalette();
    this.colors = extraColors();
  }

  /** The canvas's size in CSS pixels (at least 200 × 200). */
  size(): { w: number; h: number } {
    return { w: Math.max(200, this.canvas.clientWidth), h: Math.max(200, this.canvas.clientHeight) };
  }

  /** Measures each group's label in the labels' font (used to place labels without overlaps). */
  measureLabels(d: PlotData): void {
    const ctx = this.ctx;
    ctx.font = this.labelFont();
    for (const g of d.groups) g.width = ctx.measureText(g.label).width;
  }

  /** The labels' font (the editor's size, kept between 10 and 13 px). */
  labelFont(): string {
    return `${Math.max(10, Math.min(13, this.palette.fontSize))}px ${this.palette.fontFamily}`;
  }

  /** Draws the whole plot (one pass: grid, sample, path, points, labels). */
  draw(scene: Scene): void {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const { w, h: hgt } = this.size();
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(hgt * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(hgt * dpr);
    }
    const ctx = this.ctx;
    const p = this.palette;
    const c = this.colors;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = rgbCss(p.background);
    ctx.fillRect(0, 0, w, hgt);
    const d = scene.d;
    if (!d) return;
    const f = frameOf(d, scene.view, w, hgt);
    const sx = (x: number): number => f.ox + (x - f.cx) * f.s;
    const sy = (y: number): number => f.oy - (y - f.cy) * f.s;
    const left = MARGIN.left;
    const top = MARGIN.top;
    const right = w - MARGIN.right;
    const bottom = hgt - MARGIN.bottom;
    this.drawAxes(ctx, d, f, left, top, right, bottom, w, hgt);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    // The sample: small faint squares written straight into a bitmap layer (one drawImage), kept
    // while only the hover or the selection changes.
    if (d.n > d.T) this.drawSample(ctx, d, f, left, top, right, bottom, dpr);
    // The encoder's reading order.
    if (d.path && d.path.length > 1) {
      ctx.beginPath();
      d.path.forEach((t, k) => (k ? ctx.lineTo(sx(d.pts[2 * t]!), sy(d.pts[2 * t + 1]!)) : ctx.moveTo(sx(d.pts[2 * t]!), sy(d.pts[2 * t + 1]!))));
      // Thousands of segments pile up: fainter the longer the path, so points stay readable.
      const alpha = Math.max(0.06, Math.min(1, Math.sqrt(64 / d.path.length))) * (p.highContrast ? 0.7 : 0.3);
      ctx.strokeStyle = rgbCss(p.foreground, alpha);
      ctx.lineWidth = 1;
      ctx.stroke();
      this.drawArrowheads(ctx, d, sx, sy);
    }
    // Sequence points: tokens as filled dots, pads as hollow squares.
    const sel = scene.selected;
    const hover = scene.hover;
    const hov = hover?.kind === 'group' ? hover.g : -1;
    ctx.beginPath();
    for (const g of d.groups) {
      if (g.pad) continue;
      const x = sx(d.pts[2 * g.row]!);
      const y = sy(d.pts[2 * g.row + 1]!);
      ctx.moveTo(x + SEQ_RADIUS, y);
      ctx.arc(x, y, SEQ_RADIUS, 0, Math.PI * 2);
    }
    ctx.fillStyle = rgbCss(c.seq);
    ctx.fill();
    if (p.highContrast) {
      ctx.strokeStyle = rgbCss(p.foreground);
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    ctx.beginPath();
    for (const g of d.groups) {
      if (!g.pad) continue;
      const x = sx(d.pts[2 * g.row]!);
      const y = sy(d.pts[2 * g.row + 1]!);
      ctx.rect(x - 4.5, y - 4.5, 9, 9);
    }
    // The theme's pad colour is a disabled grey: in high contrast it would vanish, so use the foreground.
    const padColor = p.highContrast ? p.foreground : p.pad;
    ctx.strokeStyle = rgbCss(padColor);
    ctx.lineWidth = 1.5;
    if (p.highContrast) ctx.setLineDash([3, 2]);
    ctx.stroke();
    ctx.setLineDash([]);
    // Labels: greedy, skipping ones that would overlap; selected and hovered always on top.
    ctx.font = this.labelFont();
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    const occupied = new Occupancy(w, hgt);
    const lh = Math.max(10, Math.min(13, p.fontSize)) + 2;
    const gap = SEQ_RADIUS + 3;
    ctx.strokeStyle = rgbCss(p.background, 0.85);
    ctx.lineWidth = 3;
    ctx.lineJoin = 'round';
    // The dots themselves are taken first, so no label hides a point.
    for (const g of d.groups) occupied.take(sx(d.pts[2 * g.row]!) - SEQ_RADIUS, sy(d.pts[2 * g.row + 1]!) - SEQ_RADIUS, 2 * SEQ_RADIUS, 2 * SEQ_RADIUS);
    // Claim the selected and hovered spots first so other labels make way.
    for (const g of [sel, hov]) if (g >= 0) occupied.take(sx(d.pts[2 * d.groups[g]!.row]!) + gap, sy(d.pts[2 * d.groups[g]!.row + 1]!) - lh / 2, d.groups[g]!.width + 8, lh);
    for (let gi = 0; gi < d.groups.length; gi++) {
      if (gi === sel || gi === hov) continue;
      const g = d.groups[gi]!;
      const px = sx(d.pts[2 * g.row]!);
      const py = sy(d.pts[2 * g.row + 1]!);
      if (px < left - g.width - gap || px > right + gap || py < top - lh || py > bottom + lh) continue;
      // Right, left, above, below, then the diagonals: the first free spot inside the plot wins.
      const wl = g.width;
      const spots: [number, number][] = [
        [px + gap, py], [px - gap - wl, py], [px - wl / 2, py - lh], [px - wl / 2, py + lh],
        [px + gap, py - lh], [px + gap, py + lh], [px - gap - wl, py - lh], [px - gap - wl, py + lh],
      ];
      const at = spots.find(([x, y]) => x >= left && x + wl <= right && y - lh / 2 >= top && y + lh / 2 <= bottom && occupied.free(x, y - lh / 2, wl, lh));
      if (!at) continue;
      occupied.take(at[0], at[1] - lh / 2, g.width, lh);
      // A halo in the background colour keeps labels readable over the sample's dots.
      ctx.strokeText(g.label, at[0], at[1]);
      ctx.fillStyle = rgbCss(g.pad ? padColor : p.foreground);
      ctx.fillText(g.label, at[0], at[1]);
    }
    ctx.restore();
    // Selected and hovered: rings and boxed labels (drawn unclipped so they stay readable at edges).
    const ring = (g: number, color: Rgb, width: number): void => {
      const grp = d.groups[g]!;
      const x = sx(d.pts[2 * grp.row]!);
      const y = sy(d.pts[2 * grp.row + 1]!);
      if (x < left - 8 || x > right + 8 || y < top - 8 || y > bottom + 8) return;
      ctx.beginPath();
      ctx.arc(x, y, SEQ_RADIUS + 3, 0, Math.PI * 2);
      ctx.strokeStyle = rgbCss(color);
      ctx.lineWidth = width;
      ctx.stroke();
      this.boxLabel(ctx, grp.label, x + SEQ_RADIUS + 5, y, w, grp.pad ? padColor : p.foreground);
    };
    if (sel >= 0) {
      const grp = d.groups[sel]!;
      ctx.beginPath();
      ctx.arc(sx(d.pts[2 * grp.row]!), sy(d.pts[2 * grp.row + 1]!), SEQ_RADIUS + 1, 0, Math.PI * 2);
      ctx.fillStyle = rgbCss(c.selected);
      ctx.fill();
      ring(sel, p.focus, 2);
    }
    if (hov >= 0 && hov !== sel) ring(hov, p.foreground, 1.5);
    if (hover?.kind === 'sample') {
      const i = d.T + hover.k;
      const x = sx(d.pts[2 * i]!);
      const y = sy(d.pts[2 * i + 1]!);
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, Math.PI * 2);
      ctx.strokeStyle = rgbCss(p.foreground);
      ctx.lineWidth = 1.5;
      ctx.stroke();
      const s = d.sample!;
      this.boxLabel(ctx, `${visibleWhitespace(s.texts[hover.k] ?? '')}  id ${s.ids[hover.k]}`, x + 6, y, w, p.foreground);
    }
    this.lastDrawMs = performance.now() - t0;
    // Exposed for the webview tests' timing report (never asserted on).
    this.canvas.dataset.drawMs = this.lastDrawMs.toFixed(2);
  }

  private sampleLayer: { canvas: HTMLCanvasElement; img: ImageData | null; key: string } | undefined;

  private drawSample(ctx: CanvasRenderingContext2D, d: PlotData, f: Frame, left: number, top: number, right: number, bottom: number, dpr: number): void {
    const W = this.canvas.width;
    const H = this.canvas.height;
    const p = this.palette;
    const c = this.colors;
    const key = `${this.dataStamp(d)} ${W} ${H} ${f.s} ${f.ox} ${f.oy} ${c.sample.join()} ${p.highContrast}`;
    const layer = (this.sampleLayer ??= { canvas: document.createElement('canvas'), img: null, key: '' });
    if (layer.key !== key) {
      layer.key = key;
      if (layer.canvas.width !== W || layer.canvas.height !== H) {
        layer.canvas.width = W;
        layer.canvas.height = H;
        layer.img = null;
      }
      const lctx = layer.canvas.getContext('2d')!;
      const img = (layer.img ??= lctx.createImageData(W, H));
      const px = new Uint32Array(img.data.buffer);
      px.fill(0);
      const alpha = Math.round((p.highContrast ? 0.8 : 0.5) * 255);
      const color = ((alpha << 24) | (c.sample[2] << 16) | (c.sample[1] << 8) | c.sample[0]) >>> 0;
      const size = Math.max(1, Math.round((p.highContrast ? 2.5 : 2) * dpr));
      const x0 = Math.ceil(left * dpr);
      const x1 = Math.floor(right * dpr) - size;
      const y0 = Math.ceil(top * dpr);
      const y1 = Math.floor(bottom * dpr) - size;
      // [n - T] points, size² pixels each.
      for (let i = d.T; i < d.n; i++) {
        const X = Math.round((f.ox + (d.pts[2 * i]! - f.cx) * f.s) * dpr - size / 2);
        const Y = Math.round((f.oy - (d.pts[2 * i + 1]! - f.cy) * f.s) * dpr - size / 2);
        if (X < x0 || X > x1 || Y < y0 || Y > y1) continue;
        for (let yy = 0; yy < size; yy++) px.fill(color, (Y + yy) * W + X, (Y + yy) * W + X + size);
      }
      lctx.putImageData(img, 0, 0);
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(layer.canvas, 0, 0);
    ctx.restore();
  }

  private readonly stamps = new WeakMap<PlotData, number>();
  private nextStamp = 1;
  /** A number per projection, for cache keys. */
  private dataStamp(d: PlotData): number {
    let s = this.stamps.get(d);
    if (s === undefined) this.stamps.set(d, (s = this.nextStamp++));
    return s;
  }

  private drawArrowheads(ctx: CanvasRenderingContext2D, d: PlotData, sx: (x: number) => number, sy: (y: number) => number): void {
    const path = d.path!;
    // Small heads at the middle of each segment say which way the encoder went; skipped when many.
    if (path.length > 200) return;
    ctx.beginPath();
    for (let k = 1; k < path.length; k++) {
      const a = path[k - 1]!;
      const b = path[k]!;
      const x0 = sx(d.pts[2 * a]!);
      const y0 = sy(d.pts[2 * a + 1]!);
      const x1 = sx(d.pts[2 * b]!);
      const y1 = sy(d.pts[2 * b + 1]!);
      const len = Math.hypot(x1 - x0, y1 - y0);
      if (len < 18) continue;
      const ux = (x1 - x0) / len;
      const uy = (y1 - y0) / len;
      const mx = (x0 + x1) / 2;
      const my = (y0 + y1) / 2;
      ctx.moveTo(mx + ux * 4, my + uy * 4);
      ctx.lineTo(mx - ux * 3 - uy * 3.5, my - uy * 3 + ux * 3.5);
      ctx.lineTo(mx - ux * 3 + uy * 3.5, my - uy * 3 - ux * 3.5);
      ctx.closePath();
    }
    ctx.fillStyle = rgbCss(this.palette.foreground, this.palette.highContrast ? 0.8 : 0.45);
    ctx.fill();
  }

  private boxLabel(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, w: number, color: Rgb): void {
    ctx.font = this.labelFont();
    const tw = ctx.measureText(text).width;
    const lh = Math.max(10, Math.min(13, this.palette.fontSize)) + 6;
    if (x + tw + 8 > w) x = Math.max(2, x - tw - 2 * (SEQ_RADIUS + 5) - 8);
    ctx.fillStyle = rgbCss(this.colors.hoverBg);
    ctx.fillRect(x, y - lh / 2, tw + 8, lh);
    ctx.strokeStyle = rgbCss(this.colors.hoverBorder);
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y - lh / 2 + 0.5, tw + 7, lh - 1);
    ctx.fillStyle = rgbCss(color);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(text, x + 4, y);
  }

  private drawAxes(ctx: CanvasRenderingContext2D, d: PlotData, f: Frame, left: number, top: number, right: number, bottom: number, w: number, hgt: number): void {
    const p = this.palette;
    const toX = (sx: number): number => f.cx + (sx - f.ox) / f.s;
    const toY = (sy: number): number => f.cy - (sy - f.oy) / f.s;
    const x0 = toX(left);
    const x1 = toX(right);
    const y0 = toY(bottom);
    const y1 = toY(top);
    const stepX = niceStep((x1 - x0) / Math.max(2, (right - left) / 90));
    const stepY = niceStep((y1 - y0) / Math.max(2, (bottom - top) / 60));
    ctx.font = `${Math.max(10, Math.min(12, p.fontSize - 1))}px ${p.fontFamily}`;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let v = Math.ceil(x0 / stepX) * stepX; v <= x1; v += stepX) {
      const x = Math.round(f.ox + (v - f.cx) * f.s) + 0.5;
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
    }
    for (let v = Math.ceil(y0 / stepY) * stepY; v <= y1; v += stepY) {
      const y = Math.round(f.oy - (v - f.cy) * f.s) + 0.5;
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
    }
    ctx.strokeStyle = rgbCss(p.grid, p.highContrast ? 0.35 : 0.45);
    ctx.stroke();
    // The origin (the mean of the fitted rows) a little stronger.
    ctx.beginPath();
    const ox = Math.round(f.ox - f.cx * f.s) + 0.5;
    const oy = Math.round(f.oy + f.cy * f.s) + 0.5;
    if (ox >= left && ox <= right) {
      ctx.moveTo(ox, top);
      ctx.lineTo(ox, bottom);
    }
    if (oy >= top && oy <= bottom) {
      ctx.moveTo(left, oy);
      ctx.lineTo(right, oy);
    }
    ctx.strokeStyle = rgbCss(p.grid, p.highContrast ? 0.8 : 0.9);
    ctx.stroke();
    ctx.strokeStyle = rgbCss(p.grid);
    ctx.strokeRect(left + 0.5, top + 0.5, right - left - 1, bottom - top - 1);
    ctx.fillStyle = rgbCss(p.foreground, 0.75);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let v = Math.ceil(x0 / stepX) * stepX; v <= x1; v += stepX) ctx.fillText(tick(v, stepX), f.ox + (v - f.cx) * f.s, bottom + 3);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = Math.ceil(y0 / stepY) * stepY; v <= y1; v += stepY) ctx.fillText(tick(v, stepY), left - 4, f.oy - (v - f.cy) * f.s);
    ctx.fillStyle = rgbCss(p.foreground);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(`PC1 (${pct(d.explained[0])} of variance)`, (left + right) / 2, hgt - 2);
    ctx.save();
    ctx.translate(12, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(`PC2 (${pct(d.explained[1])} of variance)`, 0, 0);
    ctx.restore();
    void w;
  }
}

/** Extra theme colours this plot uses beyond the shared palette. */
function extraColors(): { seq: Rgb; selected: Rgb; sample: Rgb; hoverBg: Rgb; hoverBorder: Rgb } {
  const s = getComputedStyle(document.body);
  const v = (name: string): string => s.getPropertyValue(name);
  return {
    seq: cssColor(v('--vscode-charts-blue'), [55, 148, 255]),
    selected: cssColor(v('--vscode-charts-orange'), [209, 134, 22]),
    sample: cssColor(v('--vscode-descriptionForeground'), [150, 150, 150]),
    hoverBg: cssColor(v('--vscode-editorHoverWidget-background') || v('--vscode-editorWidget-background'), [37, 37, 38]),
    hoverBorder: cssColor(v('--vscode-editorHoverWidget-border') || v('--vscode-widget-border'), [69, 69, 69]),
  };
}

/** Which label boxes are taken, on a coarse pixel grid (cheap for thousands of labels). */
class Occupancy {
  private static readonly CELL = 2;
  private readonly cols: number;
  private readonly rows: number;
  private readonly bits: Uint8Array;

  constructor(w: number, h: number) {
    this.cols = Math.ceil(w / Occupancy.CELL) + 1;
    this.rows = Math.ceil(h / Occupancy.CELL) + 1;
    this.bits = new Uint8Array(this.cols * this.rows);
  }

  private range(x: number, y: number, w: number, h: number): [number, number, number, number] {
    const C = Occupancy.CELL;
    return [Math.max(0, Math.floor(x / C)), Math.min(this.cols - 1, Math.floor((x + w) / C)), Math.max(0, Math.floor(y / C)), Math.min(this.rows - 1, Math.floor((y + h) / C))];
  }

  free(x: number, y: number, w: number, h: number): boolean {
    const [c0, c1, r0, r1] = this.range(x, y, w, h);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (this.bits[r * this.cols + c]) return false;
    return true;
  }

  take(x: number, y: number, w: number, h: number): void {
    const [c0, c1, r0, r1] = this.range(x, y, w, h);
    for (let r = r0; r <= r1; r++) this.bits.fill(1, r * this.cols + c0, r * this.cols + c1 + 1);
  }
}

/** A 1-2-5 step near `raw`. */
function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const e = 10 ** Math.floor(Math.log10(raw));
  const m = raw / e;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
}

function tick(v: number, step: number): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const s = Math.abs(v) < step / 2 ? '0' : v.toFixed(Math.min(6, digits));
  return s.replace('-', '\u2212');
}

