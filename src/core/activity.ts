/**
 * What the core is doing right now, readable from another thread while this one is stuck.
 *
 * A regular expression that backtracks catastrophically cannot be interrupted from inside its
 * own thread; the watchdog (the extension's worker client, the CLI's runner) terminates the
 * thread instead. To say *what* ran away, the core notes each step that can take long (a
 * tokenizer component running its pattern, a file being read) in a small SharedArrayBuffer
 * that the watching thread reads after the deadline.
 *
 * Layout: Int32 [0] = length in UTF-16 units, then up to ACTIVITY_CHARS UTF-16 units.
 */
export const ACTIVITY_CHARS = 1024;
export const ACTIVITY_BYTES = 4 + 2 * ACTIVITY_CHARS;

let cells: Int32Array | undefined;
let chars: Uint16Array | undefined;
let last: string | undefined;

/** Makes `noteActivity` write into `buffer` (a SharedArrayBuffer of ACTIVITY_BYTES). */
export function installActivityBuffer(buffer: SharedArrayBuffer | undefined): void {
  cells = buffer ? new Int32Array(buffer, 0, 1) : undefined;
  chars = buffer ? new Uint16Array(buffer, 4, ACTIVITY_CHARS) : undefined;
  last = undefined;
}

/** Records the step about to run, e.g. `tokenizer.json pre_tokenizer Split pattern "(a+)+$"`. Cheap when unchanged. */
export function noteActivity(what: string): void {
  if (!cells || what === last) return;
  last = what;
  const n = Math.min(what.length, ACTIVITY_CHARS);
  for (let i = 0; i < n; i++) chars![i] = what.charCodeAt(i);
  Atomics.store(cells, 0, n);
}

/** Reads the last noted step from `buffer` (on the watching thread); undefined when none was noted. */
export function readActivity(buffer: SharedArrayBuffer): string | undefined {
  const n = Atomics.load(new Int32Array(buffer, 0, 1), 0);
  if (n <= 0) return undefined;
  return String.fromCharCode(...new Uint16Array(buffer, 4, Math.min(n, ACTIVITY_CHARS)));
}
