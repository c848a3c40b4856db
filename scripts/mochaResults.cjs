// Mocha's spec reporter plus a record for `npm test`'s closing summary (scripts/testResults.mjs):
//   mocha --reporter scripts/mochaResults.cjs --reporter-option runner=unit …
// A skipped test's reason is the one test/unit/helpers.ts skipBecause() put on the test, or on
// its suite when a `before` hook skipped the whole suite; a skip without one is counted as
// "no reason given", so a silent skip still shows.
'use strict';
const Mocha = require('mocha');

/** The reason skipBecause() left on a test or on one of its suites. */
function reasonOf(test) {
  for (let r = test; r; r = r.parent) if (typeof r.skipReason === 'string') return r.skipReason;
  return 'no reason given';
}

class MochaResults extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    this.runnerName = (options && options.reporterOptions && options.reporterOptions.runner) || 'mocha';
    this.reasons = [];
    this.counts = { passed: 0, failed: 0 };
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => this.counts.passed++);
    // Failed tests and failed hooks alike (a failing `before` fails its suite once).
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, () => this.counts.failed++);
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, test => this.reasons.push(reasonOf(test)));
  }

  /** Called by mocha once the run is over; it waits for `fn` (the record is written first). */
  done(failures, fn) {
    import('./testResults.mjs')
      .then(m => m.writeTestResults({
        runner: this.runnerName,
        passed: this.counts.passed,
        failed: this.counts.failed,
        skipped: this.reasons.length,
        skips: m.countReasons(this.reasons),
      }))
      .catch(err => console.error(`mochaResults: the record was not written: ${err && err.message}`))
      .then(() => fn(failures));
  }
}

module.exports = MochaResults;
