#!/usr/bin/env node
// Prints the functions with the most self time in a V8 .cpuprofile (as written by the
// big-selection test under EMBEDDING_LENS_PROFILE), and the longest runs of busy samples.
// Usage: node scripts/profile-top.mjs FILE [N]
import { readFileSync } from 'node:fs';

const [file, nArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/profile-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const deltas = p.timeDeltas;
for (let i = 0; i < p.samples.length; i++) {
  const n = byId.get(p.samples[i]);
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
}
const top = [...self].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 25));
for (const [k, ms] of top) console.log(`${ms.toFixed(1).padStart(8)} ms  ${k}`);
// Stacks of the heaviest leaf: who called it.
const stackOf = id => {
  const out = [];
  for (let x = id; x !== undefined; x = parent.get(x)) {
    const f = byId.get(x).callFrame;
    if (f.functionName !== '(root)') out.push(`${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-1)[0]}:${f.lineNumber + 1}`);
  }
  return out;
};
const inclusive = new Map();
for (let i = 0; i < p.samples.length; i++) {
  const s = stackOf(p.samples[i]);
  if (s[0]?.startsWith('(idle)') || s[0]?.startsWith('(program)') || s[0]?.startsWith('(garbage')) continue;
  const key = s.slice(0, 8).join(' < ');
  inclusive.set(key, (inclusive.get(key) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
}
console.log('\nheaviest stacks:');
for (const [k, ms] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${ms.toFixed(1).padStart(8)} ms  ${k}`);
