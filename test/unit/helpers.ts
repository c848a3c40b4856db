import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { FileAccess, FileStat } from '../../src/core/fileAccess';

/** The repository root (the folder with package.json), found from the running bundle. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repoRoot: no package.json above ' + __dirname);
    dir = up;
  }
  return dir;
}

/** A path under test/fixtures. */
export function fixture(...parts: string[]): string {
  return path.join(repoRoot(), 'test', 'fixtures', ...parts);
}

/**
 * Asserts |actual[i] - expected[i]| <= atol + rtol * |expected[i]| for every i, and equal
 * lengths. The failure names the first bad index and the largest difference.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  { atol = 1e-5, rtol = 0 }: { atol?: number; rtol?: number } = {},
): number {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  let worst = 0;
  let firstBad = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const d = Math.abs(a - e);
    const ok = d <= atol + rtol * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e)) || a === e;
    if (!ok && firstBad < 0) firstBad = i;
    if (d > worst || Number.isNaN(d)) worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  if (firstBad >= 0) {
    assert.fail(`${what}: first mismatch at index ${firstBad}: ${actual[firstBad]} vs expected ${expected[firstBad]} (largest |Δ| ${worst}, atol ${atol}, rtol ${rtol})`);
  }
  return worst;
}

/** Nested number arrays flattened row-major. */
export function flat(nested: readonly (readonly number[])[]): number[] {
  return nested.flatMap(r => [...r]);
}

/** Runs `fn` and returns the LensError-like error it throws (fails when it does not throw). */
export async function rejection(fn: () => unknown): Promise<Error & { reason?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { reason?: string };
  }
  assert.fail('expected an error, none was thrown');
}

/** A FileAccess over in-memory files (for round trips without temp files). Paths are posix. */
export function memoryFiles(contents: Record<string, Uint8Array>): FileAccess {
  const get = (path: string): Uint8Array => {
    const bytes = contents[path];
    if (!bytes) throw new Error(`${path}: no such file`);
    return bytes;
  };
  return {
    async stat(path): Promise<FileStat | undefined> {
      const bytes = contents[path];
      return bytes && { size: bytes.length, mtimeMs: 0, isDirectory: false };
    },
    async readRanges(path, ranges) {
      const bytes = get(path);
      return ranges.map(r => bytes.slice(r.offset, r.offset + r.length));
    },
    async readAll(path) {
      return get(path).slice();
    },
    async list() {
      return Object.keys(contents);
    },
    join: (...parts) => parts.join('/'),
    basename: path => path.slice(path.lastIndexOf('/') + 1),
    dirname: path => path.slice(0, Math.max(0, path.lastIndexOf('/'))),
  };
}

/**
 * Skips the running test, or from a `before` hook its whole suite, for a missing dependency, and
 * says so: a `skipped: REASON` line now, and through scripts/mochaResults.cjs the reason in the
 * summary that closes `npm test`. Start the reason with what is missing: "no torch: …".
 */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  console.warn(`skipped: ${reason}`);
  const running = ctx.test;
  // A hook's skip marks its suite's tests pending: the reason goes on the suite they share.
  const holder: object | undefined = (running as Partial<Mocha.Hook> | undefined)?.type === 'hook' ? running?.parent : running;
  if (holder) Object.assign(holder, { skipReason: reason });
  ctx.skip();
}

/** What a run of the real CLI printed. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node bin/embedding-lens.js ARGS`) as a user would, with extra environment variables. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'embedding-lens.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI's stdout, after checking it exited 0 with nothing on stderr. */
export function cliOk(args: readonly string[]): string {
  const r = runCli(args);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}
