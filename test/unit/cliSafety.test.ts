// The CLI under hostile inputs and faults (issue 8): `node dist/cli.js …` as a real process,
// with real FIFOs, sockets, devices, sparse files and pipes. Every spawn has its own time
// limit, so a hang fails the test (the child is killed, `error` is set) instead of stalling it.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { firstBadUtf8, TEXT_BYTES_LIMIT } from '../../src/cli/input';
import { INSPECT_OPTIONS, INSPECT_USAGE, TOKENIZE_OPTIONS, TOKENIZE_USAGE } from '../../src/cli/options';
import { failureKind } from '../../src/cli/worker';
import { writeSafetensors } from '../../src/core/formats/safetensors';
import { LIMITS } from '../../src/core/limits';
import { repoRoot } from './helpers';

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when our own limit killed the child: it hung. */
  error?: Error | undefined;
}

const CLI = (): string => path.join(repoRoot(), 'dist', 'cli.js');
/** Variables a developer's shell might set that would change what the CLI does. */
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EMBEDDING_LENS_')));

function cli(args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; limitMs?: number } = {}): Run {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI(), ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...CLEAN_ENV, ...opts.env },
    timeout: opts.limitMs ?? 30_000,
    maxBuffer: 256 << 20,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

/** Exit 1, nothing on stdout, one line on stderr matching `re`; returns the line. */
function failsWith(r: Run, re: RegExp): string {
  assert.equal(r.error, undefined, `the CLI did not end by itself: ${r.error?.message}; stderr: ${r.stderr}`);
  assert.equal(r.status, 1, `exit ${r.status} (signal ${r.signal}): ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^embedding-lens: /);
  assert.match(lines[0]!, re);
  return lines[0]!;
}

function mkfifo(p: string): void {
  const r = spawnSync('mkfifo', [p]);
  assert.equal(r.status, 0, `mkfifo ${p}: ${r.stderr}`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'lens-cli-safety-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A WordLevel tokenizer.json whose Split pre-tokenizer backtracks exponentially on a^n b.
const REDOS_PATTERN = '(a|aa)*$';
const REDOS_TEXT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab';
function redosFolder(): string {
  const folder = path.join(dir, 'redos');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: REDOS_PATTERN }, behavior: 'Isolated', invert: false },
    post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab: { '[UNK]': 0, a: 1, b: 2 }, unk_token: '[UNK]' },
  }));
  writeFileSync(path.join(folder, 'model.safetensors'), writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [3, 4], data: Array.from({ length: 12 }, (_, i) => i / 10) }]));
  return folder;
}

/** The timeout line; once the tokenizer notes its components, it must also name the pattern. */
function assertTimedOut(r: Run, seconds: string): string {
  const line = failsWith(r, new RegExp(`timed out after ${seconds.replace('.', '\\.')} s during: `));
  if (line.includes('Split')) assert.ok(line.includes(REDOS_PATTERN), `names the pattern: ${line}`);
  return line;
}

describe('CLI safety: a deadline for every command', function () {
  this.timeout(60_000);
  let folder: string;
  before(() => (folder = redosFolder()));

  it('tokenize: a catastrophic Split pattern ends at --timeout 2 with one line', () => {
    const line = assertTimedOut(cli(['tokenize', '--tokenizer', path.join(folder, 'tokenizer.json'), '--timeout', '2', REDOS_TEXT]), '2');
    assert.match(line, /raise it with --timeout/);
  });

  it('inspect: the same tokenizer in a model folder', () => {
    assertTimedOut(cli(['inspect', '--model', folder, '--timeout', '2', REDOS_TEXT]), '2');
  });

  it('tokenize --explain: the replay is under the deadline too', () => {
    assertTimedOut(cli(['tokenize', '--tokenizer', path.join(folder, 'tokenizer.json'), '--explain', '0:5', '--timeout', '2', REDOS_TEXT]), '2');
  });

  it('EMBEDDING_LENS_TIMEOUT sets the deadline when --timeout is absent, and the message names it', () => {
    const line = assertTimedOut(cli(['tokenize', '--tokenizer', path.join(folder, 'tokenizer.json'), REDOS_TEXT], { env: { EMBEDDING_LENS_TIMEOUT: '1.5' } }), '1.5');
    assert.match(line, /set by EMBEDDING_LENS_TIMEOUT/);
  });

  it('a bad EMBEDDING_LENS_TIMEOUT is blamed on the variable, not on --timeout; the flag wins over it', () => {
    const line = failsWith(cli(['tokenize', 'x'], { env: { EMBEDDING_LENS_TIMEOUT: '1e3' } }), /the environment variable EMBEDDING_LENS_TIMEOUT: "1e3" is not a number of seconds, expected a number of seconds from 0\.1 to 86400/);
    assert.doesNotMatch(line, /--timeout:/);
    const r = cli(['tokenize', '--timeout', '30.5', 'x'], { env: { EMBEDDING_LENS_TIMEOUT: 'soon' } });
    assert.equal(r.status, 0, r.stderr);
  });

  it('work that never yields (a test fault on the worker thread) is stopped and named', () => {
    failsWith(cli(['inspect', '--timeout', '1', 'x'], { env: { EMBEDDING_LENS_FAULT: 'spin' } }), /timed out after 1 s during: the test fault spin \(the deadline; raise it with --timeout\)/);
  });

  it('stdin that never ends is under the deadline', async () => {
    const child = spawn(process.execPath, [CLI(), 'tokenize', '--timeout', '1'], { env: CLEAN_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.write('some text, and the writer never closes the pipe');
    let stderr = '';
    child.stderr.on('data', d => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(killer);
    child.stdin.destroy();
    assert.equal(signal, null, `killed: it hung; stderr ${stderr}`);
    assert.equal(code, 1);
    assert.equal(stderr, 'embedding-lens: timed out after 1 s during: reading stdin (the deadline; raise it with --timeout)\n');
  });

  it('a FIFO with no writer as --model or --tokenizer: the command ends by itself with one line naming it', () => {
    const fifo = path.join(dir, 'model.fifo');
    mkfifo(fifo);
    for (const args of [['inspect', '--model', fifo], ['tokenize', '--tokenizer', fifo]]) {
      const r = cli([...args, '--timeout', '2', 'x']);
      assert.equal(r.error, undefined, `hung: ${r.stderr}`);
      // Refused by the core (exit 1), or, before it refuses FIFOs, timed out; a thread stuck in
      // open(2) cannot be stopped, so then the process ends itself (SIGKILL) after the message.
      assert.ok(r.status === 1 || r.signal === 'SIGKILL', `exit ${r.status} ${r.signal}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(fifo), r.stderr);
    }
  });
});

describe('CLI safety: bounded memory', function () {
  this.timeout(60_000);

  it('runaway JS allocation ends as "ran out of memory (limit … MB)" naming the step, not an abort', () => {
    failsWith(cli(['tokenize', 'x'], { env: { EMBEDDING_LENS_FAULT: 'allocate', EMBEDDING_LENS_HEAP_MB: '64' } }), /^embedding-lens: ran out of memory \(limit 64 MB\) during: the test fault allocate$/);
  });

  it('memory outside the heap (Buffers, ArrayBuffers) is watched too: the process stops at heap + 2048 MB', () => {
    failsWith(cli(['tokenize', 'x'], { env: { EMBEDDING_LENS_FAULT: 'buffers', EMBEDDING_LENS_HEAP_MB: '16' } }), /^embedding-lens: ran out of memory \(process memory over 2064 MB\) during: the test fault buffers$/);
  });

  it('a real text past a small heap ends the same way, naming the step', () => {
    const file = path.join(dir, 'words.txt');
    writeFileSync(file, 'the cat sat on the mat '.repeat(Math.floor(LIMITS.textChars / 23)));
    failsWith(cli(['tokenize', '--model', 'builtin:glove-100d', '--file', file], { env: { EMBEDDING_LENS_HEAP_MB: '24' } }), /ran out of memory \(limit 24 MB\) during: .*(tokeniz|loading|formatting)/);
  });

  it('allocation RangeErrors are "memory", recursion is "stack", anything else is a bug', () => {
    const thrown = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      assert.fail('did not throw');
    };
    assert.equal(failureKind(thrown(() => new Array(2 ** 33))), 'memory');
    assert.equal(failureKind(thrown(() => new Float32Array(2 ** 40))), 'memory');
    assert.equal(failureKind(thrown(() => 'x'.repeat(2 ** 30))), 'memory');
    const deep = (n: number): number => deep(n + 1) + 1;
    assert.equal(failureKind(thrown(() => deep(0))), 'stack');
    assert.equal(failureKind(thrown(() => (null as unknown as { x: number }).x)), 'internal');
    assert.equal(failureKind(thrown(() => new Array(-1))), 'memory');
  });

  it('an encoder too big for memory is refused before anything is allocated, naming the flags that sized it', () => {
    const line = failsWith(cli(['inspect', '--max-length', '65536', '--hidden-size', '4096', '--layers', '16', '--cell', 'lstm', '--bidirectional', 'x']), /^embedding-lens: inspect: the encoder over 65536 steps, .* needs about [\d.]+ GiB, more than the limit of 1\.0 GiB; use a shorter text or --max-length, or a smaller --hidden-size or --layers$/);
    for (const part of ['lstm (--cell)', 'hidden size 4096 (--hidden-size)', '16 layers (--layers)', 'bidirectional (--bidirectional)']) assert.ok(line.includes(part), `${part}: ${line}`);
  });

  it('sizes from config.json are named as config.json\'s, not as flags', () => {
    const folder = path.join(dir, 'big-config');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify({
      version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
      model: { type: 'WordLevel', vocab: { '[PAD]': 0, '[UNK]': 1, x: 2 }, unk_token: '[UNK]' },
    }));
    writeFileSync(path.join(folder, 'model.safetensors'), writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [3, 4], data: new Array(12).fill(0.5) }]));
    writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ hidden_size: 4096, num_layers: 16, max_length: 65536, pad_token_id: 0 }));
    const line = failsWith(cli(['inspect', '--model', folder, 'x']), /needs about [\d.]+ GiB, more than the limit of 1\.0 GiB/);
    assert.ok(line.includes('hidden size 4096 (config.json)') && line.includes('16 layers (config.json)'), line);
    assert.doesNotMatch(line, /\((--hidden-size|--layers|--max-length)\)/);
  });

  it('JSON past the longest string V8 can build is refused up front; the table would summarise', () => {
    failsWith(cli(['inspect', '--model', 'builtin:glove-100d', '--max-length', '65536', '--hidden-size', '512', 'x']), /would print \d+ numbers as JSON, more than the limit of 33554432 \(--format table prints a summary\)/);
  });

  it('EMBEDDING_LENS_HEAP_MB out of range is blamed on the variable', () => {
    failsWith(cli(['tokenize', 'x'], { env: { EMBEDDING_LENS_HEAP_MB: '1' } }), /the environment variable EMBEDDING_LENS_HEAP_MB: 1 is not valid, expected a whole number from 16 to 65536/);
  });
});

describe('CLI safety: --file reads only regular files, within the text limit', function () {
  this.timeout(60_000);
  let server: Server | undefined;
  const sock = path.join(dir, 'text.sock');
  before(done => {
    server = createServer().listen(sock, done);
  });
  after(done => {
    if (server) server.close(() => done());
    else done();
  });

  const refused: [string, () => string, RegExp][] = [
    ['a FIFO with no writer', () => {
      const p = path.join(dir, 'text.fifo');
      mkfifo(p);
      return p;
    }, /is a FIFO \(named pipe\), expected a regular file/],
    ['a symlink to a FIFO', () => {
      const p = path.join(dir, 'link-to-fifo');
      const f = path.join(dir, 'other.fifo');
      mkfifo(f);
      symlinkSync(f, p);
      return p;
    }, /is a FIFO \(named pipe\), expected a regular file/],
    ['a directory', () => dir, /is a directory, expected a regular file/],
    ['/dev/zero', () => '/dev/zero', /is a character device, expected a regular file/],
    ['a socket', () => sock, /is a socket, expected a regular file/],
    ['a sparse file one byte past the byte limit (refused before reading)', () => {
      const p = path.join(dir, 'huge.txt');
      writeFileSync(p, '');
      truncateSync(p, TEXT_BYTES_LIMIT + 1);
      return p;
    }, new RegExp(`is ${TEXT_BYTES_LIMIT + 1} bytes, too large: the text limit is ${LIMITS.textChars} characters`)],
    ['a file of one character past the text limit', () => {
      const p = path.join(dir, 'long.txt');
      writeFileSync(p, 'a'.repeat(LIMITS.textChars + 1));
      return p;
    }, new RegExp(`has ${LIMITS.textChars + 1} characters \\(UTF-16 units\\), more than the text limit of ${LIMITS.textChars}`)],
    ['invalid UTF-8', () => {
      const p = path.join(dir, 'latin1.txt');
      writeFileSync(p, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]));
      return p;
    }, /is not valid UTF-8 at byte 3 \(0xe9\); expected UTF-8 text$/],
    ['UTF-16 with a byte order mark', () => {
      const p = path.join(dir, 'utf16.txt');
      writeFileSync(p, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hi', 'utf16le')]));
      return p;
    }, /is not valid UTF-8 at byte 0 \(0xff\); expected UTF-8 text \(it starts with a UTF-16 byte order mark/],
  ];
  for (const [name, make, re] of refused) {
    it(`refuses ${name}, naming --file`, () => {
      const file = make();
      const line = failsWith(cli(['tokenize', '--file', file]), re);
      assert.ok(line.startsWith(`embedding-lens: --file ${file} `), line);
    });
  }

  it('accepts a file of exactly the text limit', () => {
    const p = path.join(dir, 'limit.txt');
    writeFileSync(p, 'ab '.repeat(LIMITS.textChars).slice(0, LIMITS.textChars));
    const r = cli(['inspect', '--model', 'builtin:seed', '--max-length', '8', '--file', p]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).attention_mask, [1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('a missing file keeps its message', () => {
    failsWith(cli(['tokenize', '--file', path.join(dir, 'none.txt')]), /--file: cannot read .*none\.txt \(ENOENT\)/);
  });
});

describe('CLI safety: stdin within the text limit', function () {
  this.timeout(60_000);
  it('more bytes than the limit allows are refused', () => {
    failsWith(cli(['tokenize'], { input: Buffer.alloc(TEXT_BYTES_LIMIT + 1, 0x61) }), new RegExp(`^embedding-lens: stdin has more than ${TEXT_BYTES_LIMIT} bytes, too large: the text limit is ${LIMITS.textChars} characters`));
  });
  it('more characters than the limit are refused', () => {
    failsWith(cli(['tokenize'], { input: 'a'.repeat(LIMITS.textChars + 1) }), new RegExp(`^embedding-lens: stdin has ${LIMITS.textChars + 1} characters`));
  });
  it('invalid UTF-8 is refused with its byte offset', () => {
    failsWith(cli(['tokenize'], { input: Buffer.from([0x61, 0x62, 0xc0, 0x80]) }), /^embedding-lens: stdin is not valid UTF-8 at byte 2 \(0xc0\)/);
  });
  it('a directory as stdin is refused, not read as an empty text', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI()}" tokenize < "${dir}"`], { encoding: 'utf8', env: CLEAN_ENV, timeout: 30_000 });
    failsWith({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error }, /^embedding-lens: stdin is a directory, expected text$/);
  });
  it('stdin from /dev/zero stops at the limit', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI()}" tokenize < /dev/zero`], { encoding: 'utf8', env: CLEAN_ENV, timeout: 30_000 });
    failsWith({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error }, /stdin has more than \d+ bytes, too large/);
  });
});

describe('CLI: UTF-8 checking agrees with node\'s decoders', () => {
  it('firstBadUtf8 is -1 exactly when Buffer.isUtf8 says valid, and the WHATWG decoder replaces at that offset', () => {
    // Random short byte strings over the bytes that matter (ASCII, continuations, lead bytes).
    let x = 12345;
    const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8;
    const alphabet = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
    const decode = new TextDecoder('utf-8', { fatal: true });
    const lenient = new TextDecoder('utf-8');
    let bad = 0;
    for (let t = 0; t < 20_000; t++) {
      const b = Uint8Array.from({ length: 1 + (rnd() % 6) }, () => alphabet[rnd() % alphabet.length]!);
      const at = firstBadUtf8(b);
      assert.equal(at === -1, Buffer.from(b).toString('utf8') === lenient.decode(b) && isValid(decode, b), `bytes ${Buffer.from(b).toString('hex')}`);
      if (at >= 0) {
        bad++;
        assert.ok(isValid(decode, b.subarray(0, at)), `the bytes before ${at} are valid: ${Buffer.from(b).toString('hex')}`);
        assert.equal(lenient.decode(b.subarray(at)).charCodeAt(0), 0xfffd, `a replacement at ${at}: ${Buffer.from(b).toString('hex')}`);
      }
    }
    assert.ok(bad > 1000);
  });
});

function isValid(decoder: InstanceType<typeof TextDecoder>, b: Uint8Array): boolean {
  try {
    decoder.decode(b);
    return true;
  } catch {
    return false;
  }
}

describe('CLI: help and version', function () {
  this.timeout(30_000);
  const version = (JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;

  for (const flag of ['--version', '-V']) {
    it(`${flag} prints package.json's version`, () => {
      const r = cli([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `embedding-lens ${version}\n`);
      assert.equal(r.stderr, '');
    });
  }

  const helps: [string[], string][] = [
    [['inspect', '--help'], 'inspect'], [['inspect', '-h'], 'inspect'], [['help', 'inspect'], 'inspect'],
    [['inspect', '--model', 'builtin:seed', '--help'], 'inspect'],
    [['tokenize', '--help'], 'tokenize'], [['help', 'tokenize'], 'tokenize'],
  ];
  for (const [args, command] of helps) {
    it(`${args.join(' ')} prints ${command}'s usage and exits 0`, () => {
      const r = cli(args);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.startsWith(`usage: embedding-lens ${command} [TEXT]`), r.stdout);
      assert.ok(!r.stdout.includes(command === 'inspect' ? 'embedding-lens tokenize' : 'embedding-lens inspect'), 'only that command');
    });
  }

  it('--help lists both commands and exits 0; no arguments prints it and exits 1', () => {
    const r = cli(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /embedding-lens inspect/);
    assert.match(r.stdout, /embedding-lens tokenize/);
    assert.match(r.stdout, /embedding-lens --version/);
    const none = cli([]);
    assert.equal(none.status, 1);
    assert.equal(none.stdout, r.stdout);
  });

  it('the usage names exactly the options the parser accepts, with the ranges it enforces', () => {
    for (const [usage, specs] of [[INSPECT_USAGE, INSPECT_OPTIONS], [TOKENIZE_USAGE, TOKENIZE_OPTIONS]] as const) {
      const named = new Set([...usage.matchAll(/--([a-z][a-z-]*)/g)].map(m => m[1]!));
      assert.deepEqual([...named].sort(), specs.map(s => s.name).sort());
      for (const s of specs) {
        if (s.min !== undefined && s.max !== undefined && s.name !== 'timeout') assert.ok(usage.includes(`--${s.name}: a whole number from ${s.min} to ${s.max}`), `${s.name}'s range in the usage`);
        if (s.values) assert.ok(usage.includes(`--${s.name} ${s.values.join('|')}`) || usage.includes(`--${s.name}: ${s.values[0]}`), `${s.name}'s values in the usage`);
        // The parser takes what the usage shows at both ends of the range.
        if (s.kind === 'int' && s.min !== undefined && s.max !== undefined) {
          assert.equal(parseArgs([`--${s.name}`, String(s.max)], specs).options.get(s.name), s.max);
          assert.equal(parseArgs([`--${s.name}=${s.min}`], specs).options.get(s.name), s.min);
        }
      }
    }
  });

  it('help for an unknown command is a one-line error', () => {
    failsWith(cli(['help', 'frob']), /help: unknown command "frob", expected inspect, tokenize, neighbours or models/);
  });
});

describe('CLI: flags, one line naming the flag and what it accepts', function () {
  this.timeout(60_000);
  const cases: [string[], RegExp][] = [
    [['inspect', '--max-length', '1e9', 'x'], /--max-length: "1e9" is not a whole number, expected a whole number from 1 to 65536/],
    [['inspect', '--max-length', '65537', 'x'], /--max-length: 65537 is not valid, expected a whole number from 1 to 65536/],
    [['inspect', '--hidden-size', '-1', 'x'], /--hidden-size: -1 is not valid, expected a whole number from 1 to 4096/],
    [['inspect', '--hidden-size', '4097', 'x'], /--hidden-size: 4097 is not valid, expected a whole number from 1 to 4096/],
    [['inspect', '--layers', '100000', 'x'], /--layers: 100000 is not valid, expected a whole number from 1 to 16/],
    [['inspect', '--seed', '9007199254740993', 'x'], /--seed: 9007199254740993 is not valid, expected a whole number from 0 to 4294967295/],
    [['inspect', '--seed', '4294967296', 'x'], /--seed: 4294967296 is not valid, expected a whole number from 0 to 4294967295/],
    [['inspect', '--seed', '-1', 'x'], /--seed: -1 is not valid, expected a whole number from 0 to 4294967295/],
    [['inspect', '--seed', '1.5', 'x'], /--seed: "1\.5" is not a whole number, expected a whole number from 0 to 4294967295/],
    [['inspect', '--timeout', '0', 'x'], /--timeout: 0 is not valid, expected a number of seconds from 0\.1 to 86400/],
    [['tokenize', '--timeout', '-3', 'x'], /--timeout: "-3" is not a number of seconds/],
    [['inspect', '--model', 'builtin:seed', '--model', 'builtin:glove-100d', 'x'], /--model is given twice, expected it at most once/],
    [['tokenize', '--no-special-tokens', '--no-special-tokens', 'x'], /--no-special-tokens is given twice/],
    [['inspect', 'x', '--model'], /--model needs a value$/],
    [['inspect', '--file', '--model', 'builtin:seed'], /--file needs a value, got the option --model/],
    [['inspect', '-x'], /unknown option -x \(expected one of --file, .*; a TEXT that starts with "-" goes after --/],
    [['tokenize', '--frobnicate=3', 'x'], /unknown option --frobnicate \(expected one of /],
    [['tokenize', '--skip-padding', 'x'], /unknown option --skip-padding/],
    [['tokenize', '--tokenizer', 'gpt2', '--model', 'builtin:seed', 'x'], /give --tokenizer or --model, not both/],
    [['inspect', '--bidirectional=yes', 'x'], /--bidirectional is a flag and takes no value/],
  ];
  for (const [args, re] of cases) {
    it(args.join(' '), () => failsWith(cli(args), re));
  }

  it('accepts the ends of each range, and a TEXT that starts with "-" after --', () => {
    let r = cli(['inspect', '--model', 'builtin:seed', '--seed', '4294967295', '--layers', '16', '--hidden-size', '1', '--timeout', '30.5', 'White refrigerator']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).h_n.length, 16);
    r = cli(['tokenize', '--model', 'builtin:seed', '--', '-x']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).tokens.map((t: { start: number; end: number }) => '-x'.slice(t.start, t.end)).join(''), '-x');
  });
});

describe('CLI: unexpected errors', function () {
  this.timeout(30_000);
  it('a bug on the worker thread is one line asking for a report, without the stack', () => {
    failsWith(cli(['tokenize', 'x'], { env: { EMBEDDING_LENS_FAULT: 'throw' } }), /^embedding-lens: internal error: a test fault with a second line \(please report; run with EMBEDDING_LENS_DEBUG=1 for the stack\)$/);
  });
  it('EMBEDDING_LENS_DEBUG=1 adds the stack', () => {
    const r = cli(['tokenize', 'x'], { env: { EMBEDDING_LENS_FAULT: 'throw', EMBEDDING_LENS_DEBUG: '1' } });
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /^embedding-lens: internal error: a test fault/);
    assert.ok(lines.some(l => /^\s+at /.test(l)), r.stderr);
  });
  it('a worker thread that exits without a result', () => {
    failsWith(cli(['inspect', 'x'], { env: { EMBEDDING_LENS_FAULT: 'exit' } }), /internal error: the worker thread exited \(code 3\) without a result during: the test fault exit/);
  });
  it('a closed stdout (`| head`) ends quietly', () => {
    const file = path.join(dir, 'many-words.txt');
    writeFileSync(file, 'word '.repeat(200_000));
    const err = path.join(dir, 'epipe.err');
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI()}" tokenize --model builtin:seed --file "${file}" 2>"${err}" | head -c 10 >/dev/null`], { encoding: 'utf8', env: CLEAN_ENV, timeout: 30_000 });
    assert.equal(r.error, undefined);
    assert.equal(readFileSync(err, 'utf8'), '');
  });
});
