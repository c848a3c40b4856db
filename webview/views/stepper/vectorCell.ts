// One vector of the step-through on screen: every number with a colour tick (short vectors), or
// a colour strip on canvas with the first numbers and the value under the pointer (long ones).
import { clear, h } from '../../dom';
import { f32, short } from '../../format';
import { lutIndex, rgbCss, type Palette } from '../../theme';
import { MAX_PRINTED, observeWidth, STRIP_NUMBERS, widths, type UnitSpace } from './common';

/**
 * One vector: every number (≤ 16 units) with a colour tick under each, or a colour strip on
 * canvas with the first numbers and the value under the pointer (more units).
 */
export class VectorCell {
  readonly element = h('div', { class: 'stepper-vec' });
  limit = 1;
  private readonly numbers = h('div', { class: 'stepper-nums' });
  private readonly strip = h('canvas', { class: 'stepper-strip', role: 'img' });
  private readonly readout = h('div', { class: 'stepper-readout dim' });
  private readonly note = h('div', { class: 'stepper-note dim' });
  private spans: HTMLElement[] = [];
  private data: Float32Array | null = null;
  /** The vector shown (null: none). */
  get value(): Float32Array | null {
    return this.data;
  }
  private bitmap: HTMLCanvasElement | undefined;
  private pixels: ImageData | undefined;
  private marker = -1;

  constructor(
    readonly space: UnitSpace,
    private lut: Uint32Array,
    private palette: Palette,
    private readonly onHover: (space: UnitSpace, unit: number) => void,
    private readonly label: (Node | string)[],
  ) {
    this.element.append(this.numbers, this.strip, this.readout, this.note);
    observeWidth(this.element, () => this.draw());
    this.strip.addEventListener('pointermove', e => {
      const n = this.data?.length ?? 0;
      const rect = this.strip.getBoundingClientRect();
      const u = Math.floor(((e.clientX - rect.left) / Math.max(1, rect.width)) * n);
      this.onHover(this.space, u >= 0 && u < n ? u : -1);
    });
    this.strip.addEventListener('pointerleave', () => this.onHover(this.space, -1));
  }

  /** Shows `v` (null: nothing) and a note beside it. */
  set(v: Float32Array | null, note: string | null): void {
    this.data = v;
    this.note.textContent = note ?? '';
    this.note.hidden = !note;
    const small = !!v && v.length <= MAX_PRINTED;
    this.numbers.hidden = !v;
    this.strip.hidden = !v || small;
    this.readout.hidden = !v || small;
    if (!v) return;
    if (small) this.printAll(v);
    else {
      this.printHead(v);
      this.paintBitmap();
      this.draw();
    }
    this.updateReadout();
  }

  setPalette(lut: Uint32Array, palette: Palette): void {
    this.lut = lut;
    this.palette = palette;
    if (this.data) this.set(this.data, this.note.hidden ? null : this.note.textContent);
  }

  /** Marks unit u (the pointer is on it in some vector of the same space); -1 clears. */
  setMarker(u: number): void {
    if (u === this.marker) return;
    const old = this.spans[this.marker];
    old?.classList.remove('hover');
    this.marker = u;
    this.spans[u]?.classList.add('hover');
    if (this.data && this.data.length > MAX_PRINTED) {
      this.draw();
      this.updateReadout();
    }
  }

  private printAll(v: Float32Array): void {
    if (this.spans.length !== v.length) {
      clear(this.numbers);
      this.spans = [];
      this.numbers.append('[');
      for (let j = 0; j < v.length; j++) {
        const span = h('span', { class: 'stepper-num' });
        span.addEventListener('pointerenter', () => this.onHover(this.space, j));
        span.addEventListener('pointerleave', () => this.onHover(this.space, -1));
        this.spans.push(span);
        this.numbers.append(span, j + 1 < v.length ? ', ' : '');
      }
      this.numbers.append(']');
    }
    for (let j = 0; j < v.length; j++) {
      const span = this.spans[j]!;
      span.textContent = f32(v[j]!);
      span.title = `unit ${j}: ${f32(v[j]!)}`;
      span.style.borderBottomColor = lutCss(this.lut[lutIndex(v[j]!, this.limit)]!);
    }
  }

  private printHead(v: Float32Array): void {
    this.spans = [];
    const head = Array.from(v.subarray(0, STRIP_NUMBERS), x => f32(x)).join(', ');
    this.numbers.textContent = `[${head}, \u2026]  (${v.length} values)`;
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < v.length; j++) {
      lo = Math.min(lo, v[j]!);
      hi = Math.max(hi, v[j]!);
    }
    this.strip.setAttribute('aria-label', `${this.label.map(l => (typeof l === 'string' ? l : l.textContent)).join('')}: ${v.length} values on a colour strip, ${f32(lo)} to ${f32(hi)}`);
  }

  /** One pixel per unit in an offscreen bitmap; draw() scales it to the cell's width. */
  private paintBitmap(): void {
    const v = this.data!;
    const bmp = this.bitmap ?? h('canvas');
    if (bmp.width !== v.length) bmp.width = v.length;
    if (bmp.height !== 1) bmp.height = 1;
    const ctx = bmp.getContext('2d')!;
    const img = this.pixels?.width === v.length ? this.pixels : (this.pixels = ctx.createImageData(v.length, 1));
    const px = new Uint32Array(img.data.buffer);
    for (let j = 0; j < v.length; j++) px[j] = this.lut[lutIndex(v[j]!, this.limit)]!;
    ctx.putImageData(img, 0, 0);
    this.bitmap = bmp;
  }

  /** Scales the strip to the cell's width (and marks the pointer's unit). */
  draw(): void {
    const v = this.data;
    if (!v || v.length <= MAX_PRINTED || !this.bitmap) return;
    const dpr = window.devicePixelRatio || 1;
    const w = widths.get(this.element) ?? 0;
    if (w === 0) return; // a hidden tab: drawn when it shows (the ResizeObserver calls back)
    const hgt = 16; // the CSS height
    if (this.strip.width !== Math.round(w * dpr)) this.strip.width = Math.round(w * dpr);
    if (this.strip.height !== Math.round(hgt * dpr)) this.strip.height = Math.round(hgt * dpr);
    const ctx = this.strip.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.bitmap, 0, 0, v.length, 1, 0, 0, this.strip.width, this.strip.height);
    if (this.marker >= 0 && this.marker < v.length) {
      const x0 = Math.floor((this.marker / v.length) * this.strip.width);
      const x1 = Math.max(x0 + Math.round(2 * dpr), Math.floor(((this.marker + 1) / v.length) * this.strip.width));
      ctx.strokeStyle = rgbCss(this.palette.foreground);
      ctx.lineWidth = dpr;
      ctx.strokeRect(x0 + 0.5 * dpr, 0.5 * dpr, x1 - x0 - dpr, this.strip.height - dpr);
    }
  }

  private updateReadout(): void {
    const v = this.data;
    if (!v || v.length <= MAX_PRINTED) return;
    // The pointer's unit in every strip of its space at once: one unit across h, the gates, h_n.
    this.readout.textContent = this.marker >= 0 && this.marker < v.length ? `unit ${this.marker}: ${f32(v[this.marker]!)}` : '\u00a0';
    this.strip.title = `colour scale \u00b1${short(this.limit, 3)} (blue negative, orange positive); point at a unit for its value here and in the other rows`;
  }
}

/** A LUT colour (0xAABBGGRR) as CSS. */
export function lutCss(c: number): string {
  return `rgb(${c & 255}, ${(c >> 8) & 255}, ${(c >> 16) & 255})`;
}

