// Teardown that also runs when the runner is interrupted or crashes, so no code-server, Chromium,
// helper process or temp dir outlives it. Each resource registers its own teardown right after
// it is created; teardowns run once, newest first.
//
// On SIGINT/SIGTERM/SIGHUP, an uncaught exception or an unhandled rejection: run every teardown,
// then exit (130 / 143 / 129 / 1). On a plain `process.exit`, only the synchronous part can run:
// each teardown may give a `sync` fallback (kill a process group), which is all `exit` allows.
// A long-running command (npm start) also calls stopWithParent(): the same shutdown when whoever
// started it goes away.
import { spawn, spawnSync } from 'node:child_process';
import { fstatSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** @typedef {{ name: string, run: () => Promise<void> }} Teardown */

/** @type {Teardown[]} */
const teardowns = [];
/** Sync fallbacks of the teardowns not finished yet (registered or running). @type {Set<() => void>} */
const syncFallbacks = new Set();
let installed = false;
let shuttingDown = false;

/**
 * Registers a teardown; returns a function that runs it now (once) and unregisters it.
 * @param {string} name shown if the teardown itself fails
 * @param {() => Promise<void> | void} run
 * @param {() => void} [sync] best-effort synchronous fallback for `process.on('exit')`
 * @returns {() => Promise<void>}
 */
export function onCleanup(name, run, sync) {
  installHandlers();
  /** @type {Promise<void> | undefined} */
  let done;
  /** @type {Teardown} */
  const t = {
    name,
    // Whoever comes first (the owner, or a shutdown) runs it; the other waits for the same run.
    run: () => {
      done ??= (async () => {
        const i = teardowns.indexOf(t);
        if (i >= 0) teardowns.splice(i, 1);
        await run();
        if (sync) syncFallbacks.delete(sync);
      })();
      return done;
    },
  };
  teardowns.push(t);
  if (sync) syncFallbacks.add(sync);
  return t.run;
}

/** @type {Promise<void> | undefined} */
let cleaning;

/** Runs every registered teardown, newest first; a failing one is reported and the rest still run. */
export function cleanupAll() {
  cleaning ??= (async () => {
    while (teardowns.length > 0) {
      const t = /** @type {Teardown} */ (teardowns[teardowns.length - 1]);
      try {
        await t.run();
      } catch (err) {
        console.error(`cleanup: ${t.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })().finally(() => { cleaning = undefined; });
  return cleaning;
}

/** True once a signal or an uncaught error started the shutdown: errors after that are its echo. */
export function isShuttingDown() {
  return shuttingDown;
}

/**
 * Exits with `code` after running every teardown; during a shutdown, leaves the exit (and its
 * 130 / 143 / 1) to the shutdown.
 * @param {number} code
 * @returns {Promise<never>}
 */
export async function exitAfterCleanup(code) {
  await cleanupAll();
  if (shuttingDown) return new Promise(() => {});
  process.exit(code);
}

/**
 * Runs every teardown, then exits with `code`; a second signal during it exits at once.
 * @param {number} code
 * @param {string} why
 */
function shutdown(code, why) {
  if (shuttingDown) {
    // A second Ctrl+C: exit now; the exit handler still kills the process groups.
    if (/^(interrupted|terminated|hung up)/.test(why)) process.exit(code);
    return;
  }
  shuttingDown = true;
  console.error(`\n${why}: stopping what this run started`);
  // A hung teardown must not keep the runner alive either.
  setTimeout(() => process.exit(code), 15_000).unref();
  void cleanupAll().finally(() => process.exit(code));
}

function installHandlers() {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => shutdown(130, 'interrupted (SIGINT)'));
  process.on('SIGTERM', () => shutdown(143, 'terminated (SIGTERM)'));
  // A closed terminal, or `kill -HUP` from a process manager.
  process.on('SIGHUP', () => shutdown(129, 'hung up (SIGHUP)'));
  process.on('uncaughtException', err => {
    console.error(err);
    shutdown(1, 'uncaught exception');
  });
  process.on('unhandledRejection', err => {
    console.error(err);
    shutdown(1, 'unhandled rejection');
  });
  process.on('exit', () => {
    for (const sync of [...syncFallbacks].reverse()) {
      try {
        sync();
      } catch {
        // Exiting anyway; nothing more can be done synchronously.
      }
    }
  });
}

/**
 * Runs a command to completion in its own process group, which a shutdown kills (a Ctrl+C
 * during `spawnSync` would leave the child running). Rejects on a non-zero exit, with its output.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [o]
 * @returns {Promise<string>} what it printed
 */
export async function runToCompletion(cmd, args, o = {}) {
  const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = /** @type {number} */ (child.pid);
  const kill = () => { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } };
  /** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} */
  const exited = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const stop = onCleanup(`${path.basename(cmd)} (pgid ${pgid})`, async () => {
    kill();
    await exited.catch(() => {});
  }, kill);
  let out = '';
  child.stdout.on('data', d => { out += d; });
  child.stderr.on('data', d => { out += d; });
  const timer = setTimeout(kill, o.timeoutMs ?? 120_000);
  try {
    const { code, signal } = await exited;
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${out}`);
    return out;
  } finally {
    clearTimeout(timer);
    await stop();
  }
}

/**
 * Shuts down (every teardown, then exit 129) when whoever started this process is gone, even
 * though no signal reached it. npm forwards SIGTERM/SIGINT to the script's process, but dies of
 * SIGHUP without forwarding it; and when the script runs under `sh -c` (no `exec` in the npm
 * script), the shell takes the forwarded signal (dying of SIGTERM, leaving its child running;
 * deferring SIGINT until its child exits). So this polls for the parent having exited and, when
 * the parent is a shell under npm, for npm having exited; and when stdin is a pipe or a socket
 * (a parent process holds the other end), its end counts as the parent's goodbye. A terminal or
 * /dev/null as stdin is not watched: a terminal that closes sends SIGHUP, and /dev/null ends at once.
 * @param {number} [everyMs] how often to look at the parent
 */
export function stopWithParent(everyMs = 500) {
  installHandlers();
  const parent = process.ppid;
  // npm sets npm_lifecycle_event for the script; a shell between them has npm as its parent.
  const npm = process.env.npm_lifecycle_event && isShell(parent) ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    let gone;
    if (process.ppid !== parent) gone = `its parent (pid ${parent}) exited`;
    else if (npm !== undefined && npm > 1 && !alive(npm)) gone = `npm (pid ${npm}) exited`;
    if (gone) {
      clearInterval(timer);
      shutdown(129, `parent gone (${gone})`);
    }
  }, everyMs);
  timer.unref();

  /** @type {import('node:fs').Stats | undefined} */
  let stdin;
  try {
    stdin = fstatSync(0);
  } catch {
    // no stdin at all
  }
  if (stdin && (stdin.isFIFO() || stdin.isSocket())) {
    process.stdin.on('data', () => { /* read and dropped: only its end matters */ });
    process.stdin.once('end', () => shutdown(129, 'parent gone (stdin closed)'));
    process.stdin.once('error', () => shutdown(129, 'parent gone (stdin failed)'));
  }
}

/** The parent pid of another process, where the system says (Linux /proc, else `ps`). @param {number} pid */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) return ppid;
  } catch {
    // no /proc (macOS): ask ps
  }
  const r = spawnSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' });
  const ppid = Number(r.stdout?.trim());
  return r.status === 0 && Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** Whether a process is a POSIX shell (by its command name). @param {number} pid */
function isShell(pid) {
  let name;
  try {
    name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    name = spawnSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).stdout?.trim() ?? '';
  }
  return /^-?(sh|dash|bash|zsh|ash|ksh)$/.test(path.basename(name));
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}
