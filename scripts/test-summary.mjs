// The closing summary of `npm test`: what each runner passed, failed and skipped (from the records
// in test-output/results/, see scripts/testResults.mjs), then one line saying what was skipped
// and why, e.g. `skipped: 2 (no torch: 2)`, so that a group skipped for a missing dependency is
// the last thing the log says, not a line lost in the middle of it.
//
// Usage: node scripts/test-summary.mjs --start       forget earlier records (the chain's first step)
//        node scripts/test-summary.mjs [--status N]  print the summary; exit N (the chain's status)
import path from 'node:path';
import { clearTestResults, readTestResults, resultsDir } from './testResults.mjs';

/** The runners of the npm test chain, in its order (package.json "test"). */
const CHAIN = ['unit', 'hostile', 'webview', 'start', 'integration', 'integration --trust', 'ui'];

const args = process.argv.slice(2);
if (args[0] === '--start') {
  clearTestResults();
  process.exit(0);
}
const statusAt = args.indexOf('--status');
const status = statusAt >= 0 ? Number(args[statusAt + 1]) : 0;
if (args.some((a, i) => a !== '--status' && i !== statusAt + 1) || !Number.isInteger(status)) {
  console.error('usage: node scripts/test-summary.mjs --start | [--status N]');
  process.exit(2);
}

const records = readTestResults();
const byName = new Map(records.map(r => [r.runner, r]));
const names = [...CHAIN, ...records.map(r => r.runner).filter(n => !CHAIN.includes(n))];
const width = Math.max(...names.map(n => n.length));
const lines = [`npm test summary (${path.relative(process.cwd(), resultsDir()) || resultsDir()}):`];
/** Skipped tests per short reason ("no torch"), over every runner. @type {Map<string, number | undefined>} */
const byReason = new Map();
let skipped = 0;
for (const name of names) {
  const r = byName.get(name);
  if (!r) {
    lines.push(`  ${name.padEnd(width)}  not run${status !== 0 ? ' (the chain stopped before it)' : ''}`);
    continue;
  }
  lines.push(`  ${name.padEnd(width)}  ${r.passed} passed, ${r.failed} failed${r.skipped > 0 ? `, ${r.skipped} skipped` : ''}${r.note ? ` (${r.note})` : ''}`);
  skipped += r.skipped;
  for (const s of r.skips) {
    lines.push(`    skipped${s.count === undefined ? '' : ` ${s.count}`}: ${s.reason}`);
    const key = shortReason(s.reason);
    const had = byReason.get(key);
    byReason.set(key, s.count === undefined || (byReason.has(key) && had === undefined) ? undefined : (had ?? 0) + s.count);
  }
}
const groups = [...byReason].map(([key, n]) => (n === undefined ? key : `${key}: ${n}`));
lines.push(`skipped: ${skipped}${groups.length > 0 ? ` (${groups.join('; ')})` : ''}`);
console.log(lines.join('\n'));
process.exit(status);

/**
 * The head of a reason, for the closing line: up to its first ": " when that comes early
 * ("no torch: the exported Python check scripts were NOT run" → "no torch"), else all of it.
 * @param {string} reason
 */
function shortReason(reason) {
  const colon = reason.indexOf(': ');
  return colon > 0 && colon <= 40 ? reason.slice(0, colon) : reason;
}
