// The projection's input handling: hit tests over the plot's grid, hover readout, click to select,
// drag to pan, wheel and +/- to zoom, arrows to pan, [ ] to step through tokens, 0 to reset. It
// owns the zoom and pan (`view`) and the hovered point; the view saves them with saveState.
import type { Result } from '../../result';
import type { Selection } from '../../selection';
import { visibleWhitespace } from '../../result';
import { frameOf, pos } from './data';
import type { PlotPainter } from './draw';
import { HIT_SAMPLE, HIT_SEQ, MARGIN, MAX_ZOOM, MIN_ZOOM, type Hit, type PlotData, type PlotView } from './types';

/** What the input handling needs from the projection view. */
export interface PlotHost {
  readonly canvas: HTMLCanvasElement;
  readonly readout: HTMLElement;
  readonly selection: Selection;
  readonly painter: PlotPainter;
  data(): PlotData | undefined;
  result(): Result | undefined;
  requestDraw(): void;
  /** Saves the choice and the view (saveState). */
  save(): void;
}

/** Pointer, wheel and keyboard on the plot's canvas. */
export class PlotInput {
  /** Zoom and pan over the fitted view. */
  view: PlotView = { zoom: 1, panX: 0, panY: 0 };
  /** The point under the pointer. */
  hover: Hit = null;
  private drag: { x: number; y: number; panX: number; panY: number; moved: boolean } | undefined;
  private saveTimer = 0;

  constructor(private readonly host: PlotHost) {
    const canvas = host.canvas;
    canvas.addEventListener('pointermove', e => this.onPointerMove(e));
    canvas.addEventListener('pointerleave', () => this.setHover(null));
    canvas.addEventListener('pointerdown', e => {
      if (e.button !== 0) return;
      canvas.setPointerCapture(e.pointerId);
      this.drag = { x: e.clientX, y: e.clientY, panX: this.view.panX, panY: this.view.panY, moved: false };
    });
    canvas.addEventListener('pointerup', e => this.onPointerUp(e));
    canvas.addEventListener('pointercancel', () => (this.drag = undefined));
    canvas.addEventListener('wheel', e => this.onWheel(e), { passive: false });
    canvas.addEventListener('keydown', e => this.onKey(e));
  }

  /** The point under the pointer: a sequence group (preferred) or a sample point, or null. */
  hitTest(clientX: number, clientY: number): Hit {
    const d = this.host.data();
    if (!d) return null;
    const rect = this.host.canvas.getBoundingClientRect();
    const px = clientX - rect.left;
    const py = clientY - rect.top;
    const { w, h: hgt } = this.host.painter.size();
    if (px < MARGIN.left || px > w - MARGIN.right || py < MARGIN.top || py > hgt - MARGIN.bottom) return null;
    const f = frameOf(d, this.view, w, hgt);
    const x = f.cx + (px - f.ox) / f.s;
    const y = f.cy - (py - f.oy) / f.s;
    const rad = HIT_SEQ / f.s;
    const g = d.grid;
    const c0 = Math.max(0, Math.floor((x - rad - d.minX) / g.cellW));
    const c1 = Math.min(g.cols - 1, Math.floor((x + rad - d.minX) / g.cellW));
    const r0 = Math.max(0, Math.floor((y - rad - d.minY) / g.cellH));
    const r1 = Math.min(g.rows - 1, Math.floor((y + rad - d.minY) / g.cellH));
    let bestSeq = -1;
    let bestSeqD = HIT_SEQ * HIT_SEQ;
    let bestSample = -1;
    let bestSampleD = HIT_SAMPLE * HIT_SAMPLE;
    const groups = d.groups.length;
    for (let gr = r0; gr <= r1; gr++) {
      for (let gc = c0; gc <= c1; gc++) {
        const cell = gr * g.cols + gc;
        for (let k = g.start[cell]!; k < g.start[cell + 1]!; k++) {
          const item = g.items[k]!;
          const row = item < groups ? d.groups[item]!.row : d.T + (item - groups);
          const ddx = (d.pts[2 * row]! - x) * f.s;
          const ddy = (d.pts[2 * row + 1]! - y) * f.s;
          const dist = ddx * ddx + ddy * ddy;
          if (item < groups) {
            if (dist <= bestSeqD) {
              bestSeqD = dist;
              bestSeq = item;
            }
          } else if (dist <= bestSampleD) {
            bestSampleD = dist;
            bestSample = item - groups;
          }
        }
      }
    }
    if (bestSeq >= 0) return { kind: 'group', g: bestSeq };
    if (bestSample >= 0) return { kind: 'sample', k: bestSample };
    return null;
  }

  private onPointerMove(e: PointerEvent): void {
    if (this.drag) {
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (!this.drag.moved && Math.hypot(dx, dy) < 3) return;
      this.drag.moved = true;
      this.host.canvas.classList.add('dragging');
      this.view = { ...this.view, panX: this.drag.panX + dx, panY: this.drag.panY + dy };
      this.host.requestDraw();
      return;
    }
    this.setHover(this.hitTest(e.clientX, e.clientY));
  }

  private onPointerUp(e: PointerEvent): void {
    const drag = this.drag;
    this.drag = undefined;
    this.host.canvas.classList.remove('dragging');
    if (drag?.moved) {
      this.host.save();
      return;
    }
    const hit = this.hitTest(e.clientX, e.clientY);
    if (hit?.kind === 'group') {
      const g = this.host.data()!.groups[hit.g]!;
      if (g.tokens.length) this.host.selection.select(g.tokens[0]!, true);
    }
  }

  /** Shows what is under the pointer in the readout and tells the other views (selection.hover). */
  setHover(hit: Hit): void {
    const same = hit === this.hover || (hit && this.hover && hit.kind === this.hover.kind && (hit.kind === 'group' ? hit.g === (this.hover as { g: number }).g : hit.k === (this.hover as { k: number }).k));
    if (same) return;
    this.hover = hit;
    const d = this.host.data();
    const r = this.host.result();
    let token = -1;
    let text = '';
    if (d && r && hit?.kind === 'group') {
      const g = d.groups[hit.g]!;
      token = g.tokens[0] ?? -1;
      const rows = g.rows.length > 1 ? `rows ${g.rows.join(', ')}` : `row ${g.row}`;
      text = g.pad
        ? `${g.label}: ${rows} (pad, mask 0) at (${pos(d, g.row)})`
        : `${g.label}: ${rows}, token ${g.tokens.join(', ')}, id ${r.ids[g.tokens[0]!]} at (${pos(d, g.row)}) \u2014 click to select`;
    } else if (d && hit?.kind === 'sample') {
      const s = d.sample!;
      text = `sample row: ${visibleWhitespace(s.texts[hit.k] ?? '')} (id ${s.ids[hit.k]}) at (${pos(d, d.T + hit.k)})`;
    }
    this.host.readout.textContent = text;
    this.host.canvas.style.cursor = hit?.kind === 'group' && token >= 0 ? 'pointer' : '';
    this.host.selection.hover(token);
    this.host.requestDraw();
  }

  private onWheel(e: WheelEvent): void {
    const d = this.host.data();
    if (!d) return;
    e.preventDefault();
    const rect = this.host.canvas.getBoundingClientRect();
    this.zoomAt(e.clientX - rect.left, e.clientY - rect.top, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
  }

  /** Zooms by `factor` keeping the data under (px, py) in place. */
  private zoomAt(px: number, py: number, factor: number): void {
    const d = this.host.data();
    if (!d) return;
    const { w, h: hgt } = this.host.painter.size();
    const f = frameOf(d, this.view, w, hgt);
    const zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, this.view.zoom * factor));
    const k = zoom / this.view.zoom;
    // screen = base + pan + (data - c)·s: keeping (px, py) fixed scales its offset from base + pan.
    const bx = f.ox - this.view.panX;
    const by = f.oy - this.view.panY;
    this.view = { zoom, panX: px - bx - (px - f.ox) * k, panY: py - by - (py - f.oy) * k };
    this.host.requestDraw();
    this.saveSoon();
  }

  private saveSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.host.save(), 300);
  }

  /** Back to the fitted view (0). */
  resetView(): void {
    this.view = { zoom: 1, panX: 0, panY: 0 };
    this.host.save();
    this.host.requestDraw();
  }

  private onKey(e: KeyboardEvent): void {
    const { w, h: hgt } = this.host.painter.size();
    const step = e.shiftKey ? 200 : 40;
    const r = this.host.result();
    switch (e.key) {
      case '+':
      case '=':
        this.zoomAt(w / 2, hgt / 2, 1.25);
        break;
      case '-':
        this.zoomAt(w / 2, hgt / 2, 0.8);
        break;
      case '0':
        this.resetView();
        break;
      case 'ArrowLeft':
        this.view = { ...this.view, panX: this.view.panX + step };
        break;
      case 'ArrowRight':
        this.view = { ...this.view, panX: this.view.panX - step };
        break;
      case 'ArrowUp':
        this.view = { ...this.view, panY: this.view.panY + step };
        break;
      case 'ArrowDown':
        this.view = { ...this.view, panY: this.view.panY - step };
        break;
      case '[':
      case ']': {
        if (!r || r.n === 0) return;
        const cur = this.host.selection.selected;
        const next = e.key === ']' ? (cur < 0 ? 0 : Math.min(r.n - 1, cur + 1)) : cur < 0 ? r.n - 1 : Math.max(0, cur - 1);
        this.host.selection.select(next);
        const d = this.host.data();
        const row = r.positions[next]!;
        if (d && row < d.T) this.host.readout.textContent = `selected ${d.groups[d.groupOfRow[row]!]!.label} (token ${next}, id ${r.ids[next]}) at (${pos(d, row)})`;
        break;
      }
      case 'Enter':
        if (this.host.selection.selected >= 0) this.host.selection.select(this.host.selection.selected, true);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (e.key.startsWith('Arrow')) this.saveSoon();
    this.host.requestDraw();
  }
}
