// "Export…": the result as .npy, .safetensors, CSV, JSON, the Embedding Projector's
// vectors.tsv + metadata.tsv or a Python check script (the host
// builds and writes the files through VS Code's save dialog), or a PNG of the view on screen
// (the visible tab's main canvas, else a snapshot of its text and token chips drawn here).
import type { ExportFormat } from '../../src/shared/panelProtocol';
import { clear, h } from '../dom';
import { isSuperseded, RequestError, RequestLane } from '../requests';
import type { Result } from '../result';
import { cssColor, readPalette, rgbCss } from '../theme';

interface FormatItem {
  readonly format: ExportFormat;
  readonly label: string;
  readonly detail: string;
  readonly icon: string;
}

const FORMATS: readonly FormatItem[] = [
  { format: 'npy', label: 'NumPy .npy', detail: 'one file per array', icon: 'file-binary' },
  { format: 'safetensors', label: '.safetensors', detail: 'all arrays in one file', icon: 'file-binary' },
  { format: 'csv', label: 'CSV', detail: 'a row per position', icon: 'table' },
  { format: 'json', label: 'JSON', detail: 'as the CLI prints it', icon: 'json' },
  { format: 'projector', label: 'Embedding Projector .tsv', detail: 'vectors.tsv + metadata.tsv', icon: 'graph-scatter' },
  { format: 'png', label: 'PNG of the current view', detail: '', icon: 'file-media' },
  { format: 'python', label: 'Python check script', detail: '+ .safetensors, rechecked in PyTorch', icon: 'python' },
];

/** The host waits on a save dialog, which a person may leave open a while. */
const EXPORT_TIMEOUT_MS = 15 * 60_000;

/** Largest snapshot side in device pixels (a canvas beyond ~16k px fails to encode). */
const MAX_SNAPSHOT = 8192;

/** The export button, its menu and the outcome of the last export. */
export class ExportMenu {
  readonly element: HTMLElement;
  private readonly button: HTMLElement;
  private readonly menu: HTMLElement;
  private readonly items: HTMLElement[] = [];
  private readonly status = h('span', { class: 'export-status', role: 'status', 'aria-live': 'polite' });
  /** A new export supersedes one still waiting (its outcome is no longer shown). */
  private readonly lane = new RequestLane<'export'>();
  private serial = 0;

  constructor() {
    this.button = h('vscode-button', { id: 'export-button', secondary: true, icon: 'export', disabled: true, 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': 'export-menu', title: 'Export the result or the current view' }, 'Export\u2026');
    this.menu = h('div', { id: 'export-menu', class: 'export-menu', role: 'menu', 'aria-label': 'Export formats', hidden: true });
    for (const f of FORMATS) {
      const item = h('div', { class: 'export-item', role: 'menuitem', tabindex: -1, 'data-format': f.format },
        h('span', { class: `codicon codicon-${f.icon}`, 'aria-hidden': 'true' }),
        h('span', { class: 'export-label' }, f.label),
        f.detail ? h('span', { class: 'export-detail' }, f.detail) : null,
      );
      item.addEventListener('click', () => this.choose(f.format));
      item.addEventListener('pointermove', () => item.focus());
      this.menu.append(item);
      this.items.push(item);
    }
    this.element = h('div', { class: 'result-toolbar', role: 'toolbar', 'aria-label': 'Result actions' },
      h('div', { class: 'export' }, this.button, this.menu), this.status);
    this.button.addEventListener('click', () => (this.menu.hidden ? this.open(0) : this.close(true)));
    this.button.addEventListener('keydown', e => {
      const k = (e as KeyboardEvent).key;
      if (k === 'ArrowDown' || k === 'ArrowUp') {
        e.preventDefault();
        this.open(k === 'ArrowDown' ? 0 : this.items.length - 1);
      }
    });
    this.menu.addEventListener('keydown', e => this.onMenuKey(e));
    // Clicking elsewhere closes the menu (the button toggles it itself).
    document.addEventListener('pointerdown', e => {
      if (!this.menu.hidden && !this.element.contains(e.target as Node)) this.close(false);
    });
    this.menu.addEventListener('focusout', e => {
      const to = (e as FocusEvent).relatedTarget as Node | null;
      if (to && !this.element.contains(to)) this.close(false);
    });
  }

  show(_r: Result): void {
    this.button.removeAttribute('disabled');
    // "Saved …" was about the previous result: a new one clears it (an export under way still reports).
    if (!this.status.classList.contains('busy')) this.setStatus('', '');
  }

  private open(focusIndex: number): void {
    const png = this.items.find(i => i.dataset.format === 'png');
    const tab = visibleTabTitle();
    if (png) png.querySelector('.export-label')!.textContent = tab ? `PNG of \u201c${tab}\u201d` : 'PNG of the current view';
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.items[focusIndex]?.focus();
  }

  private close(focusButton: boolean): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (focusButton) this.button.focus();
  }

  private onMenuKey(e: KeyboardEvent): void {
    const i = this.items.indexOf(document.activeElement as HTMLElement);
    const n = this.items.length;
    let next = -1;
    switch (e.key) {
      case 'ArrowDown':
        next = (i + 1) % n;
        break;
      case 'ArrowUp':
        next = (i - 1 + n) % n;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = n - 1;
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        if (i >= 0) this.choose(this.items[i]!.dataset.format as ExportFormat);
        return;
      case 'Escape':
        e.preventDefault();
        this.close(true);
        return;
      case 'Tab':
        this.close(false);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.items[next]?.focus();
  }

  private choose(format: ExportFormat): void {
    this.close(true);
    const serial = ++this.serial;
    this.setStatus('busy', format === 'png' ? 'Preparing the image\u2026' : 'Exporting\u2026');
    void (async () => {
      try {
        const png = format === 'png' ? await snapshotCurrentView() : undefined;
        if (serial !== this.serial) return;
        const reply = await this.lane.send(png ? { type: 'export', format, png } : { type: 'export', format }, { timeoutMs: EXPORT_TIMEOUT_MS, transfer: png ? [png] : [] });
        this.setStatus(reply.path === null ? '' : 'done', reply.path === null ? 'Export cancelled' : `Saved ${reply.path}`);
      } catch (e) {
        if (isSuperseded(e) || serial !== this.serial) return;
        if (e instanceof RequestError && e.reason === 'cancelled') this.setStatus('', 'Export cancelled');
        else this.setStatus('error', e instanceof RequestError ? `Export failed: ${e.message}` : `Could not draw the view: ${e instanceof Error ? e.message : String(e)}`);
      }
    })();
  }

  private setStatus(kind: '' | 'busy' | 'done' | 'error', text: string): void {
    clear(this.status);
    this.status.className = `export-status ${kind}`;
    this.status.title = text;
    if (!text) return;
    const icon = kind === 'busy' ? 'loading codicon-modifier-spin' : kind === 'done' ? 'check' : kind === 'error' ? 'error' : '';
    if (icon) this.status.append(h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }));
    this.status.append(h('span', { class: 'export-status-text' }, text));
  }
}

/** The visible tab panel of the result (vscode-tabs hides the others). */
function visiblePanel(): HTMLElement | null {
  return document.querySelector<HTMLElement>('vscode-tab-panel:not([hidden])');
}

function visibleTabTitle(): string {
  const tabs = document.querySelector('vscode-tabs');
  const index = Number(tabs?.getAttribute('selected-index') ?? 0);
  return document.querySelectorAll('vscode-tab-header')[index]?.textContent?.trim() ?? '';
}

/** PNG bytes of the current view: its biggest visible canvas, else its text and chips drawn on one. */
export async function snapshotCurrentView(): Promise<ArrayBuffer> {
  const panel = visiblePanel();
  if (!panel) throw new Error('no view is shown');
  let best: HTMLCanvasElement | null = null;
  for (const c of Array.from(panel.querySelectorAll('canvas'))) {
    if (c.width === 0 || c.height === 0 || c.getClientRects().length === 0) continue;
    if (!best || c.width * c.height > best.width * best.height) best = c;
  }
  const canvas = best && best.width * best.height >= 64 * 64 ? best : drawDom(panel);
  const blob = await new Promise<Blob | null>(resolve => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the browser could not encode the image');
  return blob.arrayBuffer();
}

/**
 * Draws an element's text and token chips on a canvas, as laid out on screen: boxes (background
 * and border as computed, dashed and dotted included) for chips, then every text run with its
 * element's font and colour. Good enough for the views made of text; canvases are taken as they are.
 */
function drawDom(root: HTMLElement): HTMLCanvasElement {
  const dpr = window.devicePixelRatio || 1;
  const box = root.getBoundingClientRect();
  const width = Math.max(1, Math.ceil(Math.max(box.width, root.scrollWidth)));
  const height = Math.max(1, Math.ceil(Math.max(box.height, root.scrollHeight)));
  const scale = Math.min(dpr, MAX_SNAPSHOT / width, MAX_SNAPSHOT / height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.fillStyle = colour(getComputedStyle(root).backgroundColor) ?? rgbCss(readPalette().background);
  ctx.fillRect(0, 0, width, height);
  const ox = box.left - root.scrollLeft;
  const oy = box.top - root.scrollTop;
  // Boxes first, so text lands on top.
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('.chip, .stage, .badge, .printout, code'))) {
    const s = getComputedStyle(el);
    for (const r of Array.from(el.getClientRects())) {
      const x = r.left - ox;
      const y = r.top - oy;
      const bg = colour(s.backgroundColor);
      if (bg) {
        ctx.fillStyle = bg;
        roundRect(ctx, x, y, r.width, r.height, parseFloat(s.borderTopLeftRadius) || 0);
        ctx.fill();
      }
      const bw = parseFloat(s.borderTopWidth) || 0;
      const border = bw > 0 && s.borderTopStyle !== 'none' ? colour(s.borderTopColor) : null;
      if (border) {
        ctx.strokeStyle = border;
        ctx.lineWidth = bw;
        ctx.setLineDash(s.borderTopStyle === 'dashed' ? [4, 3] : s.borderTopStyle === 'dotted' ? [1, 2] : []);
        roundRect(ctx, x + bw / 2, y + bw / 2, r.width - bw, r.height - bw, parseFloat(s.borderTopLeftRadius) || 0);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      const outline = parseFloat(s.outlineWidth) || 0;
      if (outline > 0 && s.outlineStyle !== 'none') {
        const oc = colour(s.outlineColor);
        if (oc) {
          ctx.strokeStyle = oc;
          ctx.lineWidth = outline;
          ctx.strokeRect(x - outline / 2, y - outline / 2, r.width + outline, r.height + outline);
        }
      }
    }
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  ctx.textBaseline = 'middle';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent ?? '';
    const parent = n.parentElement;
    if (!text.trim() || !parent || parent.closest('[hidden], .codicon, .sr-only')) continue;
    const s = getComputedStyle(parent);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    ctx.fillStyle = colour(s.color) ?? rgbCss(readPalette().foreground);
    // A text node may wrap over several lines: draw it line by line, each run where it is
    // (binary search for the last character still on the run's line).
    let start = 0;
    const len = text.length;
    while (start < len) {
      range.setStart(n, start);
      range.setEnd(n, start + 1);
      const first = range.getClientRects()[0];
      if (!first) {
        start++;
        continue;
      }
      let lo = start + 1;
      let hi = len;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        range.setEnd(n, mid);
        const rects = range.getClientRects();
        if (Math.abs(rects[rects.length - 1]!.top - first.top) <= first.height / 2) lo = mid;
        else hi = mid - 1;
      }
      range.setEnd(n, lo);
      const r = range.getBoundingClientRect();
      ctx.fillText(text.slice(start, lo), r.left - ox, r.top - oy + r.height / 2);
      start = lo;
    }
  }
  return canvas;
}

let probe: CanvasRenderingContext2D | undefined;

/** A CSS colour the canvas can use, or null when it is fully transparent. */
function colour(css: string): string | null {
  if (!css || css === 'transparent' || /(,\s*0\)|\/\s*0\))$/.test(css)) return null;
  // Computed colours are rgb()/rgba(), or color(srgb …) for color-mix: a canvas takes them all,
  // and the theme's parser is the fallback for anything it rejects.
  probe ??= document.createElement('canvas').getContext('2d')!;
  probe.fillStyle = '#010203';
  probe.fillStyle = css;
  return probe.fillStyle === '#010203' ? rgbCss(cssColor(css, [0, 0, 0])) : css;
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, hgt: number, r: number): void {
  ctx.beginPath();
  ctx.roundRect(x, y, Math.max(0, w), Math.max(0, hgt), Math.max(0, Math.min(r, w / 2, hgt / 2)));
}
