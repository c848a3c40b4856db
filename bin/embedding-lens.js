#!/usr/bin/env node
// The CLI is bundled into dist/cli.js by `npm run build`.
let cli;
try {
  cli = require('../dist/cli.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    console.error('embedding-lens: dist/cli.js is missing; run `npm run build` first');
    process.exit(1);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then(code => {
  process.exitCode = code;
});
