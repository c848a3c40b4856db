// The two byte-pair merge paths: the scan (short pieces, and every piece the replay shows) and the
// heap (long pieces) must make the same tokens. tiktoken checks the encoder end to end
// (openai.test.ts); this checks the paths against each other on many more inputs, including byte
// strings that are not UTF-8.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createRng } from '../../../src/core/prng';
import { bytePairMerge, MergeScratch } from '../../../src/core/tokenizers/openaiBpe';
import { parseTiktokenRanks } from '../../../src/core/tokenizers/openaiRanks';
import { corpusText } from '../../corpus/corpus';
import { repoRoot } from '../helpers';

function boundaries(scratch: MergeScratch, count: number): number[] {
  return Array.from(scratch.bounds.subarray(0, count + 1));
}

describe('OpenAI encodings: the heap merge and the scan merge agree', function () {
  this.timeout(120_000);
  for (const name of ['r50k_base', 'o200k_base']) {
    it(`${name}: 20,000 slices of the corpus and 2,000 random byte strings, 2 to 600 bytes`, () => {
      const table = parseTiktokenRanks(readFileSync(path.join(repoRoot(), 'assets', 'tokenizers', 'openai', `${name}.tiktoken`)), name);
      const corpus = Buffer.from(corpusText(), 'utf8');
      const rng = createRng(42);
      const heapScratch = new MergeScratch();
      const scanScratch = new MergeScratch();
      const noTrace = (): void => undefined;
      for (let k = 0; k < 22_000; k++) {
        const n = 2 + Math.floor(rng.next() * 599);
        let bytes: Uint8Array;
        if (k < 20_000) {
          const at = Math.floor(rng.next() * (corpus.length - n));
          bytes = corpus.subarray(at, at + n);
        } else {
          bytes = Uint8Array.from({ length: n }, () => rng.nextU32() & 0xff);
        }
        const viaHeap = boundaries(heapScratch, bytePairMerge(table, bytes, n, heapScratch));
        const viaScan = boundaries(scanScratch, bytePairMerge(table, bytes, n, scanScratch, noTrace));
        assert.deepEqual(viaHeap, viaScan, `${name}: ${n} bytes ${Buffer.from(bytes).toString('hex')}`);
      }
    });
  }
});
