import * as vscode from 'vscode';
import type { LensSettings } from './config';
import { DisposableStore } from './disposables';
import type { TokenCache } from './tokenCache';

const DEBOUNCE_MS = 150;

/**
 * Every token's outline: transparent in Dark and Light (the alternating fills show the
 * boundaries), a line in the high-contrast themes, whose fills stay faint so the text keeps
 * 4.5:1 (a solid #f38518 or #0f4a85 fill did not). An outline, unlike a border, takes no room.
 */
const OUTLINE = { outlineColor: new vscode.ThemeColor('embeddingLens.tokenBorder'), outlineStyle: 'solid', outlineWidth: '1px' } as const;

/**
 * Token boundaries in the editor: alternating subtle backgrounds per token over the visible
 * ranges (outlined in high-contrast themes), coloured by the theme (contributed colours with
 * light, dark and high-contrast values; test/webview/themes.test.mjs checks their contrast).
 */
export class TokenBoundaries implements vscode.Disposable {
  private readonly even = vscode.window.createTextEditorDecorationType({ backgroundColor: new vscode.ThemeColor('embeddingLens.tokenBackgroundEven'), ...OUTLINE, rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed });
  private readonly odd = vscode.window.createTextEditorDecorationType({ backgroundColor: new vscode.ThemeColor('embeddingLens.tokenBackgroundOdd'), ...OUTLINE, rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed });
  private readonly disposables = new DisposableStore();
  private timer: NodeJS.Timeout | undefined;
  /** Decorated token count per editor URI (tests read it). */
  readonly decorated = new Map<string, number>();

  constructor(
    private readonly tokens: TokenCache,
    private readonly settings: () => LensSettings,
    private readonly onError: (context: string, e: unknown) => void,
  ) {
    this.disposables.add(this.even);
    this.disposables.add(this.odd);
    this.disposables.add(vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()));
    this.disposables.add(vscode.window.onDidChangeTextEditorVisibleRanges(() => this.schedule()));
    this.disposables.add(vscode.workspace.onDidChangeTextDocument(() => this.schedule()));
    this.schedule();
  }

  /** Redraw soon (debounced). */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  /** Redraws every visible editor now. */
  async refresh(): Promise<void> {
    const s = this.settings();
    await Promise.all(vscode.window.visibleTextEditors.map(e => this.decorate(e, s)));
  }

  private async decorate(editor: vscode.TextEditor, s: LensSettings): Promise<void> {
    const key = editor.document.uri.toString();
    if (!s.boundaries) {
      editor.setDecorations(this.even, []);
      editor.setDecorations(this.odd, []);
      this.decorated.delete(key);
      return;
    }
    try {
      const even: vscode.Range[] = [];
      const odd: vscode.Range[] = [];
      const doc = editor.document;
      for (const visible of editor.visibleRanges) {
        // Whole lines, so pre-tokenization sees the same text as for the whole document.
        const from = doc.lineAt(visible.start.line).range.start;
        const to = doc.lineAt(visible.end.line).rangeIncludingLineBreak.end;
        const t = await this.tokens.range(doc, from, to, s.ref);
        for (let i = 0; i < t.starts.length; i++) {
          if (t.ends[i]! <= t.starts[i]!) continue;
          (i % 2 === 0 ? even : odd).push(new vscode.Range(doc.positionAt(t.starts[i]!), doc.positionAt(t.ends[i]!)));
        }
      }
      editor.setDecorations(this.even, even);
      editor.setDecorations(this.odd, odd);
      this.decorated.set(key, even.length + odd.length);
    } catch (e) {
      this.onError('token boundaries', e);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.disposables.dispose();
  }
}
