// The mocha runner that VS Code loads in the extension host (extensionTestsPath, bundled to
// dist/test/integration/index.js). It runs every dist/test/integration/**/*.test.js bundle and
// settles run(): resolved when every test passed, rejected otherwise; the workbench then exits
// with 0 or 1 (see test/e2e/run-integration.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Test bundles next to this file, in a stable order. */
function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(f => f.endsWith('.test.js'))
    .sort()
    .map(f => path.join(dir, f));
}

/**
 * Runs the suites; the closing line is the plain `N passed, N failed` that CI reads.
 * MOCHA_GREP (in the environment of the runner, which code-server passes on to the extension
 * host) runs only the tests whose full title matches it.
 */
export function run(): Promise<void> {
  const grep = process.env.MOCHA_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 20_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  const files = testFiles(__dirname);
  for (const f of files) mocha.addFile(f);
  return new Promise<void>((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`no *.test.js under ${__dirname}: was the build run?`));
      return;
    }
    try {
      const runner = mocha.run(failures => {
        const { passes = 0, pending = 0, tests = 0 } = runner.stats ?? {};
        const skipped = pending > 0 ? `, ${pending} skipped` : '';
        console.log(`${passes} passed, ${failures} failed${skipped}`);
        if (failures > 0) reject(new Error(`${failures} of ${tests + pending} integration tests failed`));
        else if (passes === 0) reject(new Error('no integration test ran'));
        else resolve();
      });
    } catch (err) {
      // A suite that throws while loading (a bad import, a top-level error) lands here.
      console.error(err);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
