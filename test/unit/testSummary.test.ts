// npm test's closing summary (issue 12 item 7): mocha's results reporter (scripts/mochaResults.cjs)
// records what a run passed, failed and skipped with the reason skipBecause() gave, and
// scripts/test-summary.mjs prints it ending in "skipped: N (no torch: …)". This file is also its
// own fixture: run with LENS_RESULTS_FIXTURE set, it registers the fixture suites instead.
// Would catch: a skip reason lost (a suite skipped from its `before` hook, a test skipping
// itself), a silent skip not counted, a failure counted as a pass, a runner that never wrote its
// record not listed as "not run", and a summary that swallows the chain's exit status.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot, skipBecause } from './helpers';

if (process.env.LENS_RESULTS_FIXTURE) {
  describe('fixture: a suite skipped from its before hook', function () {
    before(function () {
      skipBecause(this, 'no torch: the fixture suite was NOT run');
    });
    it('one', () => {});
    it('two', () => {});
  });
  describe('fixture: tests of their own', function () {
    it('skips itself', function () {
      skipBecause(this, 'no numpy: the fixture test was NOT run');
    });
    it('skips silently', function () {
      this.skip();
    });
    it('passes', () => {});
    it('fails', () => assert.fail('the fixture fails on purpose'));
  });
} else {
  describe('npm test summary: what each runner skipped, and why', function () {
    // Spawns mocha and node (a second or two each alone, more on a loaded machine).
    this.timeout(60_000);
    let dir = '';
    before(() => (dir = mkdtempSync(path.join(tmpdir(), 'lens-results-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const env = (): NodeJS.ProcessEnv => ({ ...process.env, LENS_TEST_RESULTS_DIR: dir });

    it('the reporter records passes, failures and skips with their reasons', () => {
      const mocha = path.join(repoRoot(), 'node_modules', 'mocha', 'bin', 'mocha.js');
      const r = spawnSync(process.execPath, [mocha, __filename, '--reporter', path.join(repoRoot(), 'scripts', 'mochaResults.cjs'), '--reporter-option', 'runner=unit'], {
        encoding: 'utf8',
        env: { ...env(), LENS_RESULTS_FIXTURE: '1' },
        timeout: 50_000,
      });
      assert.equal(r.status, 1, `the fixture has one failing test: ${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /^skipped: no torch: the fixture suite was NOT run$/m, 'the reason is printed when it skips');
      const record = JSON.parse(readFileSync(path.join(dir, 'unit.json'), 'utf8'));
      assert.deepEqual(record, {
        runner: 'unit',
        passed: 1,
        failed: 1,
        skipped: 4,
        skips: [
          { reason: 'no torch: the fixture suite was NOT run', count: 2 },
          { reason: 'no numpy: the fixture test was NOT run', count: 1 },
          { reason: 'no reason given', count: 1 },
        ],
      });
    });

    it('the summary lists every runner, says which did not run, ends with the skips, and keeps the exit status', () => {
      writeFileSync(path.join(dir, 'webview.json'), JSON.stringify({ runner: 'webview', passed: 5, failed: 0, skipped: 0, skips: [] }));
      const r = spawnSync(process.execPath, [path.join(repoRoot(), 'scripts', 'test-summary.mjs'), '--status', '3'], { encoding: 'utf8', env: env(), timeout: 50_000 });
      assert.equal(r.status, 3, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(r.stdout, /^ {2}unit +1 passed, 1 failed, 4 skipped$/m);
      assert.match(r.stdout, /^ {4}skipped 2: no torch: the fixture suite was NOT run$/m);
      assert.match(r.stdout, /^ {2}webview +5 passed, 0 failed$/m);
      assert.match(r.stdout, /^ {2}hostile +not run \(the chain stopped before it\)$/m);
      assert.equal(lines[lines.length - 1], 'skipped: 4 (no torch: 2; no numpy: 1; no reason given: 1)');
    });

    it('--start forgets the records of earlier runs', () => {
      const start = spawnSync(process.execPath, [path.join(repoRoot(), 'scripts', 'test-summary.mjs'), '--start'], { encoding: 'utf8', env: env(), timeout: 50_000 });
      assert.equal(start.status, 0, start.stderr);
      const r = spawnSync(process.execPath, [path.join(repoRoot(), 'scripts', 'test-summary.mjs')], { encoding: 'utf8', env: env(), timeout: 50_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^ {2}unit +not run$/m);
      assert.match(r.stdout, /\nskipped: 0\n$/);
    });
  });
}
