// What each runner of `npm test` passed, failed and skipped, and why it skipped: one small JSON
// file a runner under test-output/results/, which scripts/test-summary.mjs prints at the end of the
// chain (a skip that only scrolled past in the middle of a ten-minute log is a skip nobody saw).
// Written by scripts/mochaResults.cjs (unit, hostile), test/webview/run.mjs,
// test/e2e/run-integration.mjs and test/e2e/ui.mjs.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-output', 'results');

/** Where the records go: test-output/results/ (git-ignored scratch), or LENS_TEST_RESULTS_DIR (the test of this). */
export function resultsDir() {
  return process.env.LENS_TEST_RESULTS_DIR || DEFAULT_DIR;
}

/**
 * One runner's record. `skips` groups the skipped tests by the reason they gave; `count` is
 * undefined where the runner cannot tell how many tests a reason covers.
 * @typedef {{ runner: string, passed: number, failed: number, skipped: number,
 *             skips: { reason: string, count: number | undefined }[], note?: string }} TestResults
 */

/** The prefix of the line a test prints when it skips, so that a runner can collect the reason. */
export const SKIP_LINE = 'skipped: ';

/** @param {TestResults} r */
export function writeTestResults(r) {
  mkdirSync(resultsDir(), { recursive: true });
  writeFileSync(path.join(resultsDir(), `${r.runner.replace(/[^a-z0-9]+/gi, '-')}.json`), `${JSON.stringify(r, null, 1)}\n`);
}

/** Every record written since the last clearTestResults, oldest first. @returns {TestResults[]} */
export function readTestResults() {
  let files;
  try {
    files = readdirSync(resultsDir()).filter(f => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map(f => /** @type {TestResults} */ (JSON.parse(readFileSync(path.join(resultsDir(), f), 'utf8'))));
}

/** Forgets the records of earlier runs (the start of `npm test`). */
export function clearTestResults() {
  rmSync(resultsDir(), { recursive: true, force: true });
}

/**
 * Skip reasons with how often each was given, in first-seen order.
 * @param {readonly string[]} reasons
 * @returns {{ reason: string, count: number }[]}
 */
export function countReasons(reasons) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([reason, count]) => ({ reason, count }));
}
