// The CLI's worker thread (dist/cliWorker.js): runs one command's work and posts stdout back.
// The main thread (main.ts) holds the deadline and the memory limit and terminates this thread
// when either is passed; here we only turn errors into replies.
import { parentPort, workerData } from 'node:worker_threads';
import { installActivityBuffer, noteActivity, readActivity } from '../core/activity';
import { isLensError } from '../core/errors';
import { UsageError } from './args';
import { runJob } from './commands';
import { runModels } from './models';
import { runNeighbours } from './neighbours';
import type { CliFailureKind, CliJob, CliReply } from './job';

/** How an error is shown: RangeErrors of allocation or recursion are resources, not bugs. */
export function failureKind(e: unknown): CliFailureKind {
  if (e instanceof UsageError) return 'usage';
  if (isLensError(e)) return 'lens';
  if (e instanceof RangeError) {
    if (/Maximum call stack size exceeded/.test(e.message)) return 'stack';
    if (/Invalid (typed )?array length|Array buffer allocation failed|Invalid string length|Invalid array buffer length/.test(e.message)) return 'memory';
  }
  return 'internal';
}

/**
 * Faults for the CLI's own tests (EMBEDDING_LENS_FAULT), so each failure path is tested on a
 * real thread whatever the core refuses by then: `throw` a bug, `exit` the thread without a
 * reply, `allocate` until the heap limit, `buffers` outside the heap, `spin` past the deadline.
 */
function injectFault(fault: string | undefined): void {
  if (fault === undefined || fault === '') return;
  noteActivity(`the test fault ${fault}`);
  switch (fault) {
    case 'throw':
      throw new TypeError('a test fault\nwith a second line');
    case 'exit':
      process.exit(3);
      break;
    case 'allocate': {
      const keep: unknown[] = [];
      for (let i = 0; ; i++) keep.push({ i, s: `row ${i}` });
    }
    case 'buffers': {
      // Memory the heap limit does not see: filled, so it is really used.
      const keep: Uint8Array[] = [];
      for (;;) keep.push(new Uint8Array(16 << 20).fill(1));
    }
    case 'spin':
      for (;;);
    default:
      throw new UsageError(`EMBEDDING_LENS_FAULT: "${fault}" is not valid, expected throw, exit, allocate, buffers or spin`);
  }
}

async function run(job: CliJob): Promise<CliReply> {
  installActivityBuffer(job.activity);
  try {
    injectFault(process.env.EMBEDDING_LENS_FAULT);
    const out = new TextEncoder().encode(await (job.command === 'neighbours' ? runNeighbours(job) : job.command === 'models' ? runModels(job) : runJob(job)));
    return { type: 'done', stdout: out };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { type: 'failed', kind: failureKind(e), message: err.message, step: readActivity(job.activity), stack: err.stack };
  }
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as CliJob).then(reply => {
    port.postMessage(reply, reply.type === 'done' ? [reply.stdout.buffer as ArrayBuffer] : []);
  });
}
