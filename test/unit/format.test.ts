// Display text of core/format.ts: sizes in decimal units and one line about a discovered model.
import * as assert from 'node:assert/strict';
import { discoveredModelText, sizeText } from '../../src/core/format';

describe('format: sizes and discovered models', () => {
  it('sizeText: decimal units, three significant digits, the rounded value decides the unit', () => {
    // Would catch: binary units (KiB), or 999 999 B shown as "1000 kB".
    assert.deepEqual([0, 736, 999, 1000, 1500, 16_384, 999_999, 4_920_000_000, 2e15].map(sizeText), ['0 B', '736 B', '999 B', '1 kB', '1.5 kB', '16.4 kB', '1 MB', '4.92 GB', '2000 TB']);
  });

  it('discoveredModelText: GGUF with quantization, parts and architecture; safetensors with shards and tokenizer', () => {
    // Would catch: a missing quantization, shards shown for one file, or the tokenizer left out.
    assert.equal(discoveredModelText({ size: 4_920_000_000, format: 'gguf', quant: 'Q4_K', architecture: 'llama' }), '4.92 GB \u00b7 GGUF Q4_K \u00b7 llama');
    assert.equal(discoveredModelText({ size: 3_000_000_000, format: 'gguf', quant: 'Q8_0', architecture: 'qwen3', shards: 3 }), '3 GB \u00b7 GGUF Q8_0, 3 parts \u00b7 qwen3');
    assert.equal(discoveredModelText({ size: 16_384, format: 'gguf' }), '16.4 kB \u00b7 GGUF (quantization not read)');
    assert.equal(discoveredModelText({ size: 976_000, format: 'safetensors', shards: 2, tokenizer: 'tokenizer.json' }), '976 kB \u00b7 safetensors, 2 shards \u00b7 tokenizer.json');
    assert.equal(discoveredModelText({ size: 140, format: 'safetensors', shards: 1, tokenizer: 'vocab.txt' }), '140 B \u00b7 safetensors \u00b7 vocab.txt');
    assert.equal(discoveredModelText({ size: 140, format: 'safetensors', shards: 1 }), '140 B \u00b7 safetensors \u00b7 no tokenizer beside it');
  });
});
