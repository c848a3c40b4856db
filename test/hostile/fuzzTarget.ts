// The fuzzer's worker thread: loads a (mutated) model folder with the real core, in-process,
// and reports how it ended. Bundled by test/hostile/fuzz.mjs into dist/hostile/fuzzTarget.js.
// A LensError or a success is fine; anything else thrown is a finding, reported with its stack.
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
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

const assetsDir: string = (workerData as { assetsDir?: string } | undefined)?.assetsDir ?? path.join(process.cwd(), 'assets');

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

parentPort!.on('message', (job: FuzzJob) => {
  run(job).then(
    () => parentPort!.postMessage({ iteration: job.iteration, kind: 'ok' } satisfies FuzzOutcome),
    (e: unknown) => {
      if (isLensError(e)) {
        parentPort!.postMessage({ iteration: job.iteration, kind: 'lens', message: e.message.slice(0, 500) } satisfies FuzzOutcome);
        return;
      }
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort!.postMessage({ iteration: job.iteration, kind: 'exception', message: `${err.name}: ${err.message}`.slice(0, 500), stack: String(err.stack).slice(0, 2000) } satisfies FuzzOutcome);
    },
  );
});
