// "Copy ids" writes the token ids as a Python list and as a JSON list; Python itself (the
// reference) reads each back as the same ints. Would catch: a list Python or JSON cannot parse
// (a trailing comma, typed-array syntax such as "Int32Array [ … ]"), a lost or reordered id.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { idsAsList } from '../../src/shared/panelProtocol';

const IDS = Int32Array.from([320, 1028, 5, 128, 1, 0, 0, 2147483647, 50256]);

/** What Python 3 makes of the text: ast.literal_eval for the Python list, json.loads for the JSON one. */
function python(text: string, parser: 'ast' | 'json'): unknown {
  const code = parser === 'ast' ? 'import ast,json,sys; v=ast.literal_eval(sys.stdin.read()); print(json.dumps(v)); print(repr(v))' : 'import json,sys; v=json.loads(sys.stdin.read()); print(json.dumps(v)); print(repr(v))';
  const out = execFileSync('python3', ['-c', code], { input: text, encoding: 'utf8', timeout: 30_000 }).trim().split('\n');
  return { value: JSON.parse(out[0]!), repr: out[1] };
}

describe('idsAsList (copy ids)', function () {
  // Each test spawns python3 (well under a second alone; more on a loaded machine).
  this.timeout(30_000);
  it('a Python list that Python reads back as the ids, written as Python prints it', () => {
    const text = idsAsList(IDS, 'python');
    const r = python(text, 'ast') as { value: number[]; repr: string };
    assert.deepEqual(r.value, Array.from(IDS));
    assert.equal(text, r.repr, 'the text is repr(list) of the ids');
  });
  it('a JSON list that json.loads reads back as the ids', () => {
    const text = idsAsList(IDS, 'json');
    assert.deepEqual((python(text, 'json') as { value: number[] }).value, Array.from(IDS));
    assert.deepEqual(JSON.parse(text), Array.from(IDS));
  });
  it('no ids: an empty list in both', () => {
    assert.equal(idsAsList([], 'python'), '[]');
    assert.equal(idsAsList([], 'json'), '[]');
  });
});
