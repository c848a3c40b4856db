#!/usr/bin/env node
// Checks the runner's classifier and its limits against a stand-in CLI that misbehaves on
// purpose (one behaviour per argument), so a broken runner cannot report "all clean".
// Exit status 0 when every behaviour lands in its class.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCase } from './run.mjs';

const FAKE = `
const how = process.argv[2];
const err = (s) => process.stderr.write(s);
switch (how) {
  case 'clean': err('embedding-lens: m/model.safetensors: tensor "emb" is bad, expected good\\n'); process.exit(1);
  case 'multi': err('embedding-lens: one\\nembedding-lens: two\\n'); process.exit(1);
  case 'internal': err('embedding-lens: internal error: TypeError: x is undefined\\n'); process.exit(1);
  case 'stack': err('embedding-lens: boom\\n    at foo (/x/cli.js:1:2)\\n'); process.exit(1);
  case 'prefix': err('Error: something\\n'); process.exit(1);
  case 'exit2': err('embedding-lens: m/model.safetensors: bad\\n'); process.exit(2);
  case 'abort': process.abort();
  case 'hang': setInterval(() => {}, 1000); break;
  case 'memory': { const keep = []; setInterval(() => { for (let i = 0; i < 16; i++) keep.push(Buffer.alloc(8 << 20, 1)); }, 10); break; }
  case 'success': process.stdout.write('{ "input_ids": [1] }\\n'); process.exit(0);
  case 'stdin': { let n = 0; process.stdin.on('data', d => { n += d.length; }); process.stdin.on('end', () => { err('embedding-lens: read ' + n + ' bytes from stdin\\n'); process.exit(1); }); break; }
}
`;

const CASES = [
  [{ args: ['clean'], mention: ['model.safetensors', 'emb'] }, 'clean'],
  [{ args: ['clean'], mention: ['model.safetensors', 'vocab.json'] }, 'unclear'],
  [{ args: ['clean'], mention: ['model.safetensors'], forbid: ['tensor'] }, 'unclear'],
  [{ args: ['multi'], mention: [] }, 'crash'],
  [{ args: ['internal'], mention: [] }, 'crash'],
  [{ args: ['stack'], mention: [] }, 'crash'],
  [{ args: ['prefix'], mention: [] }, 'crash'],
  [{ args: ['exit2'], mention: [] }, 'crash'],
  [{ args: ['abort'], mention: [] }, 'crash'],
  [{ args: ['hang'], mention: [] }, 'hang'],
  [{ args: ['memory'], mention: [] }, 'memory'],
  [{ args: ['success'], mention: [] }, 'silent'],
  [{ args: ['success'], mention: [], accept: /"input_ids"/ }, 'accepted'],
  [{ args: ['success'], mention: [], accept: /"tokens"/ }, 'silent'],
  [{ args: ['success'], mention: [], ok: /input_ids/ }, 'accepted'],
  [{ args: ['clean'], mention: [], ok: /usage/ }, 'refused'],
  [{ args: ['stdin'], mention: ['read 5 bytes'], stdin: 'hello' }, 'clean'],
  [{ args: ['clean', '{dir}'], files: { 'm/model.safetensors': 'x' }, mention: ['model.safetensors'] }, 'clean'],
];

const dir = mkdtempSync(path.join(tmpdir(), 'lens-hostile-selftest-'));
const cli = path.join(dir, 'fake-cli.js');
writeFileSync(cli, FAKE);
let failed = 0;
try {
  const results = await Promise.all(CASES.map(([c, want], i) => runCase({ name: `self/${i}-${c.args[0]}`, category: 'self', files: {}, ...c }, { cli, wallSeconds: 3, memKiB: 256 * 1024 }).then(r => [r, want])));
  for (const [r, want] of results) {
    const ok = r.cls === want;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.case.name}: ${r.cls}${ok ? '' : `, expected ${want} (${r.why})`}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${CASES.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
