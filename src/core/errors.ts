/**
 * Every failure the core can report. The reason lets callers choose an action (e.g. offer
 * "Select Model…" for a bad file); the message names the file, tensor or option and what was
 * expected, so it can be shown as it is.
 */
export type LensErrorReason =
  | 'badFile' // a file is missing, unreadable or malformed
  | 'badFormat' // a file parses but is not a format we read, or uses an unsupported feature
  | 'shape' // a tensor or matrix has the wrong shape
  | 'dtype' // a tensor has a dtype we cannot read
  | 'vocabMismatch' // the vocabulary does not fit the embedding table
  | 'config' // config.json contradicts the files, or states something invalid
  | 'option' // a caller's option is invalid
  | 'unsupported' // a tokenizer component or model feature we do not implement
  | 'unknownToken' // text that the vocabulary cannot represent and no unknown token exists
  | 'cancelled'; // the caller's cancellation token fired

/** A core error: `reason` for code, `message` for people. */
export class LensError extends Error {
  constructor(
    readonly reason: LensErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'LensError';
  }
}

/** True for a LensError (also across realms/bundles, where instanceof may fail). */
export function isLensError(e: unknown): e is LensError {
  return e instanceof LensError || (e instanceof Error && e.name === 'LensError' && 'reason' in e);
}

/** Structurally a `vscode.CancellationToken`; the core checks it in long loops. */
export interface CancellationFlag {
  readonly isCancellationRequested: boolean;
}

/** Throws a `cancelled` LensError when the flag is set. */
export function throwIfCancelled(flag: CancellationFlag | undefined): void {
  if (flag?.isCancellationRequested) throw new LensError('cancelled', 'cancelled');
}

/** For exhaustive switches: a type error at compile time, a clear error at run time. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
