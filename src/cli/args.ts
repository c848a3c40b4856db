/** A tiny, strict argument parser: every option is declared; anything else is an error. */
export interface OptionSpec {
  readonly name: string; // without the leading --
  readonly kind: 'string' | 'int' | 'flag';
  readonly values?: readonly string[];
}

export interface ParsedArgs {
  readonly positional: string[];
  readonly options: Map<string, string | number | boolean>;
}

/** Error with a message meant for stderr as one line. */
export class UsageError extends Error {}

/** Parses `argv` against `specs`; `--name value`, `--name=value`, `--flag`; `--` ends options. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map(s => [s.name, s]));
  const positional: string[] = [];
  const options = new Map<string, string | number | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name} (expected one of ${specs.map(s => '--' + s.name).join(', ')})`);
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
    }
    if (spec.kind === 'int') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name}: "${value}" is not a whole number`);
      options.set(name, Number(value));
    } else {
      if (spec.values && !spec.values.includes(value)) throw new UsageError(`--${name}: "${value}" is not valid, expected ${spec.values.join(' or ')}`);
      options.set(name, value);
    }
  }
  return { positional, options };
}
