// The options bar: model, max length, padding side, truncation side, skip pads, special tokens.
// A change asks the host to re-encode (the host stores it in the settings).
import type { PanelSettings } from '../../src/shared/panelProtocol';
import type { PipelineOptionsWire } from '../../src/shared/workerProtocol';
import { clear, h } from '../dom';
import { vscode } from '../vscodeApi';

type Select = HTMLElement & { value: string };
type Check = HTMLElement & { checked: boolean };
type Field = HTMLElement & { value: string };

/** The bar across the top of the panel. */
export class OptionsBar {
  readonly element: HTMLElement;
  private readonly model: Select;
  private readonly maxLength: Field;
  private readonly padding: Select;
  private readonly truncation: Select;
  private readonly skip: Check;
  private readonly special: Check;
  private settings: PanelSettings | undefined;

  constructor() {
    const option = (value: string, label: string): HTMLElement => h('vscode-option', { value }, label);
    this.model = h('vscode-single-select', { id: 'opt-model', 'aria-label': 'Model', title: 'Model' }) as Select;
    this.maxLength = h('vscode-textfield', { id: 'opt-max-length', type: 'number', min: 1, placeholder: 'whole text', 'aria-label': 'Max length', title: 'Pad or truncate to this many ids (empty: the whole text, no padding or truncation)' }) as Field;
    this.padding = h('vscode-single-select', { id: 'opt-padding', 'aria-label': 'Padding side', title: 'Padding side' }, option('right', 'pad right'), option('left', 'pad left')) as Select;
    this.truncation = h('vscode-single-select', { id: 'opt-truncation', 'aria-label': 'Truncation side', title: 'Truncation side' }, option('right', 'truncate right'), option('left', 'truncate left')) as Select;
    this.skip = h('vscode-checkbox', { id: 'opt-skip', label: 'skip pads', title: 'Skip pads in the encoder, as pack_padded_sequence does' }) as Check;
    this.special = h('vscode-checkbox', { id: 'opt-special', label: 'special tokens', title: 'Add the tokenizer\u2019s special tokens ([CLS] \u2026 [SEP])' }) as Check;
    const pick = h('vscode-button', { id: 'opt-pick-model', secondary: true, icon: 'folder-opened', title: 'Select a model from disk\u2026', 'aria-label': 'Select a model from disk' });
    pick.addEventListener('click', () => vscode.postMessage({ type: 'selectModel' }));
    // A group, not a toolbar: a toolbar promises one tab stop and arrow keys between its controls,
    // and the text field and selects need their arrow keys.
    this.element = h('div', { class: 'options-bar', role: 'group', 'aria-label': 'Pipeline options' },
      h('label', { class: 'opt' }, h('span', {}, 'model'), this.model, pick),
      h('label', { class: 'opt' }, h('span', {}, 'max length'), this.maxLength),
      this.padding, this.truncation, this.skip, this.special,
    );
    for (const el of [this.model, this.padding, this.truncation, this.skip, this.special]) el.addEventListener('change', () => this.send());
    this.maxLength.addEventListener('change', () => this.send());
    this.maxLength.addEventListener('keydown', e => (e as KeyboardEvent).key === 'Enter' && this.send());
  }

  /** Shows what the settings say. */
  setSettings(s: PanelSettings): void {
    this.settings = s;
    clear(this.model);
    for (const m of s.models) {
      const o = h('vscode-option', { value: m.value, description: m.value }, m.label);
      if (m.value === s.model) o.setAttribute('selected', '');
      this.model.append(o);
    }
    this.model.value = s.model;
    this.maxLength.value = s.options.maxLength ? String(s.options.maxLength) : '';
    this.padding.value = s.options.paddingSide ?? 'right';
    this.truncation.value = s.options.truncationSide ?? 'right';
    this.skip.checked = s.options.skipPadding ?? false;
    this.special.checked = s.options.addSpecialTokens ?? true;
  }

  private send(): void {
    const n = Number(this.maxLength.value);
    const options: PipelineOptionsWire = {
      ...this.settings?.options,
      maxLength: this.maxLength.value.trim() && Number.isInteger(n) && n > 0 ? n : null,
      paddingSide: this.padding.value === 'left' ? 'left' : 'right',
      truncationSide: this.truncation.value === 'left' ? 'left' : 'right',
      skipPadding: this.skip.checked,
      addSpecialTokens: this.special.checked,
    };
    vscode.postMessage({ type: 'setOptions', model: this.model.value || undefined, options });
  }
}
