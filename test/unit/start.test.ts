// `npm start` (scripts/start.mjs) as a process manager, `timeout` or a closed pipe stops it: a real
// npm, a real code-server, signals to npm's pid only, then /proc says what is left. Needs
// code-server (npm run setup:code-server; CODE_SERVER_DIR, default <repo>/.code-server) and Linux's
// /proc. Run by `npm run test:start` (part of `npm test`, after setup:code-server).
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers';

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot: a reused pid has another. */
  start: string;
}

/** Every process /proc shows now, by pid. */
function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp session … starttime(22nd)": comm may hold spaces.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      all.set(Number(name), { pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]), start: f[19]! });
    } catch {
      // exited meanwhile
    }
  }
  return all;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

/** `root` and every process below it. */
function tree(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    const p = all.get(pid);
    if (p) found.push(p);
    for (const c of all.values()) if (c.ppid === pid) todo.push(c.pid);
  }
  return found;
}

/** The processes of `seen` still running (same pid and start time), and any other in their groups. */
function survivors(seen: Proc[]): Proc[] {
  const groups = new Set(seen.map(p => p.pgid));
  const now = processes();
  return [...now.values()].filter(p => groups.has(p.pgid) || seen.some(s => s.pid === p.pid && s.start === p.start));
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

describe('npm start stops with its parent', function () {
  // code-server takes a few seconds to listen on a quiet machine, many more on a loaded one.
  this.timeout(180_000);
  const csDir = process.env.CODE_SERVER_DIR ?? path.join(repoRoot(), '.code-server');
  let npm: ChildProcess | undefined;
  let seen: Proc[] = [];
  let stateDir: string | undefined;

  before(function () {
    if (process.platform !== 'linux') {
      console.log('    skipped: the start tests read /proc (Linux only)');
      this.skip();
    }
    assert.ok(existsSync(path.join(csDir, 'node_modules', '.bin', 'code-server')), `code-server is not installed in ${csDir}: run \`npm run setup:code-server\` (or set CODE_SERVER_DIR)`);
    assert.ok(existsSync(path.join(repoRoot(), 'dist', 'extension.js')), 'dist/extension.js is missing: run `npm run build`');
  });

  afterEach(() => {
    // A failed case must not leave a server behind: its groups, by id.
    for (const pgid of new Set(survivors(seen).map(p => p.pgid))) {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    }
    // …nor its state dir, which only start.mjs's own cleanup removes.
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    seen = [];
    stateDir = undefined;
    npm = undefined;
  });

  /** Starts `npm start` in its own process group; resolves with what runs once it printed the URL. */
  async function start(stdin: 'ignore' | 'pipe'): Promise<{ npm: ChildProcess; running: Proc[]; stateDir: string }> {
    npm = spawn('npm', ['start', '--', '--no-build', '--code-server', '--port', '0'], {
      cwd: repoRoot(),
      env: { ...process.env, CODE_SERVER_DIR: csDir, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      detached: true,
      stdio: [stdin, 'pipe', 'pipe'],
    });
    const child = npm;
    let out = '';
    child.stdout!.on('data', d => { out += d; });
    child.stderr!.on('data', d => { out += d; });
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
    const deadline = Date.now() + 150_000;
    while (!/http:\/\/127\.0\.0\.1:\d+\/\?folder=/.test(out)) {
      if (child.exitCode !== null || child.signalCode !== null) assert.fail(`npm start exited before printing the URL:\n${out}`);
      if (Date.now() > deadline) assert.fail(`npm start printed no URL:\n${out}`);
      await Promise.race([exited, sleep(200)]);
    }
    const running = tree(child.pid!);
    seen = running;
    const server = running.find(p => /code-server/.test(cmdline(p.pid)) && /--user-data-dir/.test(cmdline(p.pid)));
    assert.ok(server, `no code-server below npm (pid ${child.pid}):\n${running.map(p => `${p.pid} ${cmdline(p.pid)}`).join('\n')}`);
    assert.ok(running.some(p => p.pgid !== child.pid), 'code-server runs in npm\'s group: this test would not see a group left behind');
    stateDir = path.dirname(/--user-data-dir (\S+)/.exec(cmdline(server.pid))![1]!);
    return { npm: child, running, stateDir };
  }

  /** Waits (a generous deadline, not a timing claim) until nothing of `running` is left. */
  async function assertAllGone(running: Proc[], stateDir: string, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    let left = survivors(running);
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(250);
      left = survivors(running);
    }
    assert.deepEqual(left.map(p => `${p.pid} (group ${p.pgid}) ${cmdline(p.pid)}`), [], `${what}: processes left running`);
    assert.equal(existsSync(stateDir), false, `${what}: the state dir ${stateDir} is left`);
  }

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const) {
    // Would catch: npm forwarding SIGTERM/SIGINT to a `sh -c` that dies of it or defers it
    // (start.mjs and code-server left running), or npm dying of SIGHUP (not forwarded) or
    // SIGKILL (nothing can be) while start.mjs runs on, reparented.
    it(`${signal} to npm's pid stops start.mjs and code-server's whole group`, async () => {
      const { npm, running, stateDir } = await start('ignore');
      process.kill(npm.pid!, signal);
      await assertAllGone(running, stateDir, `after ${signal} to npm`);
    });
  }

  // Would catch: a parent that closes the pipe it started npm with (and then may be gone) leaving
  // the server running.
  it('closing npm\'s stdin (a pipe) stops it all', async () => {
    const { npm, running, stateDir } = await start('pipe');
    npm.stdin!.end();
    await assertAllGone(running, stateDir, 'after closing stdin');
  });
});
