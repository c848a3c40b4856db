// A local code-server (VS Code 1.100.3 server + web workbench) on 127.0.0.1, fully offline.
// Every file it writes (config, user data, extensions, logs, even ~/.config) goes to a fresh temp
// dir that is removed when it stops. It runs in its own process group, which also holds its
// extension hosts; stop() (or an interrupted / crashed runner, see cleanup.mjs) kills that group
// by its id, never by name.
import { spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup, runToCompletion } from './cleanup.mjs';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where tests put screenshots and kept logs (gitignored). */
export const outputRoot = path.join(repoRoot, 'test-output');
/** The sample workspace the tests and `npm start` open. */
export const fixtureWorkspace = path.join(repoRoot, 'test', 'fixtures', 'workspace');

/** Installed by scripts/install-code-server.sh (CODE_SERVER_DIR, default <repo>/.code-server). */
export const codeServerBin = path.resolve(process.env.CODE_SERVER_BIN
  ?? path.join(process.env.CODE_SERVER_DIR ?? path.join(repoRoot, '.code-server'), 'node_modules', '.bin', 'code-server'));

const READY = /HTTP server listening on (http:\/\/\S+?)\/?\s/;
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/**
 * User settings for a quiet, deterministic workbench: no welcome page, tips, telemetry, update
 * checks, AI features or git scanning; hovers after 100 ms so the UI tests wait less.
 */
export const userSettings = {
  'workbench.startupEditor': 'none',
  // Pinned: the web workbench would otherwise follow Chromium's preferred colour scheme.
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'window.commandCenter': false,
  'editor.hover.delay': 100,
};

/**
 * User settings of the Workspace Trust pass: trust on, as a user has it, and never asked for, so
 * the folder stays in Restricted Mode (nothing in a fresh state dir trusts it).
 */
export const trustSettings = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
  'security.workspace.trust.untrustedFiles': 'open',
  'security.workspace.trust.emptyWindow': false,
};

/** Fails with the command to run when code-server is not installed. */
export function assertCodeServerInstalled() {
  if (!existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed at ${codeServerBin}: run \`npm run setup:code-server\``);
  }
}

/**
 * A fresh state dir: HOME, XDG dirs, code-server config, user data (with `userSettings`) and an
 * empty extensions dir, all inside one temp dir, removed by remove() or when the runner ends
 * (kept with KEEP_STATE=1). Links in it are removed, never followed.
 * @param {string} label names the temp dir, for whoever finds one left by a killed runner
 * @param {{ workspaceTrust?: boolean }} [o] workspaceTrust: Workspace Trust enabled (the server
 *   without --disable-workspace-trust, which is what makes the web workbench honour it at all, and
 *   `trustSettings`); default off, every folder trusted
 */
export function createState(label, o = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `embedding-lens-${label}-`));
  const removeNow = () => {
    if (process.env.KEEP_STATE) console.error(`state kept in ${dir} (KEEP_STATE)`);
    else rmSync(dir, { recursive: true, force: true });
  };
  const remove = onCleanup(`state dir ${dir}`, removeNow, removeNow);
  const userDir = path.join(dir, 'user-data');
  const extensionsDir = path.join(dir, 'extensions');
  mkdirSync(path.join(userDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir);
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  writeFileSync(path.join(userDir, 'User', 'settings.json'), JSON.stringify(o.workspaceTrust ? { ...userSettings, ...trustSettings } : userSettings, null, 2));
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    // No marketplace: the workbench would otherwise query open-vsx.org (fails offline, noisy).
    EXTENSIONS_GALLERY: '{}',
  };
  // code-server reads its password and a few settings from the environment: none may leak in.
  for (const name of ['PASSWORD', 'HASHED_PASSWORD', 'GITHUB_TOKEN', 'VSCODE_PROXY_URI', 'CS_DISABLE_FILE_DOWNLOADS']) delete env[name];
  const args = [
    '--config', configFile,
    '--auth', 'none',
    '--user-data-dir', userDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check',
    // The web workbench enables Workspace Trust only when the server is started without this flag.
    ...(o.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--disable-proxy',
  ];
  return { dir, extensionsDir, env, args, remove };
}

/** @typedef {ReturnType<typeof createState>} State */

/**
 * Installs a .vsix into the state's extensions dir (offline: the file only).
 * @param {State} state
 * @param {string} vsix
 */
export async function installExtension(state, vsix) {
  assertCodeServerInstalled();
  await runToCompletion(codeServerBin, [...state.args, '--install-extension', vsix, '--force'], { env: state.env, cwd: state.dir });
}

/**
 * Starts code-server on 127.0.0.1 and resolves once it listens.
 * @param {{ label: string, state?: State, port?: number }} options
 *   label: names the temp dir and the kept log; state: an existing state (e.g. with an extension
 *   installed), else a fresh one (either way stop() removes it); port: default 0: the kernel
 *   picks a free one (no race between choosing a port and binding it).
 */
export async function startCodeServer({ label, state, port = 0 }) {
  assertCodeServerInstalled();
  state ??= createState(label);
  const logFile = path.join(state.dir, 'code-server.log');
  const log = createWriteStream(logFile);
  // --ignore-last-opened: the folder comes from the URL, never from a previous session.
  const args = [...state.args, '--bind-addr', `127.0.0.1:${port}`, '--ignore-last-opened'];
  // detached: its own process group (code-server + extension hosts + their children), so one
  // kill(-pgid) stops all of it and a Ctrl+C in the terminal reaches only the runner.
  const child = spawn(codeServerBin, args, { env: state.env, cwd: state.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) {
    const err = await new Promise(resolve => child.once('error', resolve));
    throw new Error(`could not start ${codeServerBin}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const pgid = child.pid;
  let exited = child.exitCode !== null;
  const exitedPromise = new Promise(resolve => child.once('exit', (code, signal) => { exited = true; resolve({ code, signal }); }));
  child.stdout.pipe(log);
  child.stderr.pipe(log);

  let keepLog = false;
  let stopping = false;
  const stop = onCleanup(`code-server (pgid ${pgid})`, async () => {
    stopping = true;
    await killGroup(pgid, exitedPromise);
    await new Promise(resolve => log.end(resolve));
    if (keepLog) {
      const kept = keptLog(label);
      mkdirSync(outputRoot, { recursive: true });
      copyFileSync(logFile, kept);
      console.error(`code-server log kept in ${path.relative(process.cwd(), kept)}`);
    }
    await state.remove();
  }, () => {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  });

  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`code-server did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      /** @param {Buffer} chunk */
      const onData = chunk => {
        seen = (seen + chunk.toString()).slice(-4096);
        const m = READY.exec(seen);
        if (m) { clearTimeout(timer); resolve(`${m[1]}/`); }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', err => { clearTimeout(timer); reject(err); });
      void exitedPromise.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`code-server exited before listening (${signal ?? `exit ${code}`})`)); });
    });
  } catch (err) {
    // Stopped while starting (Ctrl+C): nothing went wrong with the server itself.
    keepLog = !stopping;
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}; the end of its log:${tail(keptLog(label))}`);
  }

  const authority = new URL(url).host;
  return {
    /** http://127.0.0.1:PORT/ */
    url,
    /** "127.0.0.1:PORT", the authority of vscode-remote:// URIs */
    authority,
    pgid,
    state,
    logFile,
    /** True once the server process has exited (for whatever reason). */
    get exited() { return exited; },
    /** True once stop() (or the runner's cleanup on a signal) has begun: an exit is expected. */
    get stopping() { return stopping; },
    /** Resolves when the server process exits, expected or not. */
    exitedPromise,
    /**
     * The workbench URL for a folder, optionally with a test/development payload.
     * @param {{ folder?: string, payload?: [string, string][] }} [o]
     */
    workbenchUrl(o = {}) {
      const q = new URLSearchParams();
      if (o.folder) q.set('folder', path.resolve(o.folder));
      else q.set('ew', 'true');
      if (o.payload) q.set('payload', JSON.stringify(o.payload));
      return `${url}?${q}`;
    },
    /** A vscode-remote:// URI for a path on this server. @param {string} p */
    remoteUri(p) { return `vscode-remote://${authority}${path.resolve(p)}`; },
    /**
     * Kills the process group and removes the state dir.
     * @param {{ keepLog?: boolean }} [o] keepLog: copy the server log to test-output/ first
     */
    async stop(o = {}) {
      keepLog ||= Boolean(o.keepLog);
      await stop();
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startCodeServer>>} CodeServer */

/** Where a failed run's server log is kept. @param {string} label */
function keptLog(label) {
  return path.join(outputRoot, `${label}-code-server.log`);
}

/**
 * SIGTERM to the group, then SIGKILL to whatever is left of it after a grace period.
 * @param {number} pgid
 * @param {Promise<unknown>} leaderExited
 */
async function killGroup(pgid, leaderExited) {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + STOP_GRACE_MS;
  await Promise.race([leaderExited, sleep(STOP_GRACE_MS)]);
  // The leader may be gone while extension hosts of its group still run: wait for the group.
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) {
    signalGroup(pgid, 'SIGKILL');
    for (let i = 0; i < 20 && groupAlive(pgid); i++) await sleep(100);
  }
}

/** @param {number} pgid @param {NodeJS.Signals | 0} signal @returns {boolean} whether the group existed */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** @param {number} pgid */
export function groupAlive(pgid) {
  return signalGroup(pgid, 0);
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The last lines of a log, for an error message. @param {string} file */
function tail(file) {
  try {
    return '\n' + readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
