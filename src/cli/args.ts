/** A tiny, strict argument parser: every option is declared; anything else is an error. */
export interface OptionSpec {
  readonly name: string; // without the leading --
  readonly kind: 'string' | 'int' | 'seconds' | 'flag';
  readonly values?: readonly string[];
  /** Smallest and largest accepted value of an `int` or `seconds` option (both inclusive). */
  readonly min?: number;
  readonly max?: number;
  /** How many times the option may be given (default 1); every value is kept in `lists`. */
  readonly repeat?: number;
}

export interface ParsedArgs {
  readonly positional: string[];
  /** Each option given, with its (first) value. */
  readonly options: Map<string, string | number | boolean>;
  /** For options with `repeat` > 1: every value given, in order. */
  readonly lists: Map<string, string[]>;
}

/** Error with a message meant for stderr as one line. */
export class UsageError extends Error {}

/** "a whole number from 1 to 4096" / "a number of seconds from 0.1 to 86400": the accepted range, for messages. */
export function rangeText(spec: Pick<OptionSpec, 'kind' | 'min' | 'max'>): string {
  const what = spec.kind === 'seconds' ? 'a number of seconds' : 'a whole number';
  if (spec.min !== undefined && spec.max !== undefined) return `${what} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${what} ≥ ${spec.min}`;
  if (spec.max !== undefined) return `${what} ≤ ${spec.max}`;
  return what;
}

/**
 * Reads `text` as the number `spec` asks for, or says why not in one line starting with `who`
 * (a flag such as `--max-length`, or an environment variable: each is named as the user wrote it).
 */
export function parseNumber(who: string, text: string, spec: Pick<OptionSpec, 'kind' | 'min' | 'max'>): number {
  const syntax = spec.kind === 'seconds' ? /^\d+(\.\d+)?$/ : /^-?\d+$/;
  const value = Number(text);
  if (!syntax.test(text.trim()) || !Number.isFinite(value)) {
    throw new UsageError(`${who}: "${text}" is not ${spec.kind === 'seconds' ? 'a number of seconds' : 'a whole number'}, expected ${rangeText(spec)}`);
  }
  // Digits past 2^53 would round: compare the digits, not the rounded number, with the range.
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max) || (spec.kind === 'int' && !Number.isSafeInteger(value))) {
    throw new UsageError(`${who}: ${text.trim()} is not valid, expected ${rangeText(spec)}`);
  }
  return value;
}

/**
 * Parses `argv` against `specs`: `--name value`, `--name=value`, `--flag`; `--` ends options.
 * An option given twice, a value missing (or another option where the value should be), a
 * number out of its range, and a single-dash word (`-x`) are errors naming the option.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map(s => [s.name, s]));
  const positional: string[] = [];
  const options = new Map<string, string | number | boolean>();
  const lists = new Map<string, string[]>();
  const expected = (): string => `expected one of ${specs.map(s => '--' + s.name).join(', ')}`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (/^-[A-Za-z]/.test(arg)) {
      throw new UsageError(`unknown option ${arg} (${expected()}; a TEXT that starts with "-" goes after --, e.g. -- ${JSON.stringify(arg)})`);
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name} (${expected()})`);
    const times = (lists.get(name)?.length ?? (options.has(name) ? 1 : 0)) + 1;
    const most = spec.repeat ?? 1;
    if (times > most) throw new UsageError(most === 1 ? `--${name} is given twice, expected it at most once` : `--${name} is given ${times} times, expected it at most ${most} times`);
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} is a flag and takes no value`);
      options.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      // `--file --model m`: the value is missing, not a file called "--model". (`--file=--x` still works.)
      if (byName.has(value.slice(2).split('=')[0]!) && value.startsWith('--')) throw new UsageError(`--${name} needs a value, got the option ${value.split('=')[0]}`);
    }
    if (spec.kind === 'int' || spec.kind === 'seconds') {
      options.set(name, parseNumber(`--${name}`, value, spec));
    } else {
      if (value === '') throw new UsageError(`--${name}: the value is empty, expected ${spec.values ? spec.values.join(' or ') : `a ${name === 'explain' ? 'span START:END' : 'path or name'}`}`);
      if (spec.values && !spec.values.includes(value)) throw new UsageError(`--${name}: "${value}" is not valid, expected ${spec.values.join(' or ')}`);
      if (!options.has(name)) options.set(name, value);
      if (most > 1) lists.set(name, [...(lists.get(name) ?? []), value]);
    }
  }
  return { positional, options, lists };
}
