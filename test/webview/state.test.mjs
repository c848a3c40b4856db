// UI state survives a reload (VS Code reloads a hidden panel's page): the panel saves the tab, the
// selected token and the zoom with setState, never data; after the reload the host replays the
// result and the panel comes back as it was.
import { SEED } from './harness.mjs';
import { eq, ok, test } from './suite.mjs';

test('tab, selected token and zoom are restored after a reload with the saved state', async ({ open, encode, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  const result = await encode(SEED);
  await panel.showResult(result);
  const page = panel.page;
  await page.locator('.chip[data-index="2"]').click();
  await panel.openTab('matrix');
  // Zoom in twice with the keyboard on the heatmap.
  const canvas = page.locator('vscode-tab-panel[data-panel="matrix"] .heatmap-canvas');
  await canvas.focus();
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await panel.frames(2);
  const heightBefore = await canvas.evaluate(c => c.getBoundingClientRect().height);
  const state = await panel.state();
  ok(state, 'the panel saved a state');
  eq(state.tab, 'matrix', 'saved tab');
  eq(state.selectedToken, 2, 'saved selectedToken');
  ok(state.zoom && state.zoom.scale > 28, `saved zoom ${JSON.stringify(state.zoom)}`);
  // UI state only: no result data in it (CONTRIBUTING.md, "Webview").
  const json = JSON.stringify(state);
  ok(json.length < 2000 && !json.includes('embeddings') && !json.includes('inputIds'), `the state holds UI state only: ${json}`);

  await panel.reload({ state });
  eq(await page.locator('vscode-tab-panel[data-panel="matrix"]').getAttribute('hidden'), null, 'the matrix tab is shown again');
  eq(await page.locator('vscode-tab-panel[data-panel="tokens"]').getAttribute('hidden'), '', 'the tokens tab is hidden');
  eq(await page.locator('.chip[data-index="2"]').getAttribute('aria-selected'), 'true', 'chip 2 is selected again');
  eq(await page.locator('.chip[tabindex="0"]').getAttribute('data-index'), '2', 'the selected chip is the tab stop');
  const heightAfter = await canvas.evaluate(c => c.getBoundingClientRect().height);
  eq(heightAfter, heightBefore, 'the heatmap has the saved zoom (same drawn height)');
  eq((await panel.state())?.tab, 'matrix', 'state after the reload');
  eq(panel.postedOf('ready').length, 2, 'ready once per load');
});

test('a reload without saved state starts on the tokens tab with nothing selected', async ({ open, encode, core }) => {
  const panel = await open();
  panel.serveAsHost(core);
  await panel.showResult(await encode(SEED));
  await panel.page.locator('.chip[data-index="1"]').click();
  await panel.reload({ state: undefined });
  eq(await panel.page.locator('vscode-tab-panel[data-panel="tokens"]').getAttribute('hidden'), null, 'tokens tab shown');
  eq(await panel.page.locator('.chip[aria-selected="true"]').count(), 0, 'no chip selected');
});
