// The text input: always there (collapsible), showing the text on show. Typing re-encodes after
// TYPING_DELAY_MS of quiet (the host cancels the request before, and the panel drops a superseded
// result, so the latest text wins). "Follow selection" asks the host to re-encode the editor's
// selection as it changes or is edited.
import './textInput.css';
import type { TextSource } from '../../src/shared/panelProtocol';
import { h } from '../dom';
import { saveState, vscode } from '../vscodeApi';

/** Quiet time after the last keystroke before the text is sent (≈ 150 ms, as live tokenizers do). */
export const TYPING_DELAY_MS = 150;

type Area = HTMLElement & { value: string };
type Check = HTMLElement & { checked: boolean };

/** The collapsible text box above the result. */
export class TextInput {
  readonly element: HTMLElement;
  private readonly details: HTMLDetailsElement;
  private readonly area: Area;
  private readonly followBox: Check;
  private readonly note: HTMLElement;
  private readonly scope: HTMLElement;
  private readonly own: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The text last sent or shown: typing that leaves it as it is sends nothing. */
  private sent = '';
  /** Whether the user has typed in the box since this page loaded. */
  private typed = false;

  constructor() {
    const saved = vscode.getState();
    this.area = h('vscode-textarea', {
      id: 'input-text',
      rows: 3,
      resize: 'vertical',
      placeholder: 'Type or paste text: it is encoded as you type. Or select text in an editor and run "Embedding Lens: Inspect Selection".',
      'aria-label': 'Text to inspect (encoded as you type)',
    }) as Area;
    const go = h('vscode-button', { id: 'inspect-text', secondary: true, title: 'Encode the text now (Ctrl+Enter)' }, 'Inspect');
    this.followBox = h('vscode-checkbox', { id: 'follow-selection', label: 'follow selection', title: 'Re-encode the editor\u2019s selection as it changes, and the shown text as it is edited' }) as Check;
    this.followBox.checked = saved?.follow === true;
    this.scope = h('span', { class: 'text-scope', id: 'text-scope' });
    this.note = h('div', { class: 'text-note', id: 'text-note', role: 'status', 'aria-live': 'polite', hidden: true });
    this.own = h('span', { class: 'text-own', id: 'text-own', title: 'Show the Seed Example uses the seed model in this panel only; your settings are unchanged', hidden: true });
    const summary = h('summary', { class: 'text-summary' }, h('span', {}, 'Text'), this.scope, this.own);
    this.details = h('details', { class: 'text-input', id: 'text-input' }, summary,
      h('div', { class: 'text-body' }, this.area, h('div', { class: 'text-actions' }, go, this.followBox)),
    ) as HTMLDetailsElement;
    // The note stays visible when the box is collapsed.
    this.element = h('div', { class: 'text-input-wrap' }, this.details, this.note);
    this.details.open = saved?.textCollapsed !== true;
    this.details.addEventListener('toggle', () => saveState({ textCollapsed: !this.details.open }));
    this.area.addEventListener('input', () => {
      this.typed = true;
      this.schedule();
    });
    this.area.addEventListener('keydown', e => {
      const k = e as KeyboardEvent;
      if (k.key === 'Enter' && (k.ctrlKey || k.metaKey)) this.sendNow(true);
      // Select all stays in the box. VS Code's webview script forwards keydowns that do not come
      // from an input or textarea to the workbench's keybindings, and the toolkit's textarea sits
      // in a shadow root (the event reaches it retargeted to <vscode-textarea>): the workbench ran
      // its own Select All, focused the editor, and the next keys replaced the user's code there.
      if ((k.key === 'a' || k.key === 'A') && (k.ctrlKey || k.metaKey) && !k.altKey && !k.shiftKey) k.stopPropagation();
    });
    go.addEventListener('click', () => this.sendNow(true));
    this.followBox.addEventListener('change', () => {
      const on = this.followBox.checked;
      saveState({ follow: on });
      vscode.postMessage({ type: 'follow', on });
    });
  }

  /** The panel said ready: tell the host about a follow toggle restored from the saved state. */
  announce(): void {
    if (this.followBox.checked) vscode.postMessage({ type: 'follow', on: true });
  }

  /**
   * A result (or its tokens) arrived: the box shows its text, unless it is typed text (the box
   * holds it already, and the user may have typed on since). The note says why the text is
   * partial, when it is.
   */
  show(text: string, source: TextSource): void {
    // Typed text is filled in only when nothing was typed in this page yet: after a reload the
    // restored panel re-encodes the typed text the box no longer holds.
    if (source.uri !== null || source.label !== 'typed text' || !this.typed) {
      if (this.area.value !== text) this.area.value = text;
      this.sent = text;
    }
    this.scope.textContent = ` \u2014 ${source.label}`;
    this.note.textContent = source.note ?? '';
    this.note.hidden = !source.note;
  }

  /** Says in the box's title when the panel uses its own model (the seed example), not the settings'. */
  setPanelOnly(model: string | undefined): void {
    this.own.textContent = model ? `${model.replace(/^builtin:/, '')} model, this panel only` : '';
    this.own.hidden = !model;
  }

  /** Opens the box and puts the cursor in it (Open Embedding Panel). */
  focus(): void {
    this.details.open = true;
    saveState({ textCollapsed: false });
    this.area.focus();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sendNow(false), TYPING_DELAY_MS);
  }

  private sendNow(always: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.area.value;
    if (!text.trim() || (!always && text === this.sent)) return;
    this.sent = text;
    vscode.postMessage({ type: 'encode', text });
  }
}
