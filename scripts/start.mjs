// `npm start`: builds, then opens a real VS Code with Embedding Lens loaded straight from this
// folder (no packaging) on the sample workspace.
//
// - A desktop VS Code (`code` on PATH): `code --extensionDevelopmentPath=<repo> <workspace>`.
// - Otherwise code-server (installed into .code-server/ on first use), serving the workbench on
//   127.0.0.1 until Ctrl+C; open the printed URL in a browser. The extension is this folder,
//   linked into a fresh extensions dir. (A `payload` URL with extensionDevelopmentPath works too,
//   but code-server then ignores the user settings and the icon theme: a bare, light workbench.)
//
// Usage: node scripts/start.mjs [--no-build] [--code-server] [--port N]
//   --code-server  use code-server even when `code` exists;  --port N  listen on N (default: a free port)
// After a rebuild (npm run build), "Developer: Reload Window" in the workbench loads the new bundles.
//
// Stopping: Ctrl+C, SIGTERM/SIGINT/SIGHUP to this process or to the `npm` that runs it, npm
// exiting, or the end of stdin when stdin is a pipe (a parent process holds the other end; run
// `npm start < /dev/null` to keep a server whose stdin a pipe would close): each stops
// code-server's whole process group and removes the state dir (test/e2e/cleanup.mjs,
// stopWithParent). package.json runs this with `exec`: npm forwards SIGTERM/SIGINT to its
// script's process, and without `exec` that is `sh -c`, which defers SIGINT while this runs.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitAfterCleanup, stopWithParent } from '../test/e2e/cleanup.mjs';
import { createState, fixtureWorkspace, startCodeServer } from '../test/e2e/server.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port wants a port number, got ${args[portArg + 1]}`);

// From the start: npm may be stopped while the build or the install runs, too.
stopWithParent();

if (!args.includes('--no-build')) run('npm', ['run', 'build']);

const code = args.includes('--code-server') ? undefined : onPath('code');
if (code) {
  console.log(`start: opening VS Code (${code}) with the extension from ${repoRoot}`);
  const r = spawnSync(code, [`--extensionDevelopmentPath=${repoRoot}`, fixtureWorkspace], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

// Idempotent: returns at once when the right version is installed.
run('bash', [path.join(repoRoot, 'scripts', 'install-code-server.sh')]);

// The repository itself, as an installed extension: the server's extension host loads
// dist/extension.js from here, so a rebuild plus "Developer: Reload Window" picks up changes.
// Removing the state dir on stop removes the link only (fs.rmSync does not follow links).
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const state = createState('start');
symlinkSync(repoRoot, path.join(state.extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
const server = await startCodeServer({ label: 'start', state, port });
const url = server.workbenchUrl({ folder: fixtureWorkspace });
console.log(`
Embedding Lens is running in code-server (VS Code 1.100.3) on the sample workspace. Open:

  ${url}

Ctrl+C stops the server. After \`npm run build\`, run "Developer: Reload Window" to load the new bundles.
`);

// Runs until Ctrl+C or its parent goes (cleanup.mjs stops the server's process group and exits),
// or until the server dies on its own.
const { code: exitCode, signal } = await server.exitedPromise;
// Stopped by a signal or a gone parent: cleanup.mjs is finishing up and exits the process.
if (server.stopping) await new Promise(() => {});
console.error(`start: code-server exited on its own (${signal ?? `exit ${exitCode}`})`);
await server.stop({ keepLog: true });
await exitAfterCleanup(1);

/** Runs a command in the foreground; exits with its status if it fails. @param {string} cmd @param {string[]} argv */
function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) fail(`${cmd} ${argv.join(' ')} failed (${r.error?.message ?? r.signal ?? `exit ${r.status}`})`);
}

/** The full path of an executable on PATH, if any. @param {string} name */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/** @param {string} msg @returns {never} */
function fail(msg) {
  console.error(`start: ${msg}`);
  process.exit(1);
}
