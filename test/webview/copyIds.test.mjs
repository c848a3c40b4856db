// Issue 10, item 11: "copy ids" from the Tokens tab, as a Python list and as a JSON list. The
// webview asks the host (copyIds with the id of the result on show and the format; the host
// writes the clipboard from its own result, src/host/copyIds.ts); the harness checks each message
// with the host's own checker. Would catch: no buttons, a message the host refuses, the wrong
// result's id, or text sent from the webview instead of a request.
import { SEED } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

test('Tokens tab: "copy ids as Python list / JSON list" asks the host to copy the ids of the result on show', async ({ open, encode }) => {
  const panel = await open();
  const result = await encode(SEED);
  await panel.showResult(result, { requestId: 7 });
  for (const [format, label] of [['python', 'Python list'], ['json', 'JSON list']]) {
    const button = panel.page.locator(`#copy-ids-${format}`);
    eq(((await button.textContent()) ?? '').trim(), label, `the ${format} button's label`);
    const posted = panel.waitFor('copyIds', m => m.format === format);
    // From the keyboard as well as the mouse: a real <button>.
    await button.focus();
    await panel.page.keyboard.press('Enter');
    eq(await posted, { type: 'copyIds', requestId: 7, format }, `the ${format} request`);
    ok(/5 ids copied as a/.test((await panel.page.locator('.copy-ids-done').textContent()) ?? ''), 'the panel says what was copied');
  }
  await panel.screenshot('copy-ids', { of: panel.page.locator('.ids'), margin: 6 });
});
