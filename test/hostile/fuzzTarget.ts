// The fuzzer's worker: a child process (forked with a heap limit) that loads (mutated) model
// folders with the real core and reports how each ended, over IPC. Bundled by
// test/hostile/fuzz.mjs into dist/hostile/fuzzTarget.js. A LensError or a success is fine;
// anything else thrown is a finding, reported with its stack.
//
// A process, not a worker thread: a worker past its resourceLimits can hit V8's fatal
// "last resort" OOM, which takes the whole process (the fuzzer with it) down; a child that dies
// is just replaced.
import * as path from 'node:path';
import { isLensError } from '../../src/core/errors';
import { loadModel, loadTokenizerSpec } from '../../src/core/model/loadModel';
import { nodeFiles } from '../../src/core/nodeFiles';
import { inspectText } from '../../src/core/pipeline';

/** One job from the main thread. */
export interface FuzzJob {
  readonly iteration: number;
  /** `inspect`: loadModel + inspectText; `tokenize`: the tokenizer alone (+ explain). */
  readonly mode: 'inspect' | 'tokenize';
  /** Absolute path given as --model / --tokenizer. */
  readonly spec: string;
  readonly text: string;
}

/** How a job ended. */
export type FuzzOutcome =
  | { readonly iteration: number; readonly kind: 'ok' }
  | { readonly iteration: number; readonly kind: 'lens'; readonly message: string }
  | { readonly iteration: number; readonly kind: 'exception'; readonly message: string; readonly stack: string };

const assetsDir: string = process.env.EMBEDDING_LENS_ASSETS ?? path.join(process.cwd(), 'assets');

function reply(outcome: FuzzOutcome): void {
  process.send!(outcome);
}

async function run(job: FuzzJob): Promise<void> {
  const ctx = { files: nodeFiles, assetsDir };
  if (job.mode === 'tokenize') {
    const tokenizer = await loadTokenizerSpec(ctx, job.spec);
    const tokens = tokenizer.encode(job.text);
    tokenizer.addSpecialTokens(tokens, job.text);
    if (tokenizer.explain && job.text.length > 0) tokenizer.explain(job.text, 0, job.text.length);
    return;
  }
  const model = await loadModel(ctx, job.spec);
  await inspectText(model, job.text, { keepGates: true });
}

process.on('message', (job: FuzzJob) => {
  run(job).then(
    () => reply({ iteration: job.iteration, kind: 'ok' }),
    (e: unknown) => {
      if (isLensError(e)) {
        reply({ iteration: job.iteration, kind: 'lens', message: e.message.slice(0, 500) });
        return;
      }
      const err = e instanceof Error ? e : new Error(String(e));
      reply({ iteration: job.iteration, kind: 'exception', message: `${err.name}: ${err.message}`.slice(0, 500), stack: String(err.stack).slice(0, 2000) });
    },
  );
});
