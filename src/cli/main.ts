// The CLI's main thread (dist/cli.js): parses the arguments, reads the text, and runs the
// command's work on a worker thread (dist/cliWorker.js) under a deadline and a memory limit,
// so that no input can make the command hang or abort the process: each ends in one line.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ACTIVITY_BYTES, readActivity } from '../core/activity';
import { LIMITS } from '../core/limits';
import { parseArgs, parseNumber, UsageError, type OptionSpec, type ParsedArgs } from './args';
import { checkTextLength, readStdin, readTextFile } from './input';
import type { CliJob, CliReply } from './job';
import { checkModelsArgs, MODELS_OPTIONS, MODELS_USAGE } from './models';
import { NEIGHBOURS_OPTIONS, NEIGHBOURS_USAGE, neighboursQuery } from './neighbours';
import { INSPECT_OPTIONS, INSPECT_USAGE, TIMEOUT_SPEC, TOKENIZE_OPTIONS, TOKENIZE_USAGE, USAGE } from './options';

/** The worker's old-generation heap, MB: past it the work ends as "ran out of memory", not an abort. */
export const WORKER_HEAP_MB = 4096;
/** Memory the process may use beyond the worker's heap limit (Buffers, ArrayBuffers, the main thread), MB. */
export const RSS_HEADROOM_MB = 2048;
const RSS_POLL_MS = 50;
/** How long a terminated worker thread may take to stop before the process is killed instead. */
const TERMINATE_GRACE_MS = 2000;
/** Environment variables: the deadline (for harnesses that cannot change the arguments), a lower heap (for tests), stacks. */
const ENV_TIMEOUT = 'EMBEDDING_LENS_TIMEOUT';
const ENV_HEAP = 'EMBEDDING_LENS_HEAP_MB';
const ENV_DEBUG = 'EMBEDDING_LENS_DEBUG';

/** The folder with models/glove-100d: beside dist/ in the package, or EMBEDDING_LENS_ASSETS. */
function assetsDir(): string {
  return process.env.EMBEDDING_LENS_ASSETS ?? path.join(__dirname, '..', 'assets');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no "version"');
  return pkg.version;
}

/** A failure already worded for the user (the worker's LensErrors, timeouts, memory). */
class CliFailure extends Error {
  constructor(
    message: string,
    readonly stack2?: string,
  ) {
    super(message);
  }
}

interface Deadline {
  readonly seconds: number;
  /** Who set it, for the message: the flag or the environment variable. */
  readonly from: string;
}

function deadlineOf(options: Map<string, unknown>): Deadline {
  if (options.has('timeout')) return { seconds: options.get('timeout') as number, from: '--timeout' };
  const env = process.env[ENV_TIMEOUT];
  if (env !== undefined && env !== '') return { seconds: parseNumber(`the environment variable ${ENV_TIMEOUT}`, env, TIMEOUT_SPEC), from: ENV_TIMEOUT };
  return { seconds: LIMITS.requestSeconds, from: 'default' };
}

function heapMb(): number {
  const env = process.env[ENV_HEAP];
  if (env === undefined || env === '') return WORKER_HEAP_MB;
  return parseNumber(`the environment variable ${ENV_HEAP}`, env, { kind: 'int', min: 16, max: 65_536 });
}

/** "the deadline; raise it with --timeout", naming where the deadline came from. */
function deadlineNote(d: Deadline): string {
  if (d.from === ENV_TIMEOUT) return `the deadline set by ${ENV_TIMEOUT}; raise it there or with --timeout`;
  return `the deadline; raise it with --timeout`;
}

function seconds(s: number): string {
  return `${Number(s.toFixed(3))} s`;
}

/**
 * Runs `job` on a worker thread; resolves to its stdout. Rejects with a CliFailure when the
 * deadline passes (the thread is terminated), the heap limit is reached, or the work fails.
 */
function runInWorker(job: Omit<CliJob, 'activity'>, deadline: Deadline, heap: number, started: number): Promise<Uint8Array> {
  const activity = new SharedArrayBuffer(ACTIVITY_BYTES);
  const step = (): string => readActivity(activity) ?? 'starting the worker thread';
  const file = path.join(__dirname, 'cliWorker.js');
  if (!existsSync(file)) return Promise.reject(new UsageError(`${file} is missing; run \`npm run build\` first`));
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const worker = new Worker(file, {
      workerData: { ...job, activity } satisfies CliJob,
      resourceLimits: { maxOldGenerationSizeMb: heap },
      stdout: false,
      stderr: false,
    });
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watch);
      f();
    };
    /** Stops the thread after a failure of ours (deadline, memory) with `message`. */
    const stop = (message: string): void => {
      finish(() => reject(new CliFailure(message)));
      // A thread blocked in a system call (an open() of a FIFO no one writes to, a dead network
      // mount) cannot be terminated, and node's exit joins it, so the process would hang after
      // the message. If the thread has not stopped after a grace period, end the process.
      const grace = setTimeout(() => process.kill(process.pid, 'SIGKILL'), TERMINATE_GRACE_MS);
      worker.once('exit', () => clearTimeout(grace));
      void worker.terminate();
    };
    const left = Math.max(0, deadline.seconds * 1000 - (Date.now() - started));
    const timer = setTimeout(() => stop(`timed out after ${seconds(deadline.seconds)} during: ${step()} (${deadlineNote(deadline)})`), left);
    // The heap limit does not cover Buffers and ArrayBuffers (a device read whole, a huge
    // tensor): watch the whole process too, so they end here and not in the system's OOM killer.
    const rssLimit = heap + RSS_HEADROOM_MB;
    const watch = setInterval(() => {
      if (process.memoryUsage.rss() > rssLimit * 2 ** 20) stop(`ran out of memory (process memory over ${rssLimit} MB) during: ${step()}`);
    }, RSS_POLL_MS);
    worker.on('message', (reply: CliReply) => {
      finish(() => {
        if (reply.type === 'done') resolve(reply.stdout);
        else reject(failureOf(reply));
      });
      void worker.terminate();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const what = step();
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') finish(() => reject(new CliFailure(`ran out of memory (limit ${heap} MB) during: ${what}`)));
      else finish(() => reject(new CliFailure(internalText(e.message), e.stack)));
    });
    worker.on('exit', code => {
      finish(() => reject(new CliFailure(internalText(`the worker thread exited (code ${code}) without a result during: ${step()}`))));
    });
  });
}

function internalText(message: string): string {
  return `internal error: ${message.replace(/\s*\n\s*/g, ' ')} (please report; run with ${ENV_DEBUG}=1 for the stack)`;
}

function failureOf(r: Extract<CliReply, { type: 'failed' }>): CliFailure {
  const during = r.step ? ` during: ${r.step}` : '';
  switch (r.kind) {
    case 'usage':
    case 'lens':
      return new CliFailure(r.message, r.stack);
    case 'memory':
      return new CliFailure(`ran out of memory${during} (${r.message})`, r.stack);
    case 'stack':
      return new CliFailure(`ran out of stack${during} (${r.message}; please report, with the input)`, r.stack);
    case 'internal':
      return new CliFailure(internalText(r.message), r.stack);
  }
}

async function readInput(positional: readonly string[], file: string | undefined): Promise<string> {
  if (file !== undefined) {
    if (positional.length) throw new UsageError('give the text either as an argument or with --file, not both');
    return readTextFile(file);
  }
  if (positional.length > 1) throw new UsageError(`expected one TEXT argument, got ${positional.length} (quote the text)`);
  if (positional.length === 1) {
    checkTextLength(positional[0]!, 'the TEXT argument');
    return positional[0]!;
  }
  if (process.stdin.isTTY) throw new UsageError('no text: give TEXT, --file PATH, or pipe text on stdin');
  return readStdin(process.stdin);
}

/** True when argv asks for help before `--` (`inspect --model m -h` too). */
function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** Checks what can be checked before any work: combinations and the --explain span. */
function checkCombinations(command: 'inspect' | 'tokenize', o: Map<string, unknown>, text: string): void {
  if (command !== 'tokenize') return;
  const explain = o.get('explain') as string | undefined;
  if (explain !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(explain);
    if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > text.length) {
      throw new UsageError(`--explain: "${explain}" is not a span of the text, expected START:END with 0 <= START <= END <= ${text.length}`);
    }
  }
}

async function command(name: 'inspect' | 'tokenize', argv: readonly string[], specs: readonly OptionSpec[]): Promise<void> {
  const started = Date.now();
  const { positional, options, lists } = parseArgs(argv, specs);
  const compare = name === 'tokenize' ? compareSides(options, lists) : undefined;
  if (name === 'tokenize' && options.has('tokenizer') && options.has('model')) throw new UsageError('give --tokenizer or --model, not both: tokenize reads one tokenizer (to look up --model\'s rows with --tokenizer\'s ids run `embedding-lens inspect --model M --tokenizer T`; to set the two tokenizations side by side give two --tokenizer or two --model)');
  const deadline = deadlineOf(options);
  const heap = heapMb();
  // Reading stdin can wait forever on a pipe nobody closes: the deadline covers it too.
  const file = options.get('file') as string | undefined;
  const reading = file !== undefined ? `reading --file ${file}` : positional.length ? 'reading the TEXT argument' : 'reading stdin';
  let timer: NodeJS.Timeout | undefined;
  const text = await Promise.race([
    readInput(positional, file),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        process.stdin.destroy();
        reject(new CliFailure(`timed out after ${seconds(deadline.seconds)} during: ${reading} (${deadlineNote(deadline)})`));
      }, deadline.seconds * 1000);
    }),
  ]).finally(() => clearTimeout(timer));
  checkCombinations(name, options, text);
  const stdout = await runInWorker({ command: name, options, text, assetsDir: assetsDir(), compare }, deadline, heap, started);
  await new Promise<void>((resolve, reject) => process.stdout.write(stdout, e => (e ? reject(e) : resolve())));
}

/** tokenize's two sides when --tokenizer or --model is given twice; undefined for one tokenizer. */
function compareSides(options: ParsedArgs['options'], lists: ParsedArgs['lists']): CliJob['compare'] {
  const tokenizers = lists.get('tokenizer') ?? [];
  const models = lists.get('model') ?? [];
  if (tokenizers.length < 2 && models.length < 2) return undefined;
  if (tokenizers.length && models.length) throw new UsageError('to compare, give two --tokenizer or two --model, not one of each');
  if (options.has('explain')) throw new UsageError('--explain: give one --tokenizer or --model to explain, not two');
  const option = tokenizers.length ? 'tokenizer' : 'model';
  const [a, b] = tokenizers.length ? tokenizers : models;
  return [
    { option, spec: a! },
    { option, spec: b! },
  ];
}

/** `neighbours`: no text to read; WORD or --id is checked here, the work runs on the worker. */
async function neighbours(argv: readonly string[]): Promise<void> {
  const started = Date.now();
  const { positional, options } = parseArgs(argv, NEIGHBOURS_OPTIONS);
  const word = neighboursQuery(positional, options);
  const stdout = await runInWorker({ command: 'neighbours', options, text: word, assetsDir: assetsDir() }, deadlineOf(options), heapMb(), started);
  await new Promise<void>((resolve, reject) => process.stdout.write(stdout, e => (e ? reject(e) : resolve())));
}

/** `models`: no text; discovery runs on the worker, under the deadline (a dead network mount cannot hang it). */
async function models(argv: readonly string[]): Promise<void> {
  const started = Date.now();
  const { positional, options, lists } = parseArgs(argv, MODELS_OPTIONS);
  checkModelsArgs(positional);
  const folders = (lists.get('folder') ?? []).map(f => path.resolve(f));
  const stdout = await runInWorker({ command: 'models', options, text: '', assetsDir: assetsDir(), folders }, deadlineOf(options), heapMb(), started);
  await new Promise<void>((resolve, reject) => process.stdout.write(stdout, e => (e ? reject(e) : resolve())));
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // A closed stdout (`| head`) fails the write below; without a listener it would also crash.
  process.stdout.on('error', () => undefined);
  try {
    switch (name) {
      case 'inspect':
      case 'tokenize':
        if (wantsHelp(rest)) {
          process.stdout.write((name === 'inspect' ? INSPECT_USAGE : TOKENIZE_USAGE) + '\n');
          return 0;
        }
        await command(name, rest, name === 'inspect' ? INSPECT_OPTIONS : TOKENIZE_OPTIONS);
        return 0;
      case 'neighbours':
        if (wantsHelp(rest)) {
          process.stdout.write(NEIGHBOURS_USAGE + '\n');
          return 0;
        }
        await neighbours(rest);
        return 0;
      case 'models':
        if (wantsHelp(rest)) {
          process.stdout.write(MODELS_USAGE + '\n');
          return 0;
        }
        await models(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = name === 'help' ? rest[0] : undefined;
        if (topic !== undefined && topic !== 'inspect' && topic !== 'tokenize' && topic !== 'neighbours' && topic !== 'models') throw new UsageError(`help: unknown command "${topic}", expected inspect, tokenize, neighbours or models`);
        process.stdout.write((topic === 'inspect' ? INSPECT_USAGE : topic === 'tokenize' ? TOKENIZE_USAGE : topic === 'neighbours' ? NEIGHBOURS_USAGE : topic === 'models' ? MODELS_USAGE : USAGE) + '\n');
        return name === undefined ? 1 : 0;
      }
      case '--version':
      case '-V':
        process.stdout.write(`embedding-lens ${version()}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${name}", expected inspect, tokenize, neighbours or models (see embedding-lens --help)`);
    }
  } catch (e) {
    const debug = process.env[ENV_DEBUG] === '1';
    let line: string;
    let stack: string | undefined;
    if (e instanceof UsageError || e instanceof CliFailure) {
      line = e.message;
      stack = e instanceof CliFailure ? e.stack2 : e.stack;
    } else if ((e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') {
      return 1; // stdout was closed (`| head`): nothing left to tell
    } else {
      line = internalText(e instanceof Error ? e.message : String(e));
      stack = e instanceof Error ? e.stack : undefined;
    }
    process.stderr.write(`embedding-lens: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
    if (debug && stack) process.stderr.write(stack + '\n');
    return 1;
  }
}

// `node dist/cli.js …` runs it directly; bin/embedding-lens.js calls main() itself.
if (require.main === module) {
  void main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  });
}
