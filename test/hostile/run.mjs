#!/usr/bin/env node
// Runs the hostile-input suite through the real CLI (dist/cli.js, built by `npm run build`).
//   node test/hostile/run.mjs [--only NAME] [--category C] [--list] [--jobs 2] [--wall 30]
//        [--mem-gib 4] [--json FILE] [--no-found | --found-dir DIR] [--show] [--quiet]
// --only takes a case name, or a prefix ending in "/" or "*" (e.g. "shards/", "npy/file/*").
// Each case runs in its own temp dir, two at a time, under a wall-time limit and a memory cap
// (VmRSS polled from /proc, which also sees ArrayBuffers outside V8's heap; `prlimit --as`
// breaks V8's address-space reservations, so it is not used). Exit status: 0 when every case
// is clean or accepted, 1 otherwise.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildCases, CATEGORIES, REPO } from './cases.mjs';
import { makePickles, writeTree } from './lib.mjs';

/** Classes that count as a pass. */
export const PASSING = new Set(['clean', 'accepted']);
export const CLASSES = ['clean', 'accepted', 'crash', 'hang', 'memory', 'silent', 'unclear', 'refused'];
export const FOUND_DIR = path.join(REPO, 'test', 'hostile', 'found');

/** Cases the fuzzer saved: test/hostile/found/NAME/{case.json, files/…}. */
export function loadFoundCases(dir = FOUND_DIR) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const caseFile = path.join(dir, name, 'case.json');
    if (!existsSync(caseFile)) continue;
    const c = JSON.parse(readFileSync(caseFile, 'utf8'));
    const filesDir = path.join(dir, name, 'files');
    const files = {};
    const walk = (rel) => {
      for (const e of readdirSync(path.join(filesDir, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(r);
        else files[r] = readFileSync(path.join(filesDir, r));
      }
    };
    if (existsSync(filesDir)) walk('');
    out.push({
      ...c,
      name: `found/${c.name ?? name}`,
      category: c.category ?? 'found',
      files,
      accept: c.accept ? new RegExp(c.accept) : undefined,
      ok: c.ok ? new RegExp(c.ok) : undefined,
      stdin: c.stdin === undefined ? undefined : Buffer.from(c.stdin, 'base64'),
    });
  }
  return out;
}

/** Which case names `only` picks: an exact name, or a prefix ending in "/" or "*". */
function matches(only, name) {
  if (only.endsWith('*')) return name.startsWith(only.slice(0, -1));
  if (only.endsWith('/')) return name.startsWith(only);
  return name === only;
}

/** Sorts one finished run into a class (see README of the suite: issue 8 item 7). */
export function classify(c, r) {
  const stderr = r.stderr.replace(/\r/g, '');
  const lines = stderr.split('\n').filter(l => l.length > 0);
  const first = lines[0] ?? '';
  const shown = (lines.length ? lines.join(' ⏎ ') : r.stdout.slice(0, 120).replace(/\n/g, ' ⏎ ')).slice(0, 300);
  if (r.killed === 'wall') return { cls: 'hang', why: `no exit after ${r.wallSeconds}s; ${shown}` };
  if (r.killed === 'memory') return { cls: 'memory', why: `RSS ${Math.round(r.peakKiB / 1024)} MiB over the cap; ${shown}` };
  if (r.signal) return { cls: 'crash', why: `killed by ${r.signal}; ${shown}` };
  if (r.code === 0) {
    if (c.ok) return c.ok.test(r.stdout) ? { cls: 'accepted', why: '' } : { cls: 'unclear', why: `exit 0 but the output lacks ${c.ok}: ${shown}` };
    if (c.accept && c.accept.test(r.stdout)) return { cls: 'accepted', why: '' };
    return { cls: 'silent', why: `exit 0, expected an error: ${shown}` };
  }
  if (r.code !== 1) return { cls: 'crash', why: `exit ${r.code}; ${shown}` };
  if (/internal error/i.test(stderr) || /^\s+at .+[(:]\d+/m.test(stderr) || /\bat .+\.js:\d+:\d+/.test(stderr)) return { cls: 'crash', why: shown };
  if (lines.length !== 1 || !first.startsWith('embedding-lens: ')) return { cls: 'crash', why: `${lines.length} stderr lines: ${shown}` };
  if (c.ok) return { cls: 'refused', why: shown };
  const missing = (c.mention ?? []).filter(s => !first.includes(s));
  const forbidden = (c.forbid ?? []).filter(s => first.includes(s));
  if (missing.length || forbidden.length) {
    const what = [missing.length ? `misses ${missing.map(s => JSON.stringify(s)).join(', ')}` : '', forbidden.length ? `names ${forbidden.join(', ')}` : ''].filter(Boolean).join('; ');
    return { cls: 'unclear', why: `${what}: ${shown}` };
  }
  return { cls: 'clean', why: '' };
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS of a process and all its descendants (a CLI may run its work in a child process). */
function treeRssKiB(pid, depth = 0) {
  let total = rssKiB(pid);
  if (depth > 8) return total;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) total += treeRssKiB(Number(k), depth + 1);
    }
  } catch {
    // the process is gone
  }
  return total;
}

/** Runs one case; resolves to { case, cls, why, ms }. */
export function runCase(c, { cli, wallSeconds = 30, memKiB = 4 * 1024 * 1024 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-hostile-'));
  const t0 = Date.now();
  const finish = (res) => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a leftover temp dir is not a test failure
    }
    return { case: c, ms: Date.now() - t0, ...res };
  };
  try {
    writeTree(dir, typeof c.files === 'function' ? c.files(dir) : c.files ?? {});
  } catch (e) {
    return Promise.resolve(finish({ cls: 'crash', why: `suite error while writing the inputs: ${e.message}` }));
  }
  const sub = (s) => s.split('{dir}').join(dir);
  const args = c.args.map(sub);
  return new Promise(resolve => {
    let child;
    try {
      child = spawn(process.execPath, [cli, ...args], {
        cwd: dir,
        env: { ...process.env, EMBEDDING_LENS_TIMEOUT: '10', NODE_OPTIONS: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true, // its own process group, so a kill takes any helper processes with it
      });
    } catch (e) {
      resolve(finish({ cls: 'crash', why: `suite error: cannot start the CLI (${e.code ?? e.message})` }));
      return;
    }
    let stdout = '';
    let stderr = '';
    let outBytes = 0;
    let killed;
    let peakKiB = 0;
    child.stdout.on('data', d => {
      outBytes += d.length;
      if (stdout.length < 1 << 20) stdout += d.toString('utf8');
    });
    child.stderr.on('data', d => {
      if (stderr.length < 1 << 16) stderr += d.toString('utf8');
    });
    child.stdin.on('error', () => {}); // the CLI may exit before reading its stdin
    const input = typeof c.stdin === 'function' ? c.stdin() : c.stdin;
    child.stdin.end(input ?? '');
    const kill = (why) => {
      if (killed) return;
      killed = why;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const wall = setTimeout(() => kill('wall'), wallSeconds * 1000);
    const poll = setInterval(() => {
      const kib = treeRssKiB(child.pid);
      peakKiB = Math.max(peakKiB, kib);
      if (kib > memKiB) kill('memory');
    }, 50);
    child.on('error', e => {
      stderr += `spawn error: ${e.message}`;
    });
    child.on('close', (code, signal) => {
      // Whatever the CLI left running in its group goes too.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      clearTimeout(wall);
      clearInterval(poll);
      const { cls, why } = classify(c, { code, signal: killed ? null : signal, killed, stdout, stderr, wallSeconds, peakKiB, outBytes });
      resolve(finish({ cls, why, code, stderr: stderr.slice(0, 2000) }));
    });
  });
}

/** Runs `cases` `jobs` at a time; calls onDone after each. */
export async function runAll(cases, opts, onDone = () => {}) {
  const results = new Array(cases.length);
  let next = 0;
  const jobs = Math.max(1, opts.jobs ?? 2);
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < cases.length) {
      const i = next++;
      results[i] = await runCase(cases[i], opts);
      onDone(results[i], i);
    }
  }));
  return results;
}

/** The summary: a category × class table, the failing cases, and "N passed, N failed". */
export function summary(results) {
  const cats = [...new Set([...CATEGORIES, ...results.map(r => r.case.category)])].filter(cat => results.some(r => r.case.category === cat));
  const count = (cat, cls) => results.filter(r => (cat === undefined || r.case.category === cat) && r.cls === cls).length;
  const header = ['category', ...CLASSES, 'total'];
  const rows = [...cats, undefined].map(cat => [cat ?? 'all', ...CLASSES.map(cls => String(count(cat, cls))), String(results.filter(r => cat === undefined || r.case.category === cat).length)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const fmt = (r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  const lines = [fmt(header), ...rows.map(fmt)];
  const failed = results.filter(r => !PASSING.has(r.cls));
  if (failed.length) {
    lines.push('', 'failing cases:');
    for (const r of failed) lines.push(`  ${r.case.name}  [${r.cls}]  ${r.why}`);
  }
  lines.push('', `${results.length - failed.length} passed, ${failed.length} failed`);
  return lines.join('\n');
}

function parseCli(argv) {
  const o = { jobs: 2, wall: 30, memGib: 4, only: [], category: [], list: false, json: undefined, found: true, foundDir: FOUND_DIR, quiet: false, show: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--only') o.only.push(val());
    else if (a === '--category') o.category.push(val());
    else if (a === '--list') o.list = true;
    else if (a === '--jobs') o.jobs = Number(val());
    else if (a === '--wall') o.wall = Number(val());
    else if (a === '--mem-gib') o.memGib = Number(val());
    else if (a === '--json') o.json = val();
    else if (a === '--no-found') o.found = false;
    else if (a === '--found-dir') o.foundDir = path.resolve(val());
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--show') o.show = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

async function main() {
  const o = parseCli(process.argv.slice(2));
  const cli = path.join(REPO, 'dist', 'cli.js');
  if (!o.list && !existsSync(cli)) {
    console.error('hostile: dist/cli.js is missing; run `npm run build` first');
    process.exit(2);
  }
  // Pickles need python; make them only when a pickle case will run.
  const needPickles = !o.list && (o.only.length === 0 || o.only.some(s => s.startsWith('paths')));
  const assets = needPickles ? makePickles() : { plain: Buffer.alloc(0), zip: Buffer.alloc(0), torchZip: Buffer.alloc(0), torchLegacy: Buffer.alloc(0) };
  let cases = [...buildCases(assets), ...(o.found ? loadFoundCases(o.foundDir) : [])];
  if (o.category.length) cases = cases.filter(c => o.category.includes(c.category));
  if (o.only.length) cases = cases.filter(c => o.only.some(s => matches(s, c.name)));
  if (o.list) {
    for (const c of cases) {
      const must = c.ok ? `must succeed (${c.ok})` : `mention ${JSON.stringify(c.mention ?? [])}${c.forbid ? ` not ${JSON.stringify(c.forbid)}` : ''}${c.accept ? `, or succeed with ${c.accept}` : ''}`;
      console.log(`${c.name}\t${c.args.join(' ').replace(/\s+/g, ' ').slice(0, 120)}\t${must}`);
    }
    console.log(`${cases.length} cases`);
    return;
  }
  if (cases.length === 0) {
    console.error('hostile: no case matches');
    process.exit(2);
  }
  const t0 = Date.now();
  let done = 0;
  const results = await runAll(cases, { cli, jobs: o.jobs, wallSeconds: o.wall, memKiB: o.memGib * 1024 * 1024 }, (r) => {
    done++;
    if (!o.quiet && process.stderr.isTTY) process.stderr.write(`\r${done}/${cases.length} ${r.case.name.slice(0, 60).padEnd(60)}`);
    if (!o.quiet && !process.stderr.isTTY && !PASSING.has(r.cls)) process.stderr.write(`[${done}/${cases.length}] ${r.case.name}: ${r.cls}\n`);
  });
  if (process.stderr.isTTY) process.stderr.write('\r' + ' '.repeat(80) + '\r');
  if (o.show) for (const r of results) console.log(`${r.case.name}  [${r.cls}]  exit ${r.code}  ${(r.stderr ?? '').trim().replace(/\n/g, ' ⏎ ').slice(0, 300)}`);
  console.log(summary(results));
  console.log(`(${cases.length} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${o.jobs} at a time, wall limit ${o.wall} s, memory cap ${o.memGib} GiB)`);
  if (o.json) {
    writeFileSync(o.json, JSON.stringify(results.map(r => ({ name: r.case.name, category: r.case.category, cls: r.cls, why: r.why, ms: r.ms })), null, 1));
  }
  process.exitCode = results.every(r => PASSING.has(r.cls)) ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch(e => {
    console.error(`hostile: ${e.stack ?? e}`);
    process.exit(2);
  });
}
