// Helpers that drive the VS Code web workbench the way a person does: Quick Open, the command
// palette, mouse selection, hovers, webviews, screenshots. Selectors are the workbench's own
// (VS Code 1.100); each helper waits for the result it caused, so steps read as a script.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** The hover fades in over ~300 ms; a screenshot taken earlier shows it greyed. */
const FADE_IN_MS = 400;

export class Workbench {
  /**
   * @param {import('playwright-core').Page} page
   * @param {string} outDir where screenshot() writes
   */
  constructor(page, outDir) {
    this.page = page;
    this.outDir = outDir;
  }

  /**
   * Opens a page on the workbench URL and waits until the folder's files are listed.
   * @param {import('playwright-core').Browser} browser
   * @param {string} url from CodeServer.workbenchUrl()
   * @param {{ outDir: string, expectFile: string }} o expectFile: a file at the folder's root
   */
  static async open(browser, url, { outDir, expectFile }) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', err => console.error(`[workbench pageerror] ${err.message}`));
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor();
    // The explorer lists files only once the remote connection to the server is up.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: expectFile }).waitFor();
    return new Workbench(page, outDir);
  }

  /** The quick input box (Quick Open and the command palette share it). */
  get quickInput() {
    return this.page.locator('.quick-input-widget input');
  }

  /** The editor of the active editor group. */
  get activeEditor() {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  /**
   * Opens a workspace file with Quick Open (Ctrl+P) and waits for its text.
   * @param {string} name file name as Quick Open matches it
   * @param {{ expectText?: string }} [o] a piece of the file's visible text to wait for
   */
  async openFile(name, o = {}) {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+P');
    await this.quickInput.waitFor();
    await this.quickInput.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    if (o.expectText) await this.activeEditor.locator('.view-line', { hasText: o.expectText }).first().waitFor();
  }

  /**
   * Selects text in the active editor and checks the status bar's "(N selected)".
   * A single word is double-clicked, as a person would; longer text is found with the find
   * widget (Ctrl+F, which selects the match); `{ line, startColumn, endColumn }` (1-based, as
   * the status bar counts) goes to the start with Ctrl+G and extends with Shift+Right.
   * @param {string | { line: number, startColumn: number, endColumn: number }} target
   */
  async selectText(target) {
    let length;
    if (typeof target === 'string' && /^[\p{L}\p{N}_]+$/u.test(target)) {
      const box = await this.wordBox(target);
      await this.page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
      length = target.length;
    } else if (typeof target === 'string') {
      await this.activeEditor.click({ position: { x: 5, y: 5 } });
      await this.page.keyboard.press('Control+F');
      const find = this.page.locator('.editor-group-container.active .find-widget.visible textarea, .editor-group-container.active .find-widget.visible input').first();
      await find.waitFor();
      await find.fill(target);
      const count = this.page.locator('.editor-group-container.active .find-widget .matchesCount');
      await count.filter({ hasText: /^1 of/ }).waitFor({ timeout: 5_000 }).catch(async () => {
        throw new Error(`"${target}" is not in the active editor (find says: ${(await count.innerText().catch(() => '?')).trim()})`);
      });
      await this.page.keyboard.press('Escape');
      length = target.length;
    } else {
      const { line, startColumn, endColumn } = target;
      await this.activeEditor.click({ position: { x: 5, y: 5 } });
      await this.page.keyboard.press('Control+G');
      await this.quickInput.waitFor();
      await this.quickInput.fill(`:${line}:${startColumn}`);
      await this.page.keyboard.press('Enter');
      for (let c = startColumn; c < endColumn; c++) await this.page.keyboard.press('Shift+ArrowRight');
      length = endColumn - startColumn;
    }
    await this.page.locator('[id="status.editor.selection"]', { hasText: `(${length} selected)` }).waitFor();
  }

  /**
   * Runs a command from the command palette (F1) by its title, e.g. "Embedding Lens: Inspect Selection".
   * @param {string} title
   */
  async runCommand(title) {
    await this.page.keyboard.press('F1');
    await this.quickInput.waitFor();
    await this.quickInput.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor();
    await this.page.keyboard.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden' });
  }

  /**
   * The titles the command palette lists for a filter, e.g. "Embedding Lens:" (then closes it).
   * Commands appear only once the extension's contributions are registered, a few seconds after
   * the workbench shows: with `expect`, asks again until all of those titles are listed (or 30 s).
   * @param {string} filter
   * @param {{ expect?: string[] }} [o]
   * @returns {Promise<string[]>}
   */
  async paletteCommands(filter, o = {}) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await this.page.keyboard.press('F1');
      await this.quickInput.waitFor();
      await this.quickInput.fill(`>${filter}`);
      const rows = this.page.locator('.quick-input-list .monaco-list-row .label-name');
      await rows.first().waitFor();
      // The list filters as it renders; give it a moment to settle on the full result.
      await this.page.waitForTimeout(300);
      const titles = (await rows.allInnerTexts()).map(t => t.replace(/\s+/g, ' ').trim());
      await this.page.keyboard.press('Escape');
      await this.quickInput.waitFor({ state: 'hidden' });
      if (!o.expect || o.expect.every(t => titles.includes(t)) || Date.now() > deadline) return titles;
      await this.page.waitForTimeout(1_000);
    }
  }

  /**
   * The content frame of a webview (a panel's HTML lives two iframes deep).
   * @param {{ nth?: number }} [o] which webview, when several are open (default: the last opened)
   */
  webviewFrame(o = {}) {
    const outer = this.page.locator('iframe.webview.ready');
    return (o.nth === undefined ? outer.last() : outer.nth(o.nth)).contentFrame().locator('#active-frame').contentFrame();
  }

  /**
   * Hovers a word of the active editor and waits for the hover widget.
   * @param {string} word the first occurrence among the rendered lines
   * @param {{ hasText?: string | RegExp }} [o] text the hover must contain
   */
  async hoverWord(word, o = {}) {
    const hover = this.page.locator('.monaco-hover:not(.hidden)', o.hasText ? { hasText: o.hasText } : {}).first();
    const deadline = Date.now() + 30_000;
    // A hover asked for before the extension registered its provider comes back empty, and the
    // editor asks again only when the mouse leaves the word: so leave and come back until it shows.
    for (;;) {
      const box = await this.wordBox(word);
      await this.page.mouse.move(box.x - 60, box.y + 80);
      await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
      const left = deadline - Date.now();
      try {
        await hover.waitFor({ timeout: Math.max(1, Math.min(3_000, left)) });
        return hover;
      } catch (err) {
        if (left <= 3_000) throw new Error(`no hover${o.hasText ? ` with "${o.hasText}"` : ''} over "${word}" within 30 s`, { cause: err });
      }
    }
  }

  /**
   * Saves a PNG of the page (or of one element) as `<outDir>/<name>.png`, after the fade-ins.
   * @param {string} name
   * @param {import('playwright-core').Locator} [of]
   */
  async screenshot(name, of) {
    await this.page.waitForTimeout(FADE_IN_MS);
    mkdirSync(this.outDir, { recursive: true });
    const file = path.join(this.outDir, `${name}.png`);
    await (of ?? this.page).screenshot({ path: file });
    return file;
  }

  /** Gives the keyboard to the workbench (not to the URL bar or a stale widget). */
  async focusWorkbench() {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.monaco-workbench').focus().catch(() => {});
  }

  /**
   * Where a word is drawn in the active editor (first occurrence on a rendered line).
   * @param {string} word
   * @returns {Promise<{ x: number, y: number, width: number, height: number }>}
   */
  async wordBox(word) {
    const box = await this.activeEditor.evaluate((editor, w) => {
      for (const line of editor.querySelectorAll('.view-line')) {
        // A line is split into spans per token colour; spaces may be drawn as U+00A0.
        /** @type {Node[]} */
        const nodes = [];
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
        const text = nodes.map(n => (n.textContent ?? '').replace(/\u00a0/g, ' ')).join('');
        const escaped = w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const at = text.search(new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'u'));
        if (at < 0) continue;
        /** @param {number} offset @returns {[Node, number]} */
        const locate = offset => {
          for (const n of nodes) {
            const len = (n.textContent ?? '').length;
            if (offset <= len) return [n, offset];
            offset -= len;
          }
          throw new Error('offset past the line');
        };
        const range = document.createRange();
        range.setStart(...locate(at));
        range.setEnd(...locate(at + w.length));
        const r = range.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }
      return null;
    }, word);
    if (!box) throw new Error(`"${word}" is not on a rendered line of the active editor`);
    return box;
  }
}
