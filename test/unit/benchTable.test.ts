// The row contract of `npm run bench` (bench/table.mjs): which printed tables join the one table.
import * as assert from 'node:assert/strict';
import { collect, COLUMNS, parseTables, standardTable } from '../../bench/table.mjs';

const standard = ['| work | Embedding Lens | reference | ratio | conditions |', '| --- | --- | --- | --- | --- |'];

describe('bench table contract', () => {
  it('merges the rows of a table with the standard header, in order, without the separator', () => {
    const out = ['corpus: 1.5 MB', ...standard, '| a | 1 s | 2 s | 2.00× | cold |', '| b | 3 s | 3 s | 1.00× | warm |', 'done'].join('\n');
    const { rows, verbatim } = collect(out);
    assert.deepEqual(rows, [['a', '1 s', '2 s', '2.00×', 'cold'], ['b', '3 s', '3 s', '1.00×', 'warm']]);
    assert.deepEqual(verbatim, []);
  });

  it('keeps a table with other columns verbatim, lines as printed', () => {
    const other = ['| cell | ours | onnxruntime |', '|:---|---:|---:|', '| gru | 1 s | 2 s |'];
    const { rows, verbatim } = collect([...other, '', ...standard, '| x | 1 | 2 | 2× | c |'].join('\n'));
    assert.deepEqual(verbatim, [other]);
    assert.deepEqual(rows, [['x', '1', '2', '2×', 'c']]);
  });

  it('matches the header case-insensitively and needs every column', () => {
    assert.equal(collect(['| Work | embedding lens | Reference | Ratio | Conditions |', '| - | - | - | - | - |', '| r | 1 | 2 | 3 | 4 |'].join('\n')).rows.length, 1);
    const short = collect(['| work | Embedding Lens | reference | ratio |', '| - | - | - | - |', '| r | 1 | 2 | 3 |'].join('\n'));
    assert.deepEqual(short.rows, []);
    assert.equal(short.verbatim.length, 1);
  });

  it('ends a table at the first line that is not a table line', () => {
    const tables = parseTables([...standard, '| a | 1 | 2 | 3 | 4 |', 'note: between', '| b | 1 |'].join('\n'));
    assert.equal(tables.length, 2);
    assert.deepEqual(tables[0]!.header, COLUMNS);
    assert.deepEqual(tables[1]!.header, ['b', '1']);
    assert.deepEqual(tables[1]!.rows, []);
  });

  it('what standardTable prints is merged back row for row, beside a detailed table printed before it', () => {
    // Catches a standardTable whose header or separator stops matching what collect() merges
    // (the encoder, neighbours and tokenizer-load scripts print both kinds of table).
    const rows = [['GRU: ours', '0.150 s (40.1 GFLOP/s)', 'onnxruntime 1 thread 0.279 s', '1.86× vs ort 1 thread', 'medians of 5'], ['x', '', '', '', 'skipped: no torch']];
    const detailed = ['| encoder | ours |', '| --- | --- |', '| GRU | 0.150 s |'];
    const { rows: merged, verbatim } = collect([...detailed, '', standardTable(rows), ''].join('\n'));
    assert.deepEqual(merged, rows);
    assert.deepEqual(verbatim, [detailed]);
  });
});
