// Debian's Chromium driven by playwright-core (which never downloads a browser of its own),
// headless, as root, with no network but loopback. Its profile, HOME and XDG dirs live in a temp
// dir removed on close: Chromium writes ~/.config/chromium (crashpad) otherwise.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { onCleanup } from './cleanup.mjs';

export const chromiumBin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * Flags for a closed network and a root user: without the background-networking ones Chromium
 * keeps trying to reach Google's hosts, and as root it refuses to start without --no-sandbox.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
];

/**
 * Launches headless Chromium with its own temp profile; returns the browser and close().
 * @param {{ label: string, headless?: boolean }} o
 */
export async function launchChromium({ label, headless = true }) {
  if (!existsSync(chromiumBin)) {
    throw new Error(`Chromium not found at ${chromiumBin}: apt-get install chromium (or set CHROMIUM_BIN)`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), `embedding-lens-${label}-chromium-`));
  const browser = await chromium.launch({
    executablePath: chromiumBin,
    headless,
    args: chromiumArgs,
    env: {
      ...process.env,
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      XDG_DATA_HOME: path.join(dir, 'data'),
      XDG_CACHE_HOME: path.join(dir, 'cache'),
    },
    // The runner's own SIGINT/SIGTERM handlers (cleanup.mjs) close it in order.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const close = onCleanup(`chromium (${label})`, async () => {
    await browser.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }, () => rmSync(dir, { recursive: true, force: true }));
  return { browser, close };
}
