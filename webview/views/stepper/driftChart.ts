// The step-through's drift chart (canvas): one value per step in run order, pad steps shaded,
// the current step marked; a click picks a step.
import { h } from '../../dom';
import { f32, short } from '../../format';
import { readPalette, rgbCss, type Palette } from '../../theme';
import { maxAbs, observeWidth, widths } from './common';

/** The drift chart: one value per step in run order, pad steps shaded, the current step marked. */
export class DriftChart {
  readonly element = h('div', { class: 'stepper-chart' });
  private readonly canvas = h('canvas', { class: 'stepper-chart-canvas', role: 'img', 'aria-label': 'Drift chart' });
  private readonly readout = h('div', { class: 'stepper-readout dim', 'aria-live': 'off' });
  private series: Float32Array = new Float32Array(0);
  private pad: Uint8Array = new Uint8Array(0);
  private max = 1;
  private marker = 0;
  private hover = -1;
  private palette: Palette = readPalette();
  /** Axes, pad bands and the series, painted once per data/size/theme: a step only adds marks. */
  private base: HTMLCanvasElement | undefined;
  private baseKey = '';

  constructor(private readonly onPick: (step: number) => void) {
    this.element.append(this.canvas, this.readout);
    observeWidth(this.element, () => this.draw());
    this.canvas.addEventListener('pointermove', e => {
      this.hover = this.stepAt(e.clientX);
      this.draw();
      this.updateReadout();
    });
    this.canvas.addEventListener('pointerleave', () => {
      this.hover = -1;
      this.draw();
      this.updateReadout();
    });
    this.canvas.addEventListener('click', e => {
      const s = this.stepAt(e.clientX);
      if (s >= 0) this.onPick(s);
    });
  }

  setData(series: Float32Array, pad: Uint8Array): void {
    this.series = series;
    this.pad = pad;
    this.max = Math.max(1e-6, maxAbs(series));
    let pads = 0;
    for (const p of pad) pads += p;
    this.canvas.setAttribute('aria-label', `Drift chart over ${series.length} steps (${pads} pad steps): largest drift ${short(this.max)}, final ${short(series[series.length - 1] ?? 0)}`);
    this.baseKey = '';
    this.draw();
    this.updateReadout();
  }

  setMarker(step: number): void {
    this.marker = step;
    this.draw();
    this.updateReadout();
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.baseKey = '';
    this.draw();
  }

  private geometry(): { left: number; right: number; top: number; bottom: number; w: number; hgt: number } {
    const w = widths.get(this.element) ?? 0;
    const hgt = 120;
    return { left: 44, right: w - 8, top: 8, bottom: hgt - 18, w, hgt };
  }

  private stepAt(clientX: number): number {
    const n = this.series.length;
    if (n === 0) return -1;
    const g = this.geometry();
    const x = clientX - this.canvas.getBoundingClientRect().left;
    const s = Math.round(((x - g.left) / Math.max(1, g.right - g.left)) * Math.max(1, n - 1));
    return s >= 0 && s < n ? s : -1;
  }

  draw(): void {
    const n = this.series.length;
    const g = this.geometry();
    if (g.w === 0 || n === 0) return;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(g.w * dpr) || this.canvas.height !== Math.round(g.hgt * dpr)) {
      this.canvas.width = Math.round(g.w * dpr);
      this.canvas.height = Math.round(g.hgt * dpr);
    }
    const p = this.palette;
    const xOf = (s: number): number => g.left + (n === 1 ? 0.5 : s / (n - 1)) * (g.right - g.left);
    const yOf = (v: number): number => g.bottom - (v / this.max) * (g.bottom - g.top);
    const key = `${this.canvas.width}x${this.canvas.height}`;
    if (!this.base || this.baseKey !== key) {
      this.base ??= h('canvas');
      this.base.width = this.canvas.width;
      this.base.height = this.canvas.height;
      this.paintBase(this.base.getContext('2d')!, g, dpr, xOf, yOf);
      this.baseKey = key;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.base, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The current step, and the pointer's.
    const mark = (s: number, color: string, width: number): void => {
      if (s < 0 || s >= n) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.moveTo(xOf(s), g.top);
      ctx.lineTo(xOf(s), g.bottom);
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(xOf(s), yOf(this.series[s]!), 3.5, 0, 2 * Math.PI);
      ctx.fill();
    };
    if (this.hover >= 0 && this.hover !== this.marker) mark(this.hover, rgbCss(p.foreground, 0.5), 1);
    mark(this.marker, rgbCss(p.focus), 2);
  }

  private paintBase(ctx: CanvasRenderingContext2D, g: ReturnType<DriftChart['geometry']>, dpr: number, xOf: (s: number) => number, yOf: (v: number) => number): void {
    const n = this.series.length;
    const p = this.palette;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = rgbCss(p.background);
    ctx.fillRect(0, 0, g.w, g.hgt);
    const half = (g.right - g.left) / Math.max(1, n - 1) / 2;
    // Pad steps: a band in the pad colour per run of pads, so they read as padding in every theme.
    ctx.fillStyle = rgbCss(p.pad, p.highContrast ? 0.35 : 0.18);
    for (let s = 0; s < n; s++) {
      if (!this.pad[s]) continue;
      let e = s;
      while (e + 1 < n && this.pad[e + 1]) e++;
      const x0 = Math.max(g.left, xOf(s) - half);
      const x1 = Math.min(g.right, xOf(e) + half);
      ctx.fillRect(x0, g.top, Math.max(1, x1 - x0), g.bottom - g.top);
      s = e;
    }
    // Axes.
    ctx.strokeStyle = rgbCss(p.grid);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(g.left, g.top);
    ctx.lineTo(g.left, g.bottom + 0.5);
    ctx.lineTo(g.right, g.bottom + 0.5);
    ctx.stroke();
    ctx.fillStyle = rgbCss(p.foreground, 0.85);
    ctx.font = `11px ${p.fontFamily}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(short(this.max, 3), g.left - 4, g.top + 4);
    ctx.fillText('0', g.left - 4, g.bottom);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText('step 1', g.left, g.hgt - 4);
    ctx.textAlign = 'right';
    ctx.fillText(`step ${n}`, g.right, g.hgt - 4);
    // The series.
    ctx.strokeStyle = rgbCss(p.positive);
    ctx.lineWidth = p.highContrast ? 2 : 1.5;
    ctx.beginPath();
    for (let s = 0; s < n; s++) {
      const x = xOf(s);
      const y = yOf(this.series[s]!);
      if (s === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }

  private updateReadout(): void {
    const s = this.hover >= 0 ? this.hover : this.marker;
    const v = this.series[s];
    this.readout.textContent = v === undefined ? '' : `${this.hover >= 0 ? 'pointer' : 'current'}: step ${s + 1}${this.pad[s] ? ' (pad)' : ''} \u2014 drift ${f32(v)}${this.hover >= 0 ? ' (click to go there)' : ''}`;
  }
}
