// The selected and hovered token, shared by every view (hovering a chip highlights its row and
// column everywhere and its span in the editor).
import type { TokensPart } from './result';
import { saveState, vscode } from './vscodeApi';

type Listener = () => void;

/** Which token (index into the real tokens) is selected / under the pointer. */
export class Selection {
  selected = -1;
  hovered = -1;
  private result: TokensPart | undefined;
  private readonly listeners = new Set<Listener>();

  /** A new result: keep the selection by index when it still exists. */
  /**
   * Tokens shown ahead of their result (didTokens): until rebind(), only the listeners that
   * registered with `tokensOnly` hear changes (the other views still show the previous result,
   * whose indices these are not).
   */
  private partial = false;
  private readonly tokensOnly = new Set<Listener>();

  /** The full result for the tokens already shown: same tokens, the selection is kept as it is. */
  rebind(r: TokensPart): void {
    this.result = r;
    this.partial = false;
    this.emit();
  }

  /** New tokens ahead of their result (see `partial`). */
  resetTokens(r: TokensPart): void {
    this.partial = true;
    this.reset(r);
  }

  reset(r: TokensPart): void {
    this.result = r;
    const saved = vscode.getState()?.selectedToken ?? -1;
    this.selected = saved >= 0 && saved < r.n ? saved : -1;
    this.hovered = -1;
    this.emit();
  }

  select(i: number, reveal = false): void {
    this.selected = i;
    saveState({ selectedToken: i });
    const r = this.result;
    if (reveal && r && i >= 0) vscode.postMessage({ type: 'revealToken', start: r.starts[i]!, end: r.ends[i]! });
    this.emit();
  }

  /** Selects the first token overlapping [start, end) of the text. */
  selectSpan(start: number, end: number): void {
    const r = this.result;
    if (!r) return;
    for (let i = 0; i < r.n; i++) {
      if (r.starts[i]! < Math.max(end, start + 1) && r.ends[i]! > start) {
        this.select(i);
        return;
      }
    }
  }

  hover(i: number): void {
    if (i === this.hovered) return;
    this.hovered = i;
    const r = this.result;
    vscode.postMessage({ type: 'highlightToken', span: r && i >= 0 ? { start: r.starts[i]!, end: r.ends[i]! } : null });
    this.emit();
  }

  /** Calls `l` on every change; `tokensOnly`: also while tokens are shown ahead of their result. */
  onChange(l: Listener, o: { tokensOnly?: boolean } = {}): void {
    this.listeners.add(l);
    if (o.tokensOnly) this.tokensOnly.add(l);
  }

  private emit(): void {
    for (const l of this.listeners) if (!this.partial || this.tokensOnly.has(l)) l();
  }
}
