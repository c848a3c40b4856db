import { LensError } from '../errors';
import { forEachRange } from './codePointSet';
import { GC_NAMES, GC_RUNS, HEX_RANGES, SPACE_RANGES, WORD_IN_CLASS_RANGES, WORD_RANGES } from './onigUnicode';

/*
 * tokenizer.json Split patterns are compiled by the Rust library with Oniguruma (Ruby syntax,
 * UTF-8). JavaScript's RegExp differs in ways that change matches: no inline modifiers (gpt-4o's
 * `(?i:'s|'t|…)`), no possessive quantifiers or atomic groups, `\s`/`\w`/`\d` ASCII-only, `^`/`$`
 * whole-input anchors, a newer Unicode in `\p{…}`. We translate to an equivalent 'u'-flag RegExp:
 * every class becomes explicit code point ranges from Oniguruma's own tables (onigUnicode.ts),
 * atomic constructs become `(?=(X))\N`, anchors become lookarounds, and case-insensitive parts
 * become explicit case variants. Whatever we cannot translate exactly is an error naming it.
 */

const MAX_CP = 0x10ffff;

/** A set of code points: sorted, disjoint, non-touching inclusive ranges [lo0, hi0, lo1, hi1, …]. */
type CodeSet = readonly number[];

function fromPairs(pairs: number[][]): CodeSet {
  pairs.sort((a, b) => a[0]! - b[0]!);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo! <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi!);
    else out.push(lo!, hi!);
  }
  return out;
}

function union(...sets: CodeSet[]): CodeSet {
  const pairs: number[][] = [];
  for (const s of sets) for (let i = 0; i < s.length; i += 2) pairs.push([s[i]!, s[i + 1]!]);
  return fromPairs(pairs);
}

function complement(s: CodeSet): CodeSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < s.length; i += 2) {
    if (s[i]! > next) out.push(next, s[i]! - 1);
    next = s[i + 1]! + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

function intersect(a: CodeSet, b: CodeSet): CodeSet {
  return complement(union(complement(a), complement(b)));
}

function single(cp: number): CodeSet {
  return [cp, cp];
}

/** A generated range table of onigUnicode.ts as a code set. */
function decodeRanges(s: string): CodeSet {
  const pairs: number[][] = [];
  forEachRange(s, (lo, hi) => pairs.push([lo, hi]));
  return fromPairs(pairs);
}

let categories: Map<string, CodeSet> | undefined;

/** Oniguruma's general categories as code sets (decoded once, on first use). */
function categorySets(): Map<string, CodeSet> {
  if (categories) return categories;
  const pairs = new Map<string, number[][]>(GC_NAMES.map(n => [n, []]));
  const runs: [number, string][] = [];
  let at = 0;
  for (let i = 0; i < GC_RUNS.length; ) {
    let j = i;
    while (j < GC_RUNS.length && /[0-9A-Z]/.test(GC_RUNS[j]!)) j++;
    at += parseInt(GC_RUNS.slice(i, j), 36);
    runs.push([at, GC_NAMES[GC_RUNS.charCodeAt(j) - 97]!]);
    i = j + 1;
  }
  runs.forEach(([start, name], k) => pairs.get(name)!.push([start, (runs[k + 1]?.[0] ?? MAX_CP + 1) - 1]));
  categories = new Map([...pairs].map(([n, p]) => [n, fromPairs(p)]));
  for (const group of ['C', 'L', 'M', 'N', 'P', 'S', 'Z']) {
    categories.set(group, union(...GC_NAMES.filter(n => n[0] === group).map(n => categories!.get(n)!)));
  }
  categories.set('LC', union(categories.get('Lu')!, categories.get('Ll')!, categories.get('Lt')!));
  return categories;
}

const classCache = new Map<string, CodeSet>();

function cached(key: string, make: () => CodeSet): CodeSet {
  let s = classCache.get(key);
  if (!s) classCache.set(key, (s = make()));
  return s;
}

/** Property names Oniguruma gives the general categories (matched loosely, as Oniguruma does). */
const PROPERTY_ALIASES: Record<string, string> = {
  letter: 'L', casedletter: 'LC', uppercaseletter: 'Lu', lowercaseletter: 'Ll', titlecaseletter: 'Lt', modifierletter: 'Lm', otherletter: 'Lo',
  mark: 'M', combiningmark: 'M', nonspacingmark: 'Mn', spacingmark: 'Mc', enclosingmark: 'Me',
  number: 'N', decimalnumber: 'Nd', letternumber: 'Nl', othernumber: 'No',
  punctuation: 'P', connectorpunctuation: 'Pc', dashpunctuation: 'Pd', openpunctuation: 'Ps', closepunctuation: 'Pe', initialpunctuation: 'Pi', finalpunctuation: 'Pf', otherpunctuation: 'Po',
  symbol: 'S', mathsymbol: 'Sm', currencysymbol: 'Sc', modifiersymbol: 'Sk', othersymbol: 'So',
  separator: 'Z', spaceseparator: 'Zs', lineseparator: 'Zl', paragraphseparator: 'Zp',
  other: 'C', control: 'Cc', format: 'Cf', surrogate: 'Cs', privateuse: 'Co', unassigned: 'Cn',
};

/** The code set of \p{name}, or undefined for a property we have no exact table for. */
function propertySet(name: string): CodeSet | undefined {
  const loose = name.toLowerCase().replace(/[\s_-]/g, '');
  const cats = categorySets();
  for (const key of cats.keys()) if (key.toLowerCase() === loose) return cats.get(key);
  const alias = PROPERTY_ALIASES[loose];
  if (alias) return cats.get(alias);
  if (loose === 'any') return [0, MAX_CP];
  if (loose === 'assigned') return complement(cats.get('Cn')!);
  if (loose === 'ascii') return [0, 0x7f];
  return undefined;
}

/** Code points with a case mapping or folding somewhere (everything outside UNCASED categories). */
const casedSet = (): CodeSet => cached('cased', () => complement(union(...[...UNCASED].map(n => categorySets().get(n)!))));
const wordSet = (): CodeSet => cached('\\w', () => decodeRanges(WORD_RANGES));
/** Inside brackets Oniguruma's \w lacks the Latin-1 extras (² ½ …) that a bare \w has. */
const wordInClassSet = (): CodeSet => cached('[\\w]', () => decodeRanges(WORD_IN_CLASS_RANGES));
const spaceSet = (): CodeSet => cached('\\s', () => decodeRanges(SPACE_RANGES));
const digitSet = (): CodeSet => categorySets().get('Nd')!;
const hexSet = (): CodeSet => cached('\\h', () => decodeRanges(HEX_RANGES));

/** Code points whose case variants Oniguruma adds beyond ASCII: K→K (Kelvin sign), s→ſ (long s). */
const ASCII_FOLD_EXTRA: Record<string, number> = { k: 0x212a, s: 0x17f };
/** ASCII letter pairs that a single character folds to (ß→ss, ﬁ→fi, ﬅ→st…): Oniguruma matches those too. */
const MULTI_FOLD_PAIRS = new Set(['ss', 'ff', 'fi', 'fl', 'st']);
/** Categories with no case mappings at all: safe to match as they are under (?i). */
const UNCASED = new Set(['Nd', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po', 'Zs', 'Zl', 'Zp', 'Cc']);

interface Flags {
  readonly ignoreCase: boolean;
  readonly dotAll: boolean;
}

/**
 * One parsed item of a sequence: its JS source, whether it is one JS atom, the literal code point
 * it was (if any), and whether it holds an unbounded quantifier that can backtrack (`repeats`).
 */
interface Item {
  src: string;
  atom: boolean;
  literal?: number;
  repeats?: boolean;
}

/**
 * Deepest nesting of groups and bracket classes we translate (the translator recurses per level;
 * Oniguruma itself stops at 4096). Real tokenizer patterns nest a few levels.
 */
export const MAX_REGEX_NESTING = 256;

/** Largest bound of an interval `{n,m}` (Oniguruma's ONIG_MAX_REPEAT_NUM). */
const MAX_REPEAT = 100_000;

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** RegExp syntax characters (escaped with "\\" in the output; "-" only inside a class, where 'u' mode allows it). */
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/-'].map(c => c.charCodeAt(0)));

/**
 * A code point in RegExp source. Printable characters are written as themselves: V8 stops
 * optimizing patterns longer than 20 KB, and Unicode classes written as "\u{…}" ranges would be.
 */
function literalSrc(cp: number, inClass = false): string {
  if (SYNTAX.has(cp) && (inClass || cp !== 0x2d)) return `\\${String.fromCharCode(cp)}`;
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0x2028 || cp === 0x2029) return hex(cp);
  return String.fromCodePoint(cp);
}

/** A JS character class for a code set, with explicit ranges only (exact under any Unicode version). */
function classSrc(s: CodeSet): string {
  if (s.length === 0) return '[]';
  if (s.length === 2 && s[0] === 0 && s[1] === MAX_CP) return '[^]';
  let out = '[';
  for (let i = 0; i < s.length; i += 2) {
    const lo = s[i]!;
    const hi = s[i + 1]!;
    out += lo === hi ? literalSrc(lo, true) : hi === lo + 1 ? literalSrc(lo, true) + literalSrc(hi, true) : `${literalSrc(lo, true)}-${literalSrc(hi, true)}`;
  }
  return out + ']';
}

class Translator {
  private pos = 0;
  /** Capturing groups we emit (for atomic emulation); the pattern's own groups become non-capturing. */
  private groups = 0;
  /** Depth of lookbehinds around the current position (JavaScript runs them backwards). */
  private behind = 0;
  /** Depth of groups and bracket classes around the current position. */
  private depth = 0;
  /** Unbounded, backtracking quantifiers emitted so far (a group's body repeats if this grew while it was read). */
  private unbounded = 0;

  constructor(
    private readonly pattern: string,
    private readonly what: string,
  ) {}

  translate(): string {
    const src = this.alternation({ ignoreCase: false, dotAll: false });
    if (this.pos < this.pattern.length) this.fail(`unbalanced ")" at ${this.pos}`);
    return src;
  }

  private fail(why: string): never {
    throw new LensError('unsupported', `${this.what} ${JSON.stringify(this.pattern)}: ${why}; this Oniguruma construct cannot be translated exactly to a JavaScript RegExp`);
  }

  private peek(k = 0): string | undefined {
    return this.pattern[this.pos + k];
  }

  private eat(s: string): boolean {
    if (this.pattern.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  private alternation(flags: Flags): string {
    const alts = [this.sequence(flags)];
    while (this.eat('|')) alts.push(this.sequence(flags));
    return alts.join('|');
  }

  private sequence(flags: Flags): string {
    const items: Item[] = [];
    while (this.pos < this.pattern.length && this.peek() !== '|' && this.peek() !== ')') {
      const isolated = this.isolatedOption(flags);
      if (isolated) {
        // Oniguruma: "a(?i)b|c" is "a(?i:b|c)": the option takes the rest of the group, alternatives included.
        this.enter();
        const counted = this.unbounded;
        const body = this.alternation(isolated);
        items.push({ src: `(?:${body})`, atom: true, repeats: this.unbounded > counted });
        this.depth--;
        break;
      }
      const start = this.pos;
      const counted = this.unbounded;
      let item = this.atom(flags);
      item = this.quantifiers(item, start, counted);
      items.push(item);
    }
    if (flags.ignoreCase) {
      for (let k = 0; k + 1 < items.length; k++) {
        const a = items[k]!.literal;
        const b = items[k + 1]!.literal;
        if (a !== undefined && b !== undefined && MULTI_FOLD_PAIRS.has(String.fromCodePoint(a, b).toLowerCase())) {
          this.fail(`"${String.fromCodePoint(a, b)}" under (?i) also matches a ligature or ß (multi-character case folding)`);
        }
      }
    }
    return items.map(i => i.src).join('');
  }

  /** `(?imx-imx)` with no colon: returns the new flags (and consumes it), else undefined. */
  private isolatedOption(flags: Flags): Flags | undefined {
    const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(this.pattern.slice(this.pos));
    if (!m || (!m[1] && m[2] === undefined)) return undefined;
    const next = this.options(m[1]!, m[2] ?? '', flags);
    this.pos += m[0].length;
    return next;
  }

  private options(on: string, off: string, flags: Flags): Flags {
    let { ignoreCase, dotAll } = flags;
    for (const [letters, value] of [[on, true], [off, false]] as const) {
      for (const o of letters) {
        if (o === 'i') ignoreCase = value;
        else if (o === 'm') dotAll = value; // Ruby's m is "dot matches newline"
        else this.fail(`option (?${o}) is not supported`);
      }
    }
    return { ignoreCase, dotAll };
  }

  /**
   * Refuses an unbounded quantifier over an item that itself repeats without bound (`(a+)+`,
   * `(\w+\s?)*`): a backtracking engine tries exponentially many ways to split a text that
   * almost matches, and a JavaScript RegExp cannot be interrupted. Possessive and atomic forms
   * do not backtrack, so they are allowed.
   */
  private checkNesting(item: Item, start: number): void {
    if (!item.repeats) return;
    const fragment = this.pattern.slice(start, this.pos);
    throw new LensError(
      'unsupported',
      `${this.what} ${JSON.stringify(this.pattern)}: ${JSON.stringify(fragment)} repeats without bound something that itself repeats without bound (nested quantifiers), which can take exponential time on some texts; not supported`,
    );
  }

  /** The quantifiers after `item` (which started at `start`, when `counted` unbounded quantifiers had been seen). */
  private quantifiers(item: Item, start: number, counted: number): Item {
    /**
     * A chain of greedy ?, *, + on one plain item (`a**`, `a+*`, `a?*`): Oniguruma reduces it to
     * one quantifier (`a*`), and so do we, since `(?:a*)*` backtracks exponentially in JavaScript.
     */
    let chain: { base: string; seen: Set<string> } | undefined;
    for (;;) {
      const c = this.peek();
      let q: string;
      if (c === '?' || c === '*' || c === '+') {
        this.pos++;
        q = c;
      } else if (c === '{') {
        const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.pattern.slice(this.pos));
        if (!m || (m[1] === '' && (m[2] === undefined || m[3] === ''))) return item; // not an interval: a literal "{" (next atom)
        const lo = m[1] === '' ? 0 : Number(m[1]);
        const hi = m[2] === undefined ? lo : m[3] === '' ? undefined : Number(m[3]);
        if (hi !== undefined && hi < lo) this.fail(`interval {${lo},${hi}} has its bounds reversed`);
        if (Math.max(lo, hi ?? 0) > MAX_REPEAT) this.fail(`interval ${m[0]} is past Oniguruma's repeat limit of ${MAX_REPEAT} (the Rust library refuses it too)`);
        this.pos += m[0].length;
        q = hi === undefined ? `{${lo},}` : hi === lo ? `{${lo}}` : `{${lo},${hi}}`;
        // Ruby syntax: "{n,m}+" is not possessive, it repeats the interval; "{n,m}?" is lazy.
        if (this.eat('?')) q += '?';
        if (hi === undefined) {
          this.checkNesting(item, start);
          this.unbounded++;
        }
        item = { src: `${this.asAtom(item)}${q}`, atom: false, repeats: hi === undefined || !!item.repeats };
        chain = undefined;
        continue;
      } else {
        return item;
      }
      const lazy = this.peek() === '?';
      const possessive = !lazy && this.peek() === '+';
      if (!lazy && !possessive && chain) {
        chain.seen.add(q);
        const one = chain.seen.size === 1 ? q : '*';
        if (one !== '?') this.unbounded++;
        item = { src: `${chain.base}${one}`, atom: false, repeats: one !== '?' };
        continue;
      }
      const base = this.asAtom(item);
      chain = !lazy && !possessive && !item.repeats ? { base, seen: new Set([q]) } : undefined;
      if (q !== '?' && !possessive) {
        this.checkNesting(item, start);
        this.unbounded++;
      }
      const repeats = (q !== '?' && !possessive) || !!item.repeats;
      if (this.eat('?')) item = { src: `${base}${q}?`, atom: false, repeats };
      else if (this.eat('+')) {
        item = this.atomic(`${base}${q}`);
        this.unbounded = counted; // possessive: nothing inside backtracks from outside
      } else item = { src: `${base}${q}`, atom: false, repeats };
    }
  }

  private asAtom(item: Item): string {
    return item.atom ? item.src : `(?:${item.src})`;
  }

  /** An atomic group: the lookahead finds the first match and the backreference consumes exactly it. */
  private atomic(src: string): Item {
    // Backwards, the backreference would run before the lookahead that sets it.
    if (this.behind > 0) this.fail('an atomic group or possessive quantifier inside a lookbehind is not supported');
    const n = ++this.groups;
    return { src: `(?:(?=(${src}))\\${n})`, atom: true };
  }

  private atom(flags: Flags): Item {
    const c = this.peek()!;
    if (c === '(') return this.group(flags);
    if (c === '[') return { src: classSrc(this.bracket(flags)), atom: true };
    this.pos++;
    switch (c) {
      case '.':
        return { src: flags.dotAll ? '[^]' : '[^\\n]', atom: true };
      case '^':
        return { src: '(?<![^\\n])', atom: false }; // Ruby: beginning of a line
      case '$':
        return { src: '(?![^\\n])', atom: false }; // Ruby: end of a line
      case '\\':
        return this.escape(flags);
      case '*':
      case '+':
      case '?':
        return this.fail(`target of repeat operator is missing at ${this.pos - 1}`);
      default: {
        this.pos--;
        const cp = this.pattern.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return this.literal(cp, flags);
      }
    }
  }

  private literal(cp: number, flags: Flags): Item {
    if (!flags.ignoreCase) return { src: literalSrc(cp), atom: true, literal: cp };
    return { src: classSrc(this.caseClosure(single(cp))), atom: true, literal: cp };
  }

  /** The case variants Oniguruma matches for a set under (?i); only ASCII letters and uncased characters are supported. */
  private caseClosure(s: CodeSet): CodeSet {
    const extra: number[][] = [];
    for (let i = 0; i < s.length && s[i]! < 0x80; i += 2) {
      for (let cp = s[i]!; cp <= Math.min(s[i + 1]!, 0x7f); cp++) {
        const lower = String.fromCharCode(cp).toLowerCase().charCodeAt(0);
        const upper = String.fromCharCode(cp).toUpperCase().charCodeAt(0);
        if (lower === upper) continue;
        extra.push([lower, lower], [upper, upper]);
        const more = ASCII_FOLD_EXTRA[String.fromCharCode(lower)];
        if (more !== undefined) extra.push([more, more]);
      }
    }
    const cased = intersect(intersect(s, [0x80, MAX_CP]), casedSet());
    if (cased.length > 0) this.fail(`U+${cased[0]!.toString(16).toUpperCase().padStart(4, '0')} under (?i) needs Unicode case folding`);
    return union(s, fromPairs(extra));
  }

  /** Counts a level of nesting (a group or a bracket class); past MAX_REGEX_NESTING it is an error, not a stack overflow. */
  private enter(): void {
    if (++this.depth > MAX_REGEX_NESTING) {
      throw new LensError('unsupported', `${this.what} ${JSON.stringify(this.pattern.length > 200 ? this.pattern.slice(0, 200) + '…' : this.pattern)}: groups or classes nested more than ${MAX_REGEX_NESTING} levels deep (the nesting limit); expected a flatter pattern`);
    }
  }

  private group(flags: Flags): Item {
    this.enter();
    const counted = this.unbounded;
    const item = this.groupBody(flags);
    // Lookarounds and atomic groups never backtrack into their body from outside.
    if (!item.repeats) this.unbounded = counted;
    this.depth--;
    return item;
  }

  private groupBody(flags: Flags): Item {
    const counted = this.unbounded;
    this.pos++; // (
    let open = '(?:';
    let inner = flags;
    if (this.eat('?')) {
      const c = this.peek();
      if (this.eat(':')) open = '(?:';
      else if (this.eat('=')) open = '(?=';
      else if (this.eat('!')) open = '(?!';
      else if (this.eat('<=')) open = '(?<=';
      else if (this.eat('<!')) open = '(?<!';
      else if (this.eat('>')) {
        const body = this.alternation(flags);
        if (!this.eat(')')) this.fail('missing ")"');
        return this.atomic(body);
      } else if (c === '<' || c === "'") {
        const m = /^(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')/.exec(this.pattern.slice(this.pos));
        if (!m) this.fail(`group "(?${c}" is not supported`);
        this.pos += m[0].length; // a named group: its capture does not matter to Split
      } else if (c === '#') {
        const end = this.pattern.indexOf(')', this.pos);
        if (end < 0) this.fail('missing ")" after comment');
        this.pos = end + 1;
        return { src: '', atom: false };
      } else {
        const m = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?:/.exec(this.pattern.slice(this.pos));
        if (!m) this.fail(`group "(?${c ?? ''}" is not supported`);
        inner = this.options(m[1]!, m[2] ?? '', flags);
        this.pos += m[0].length;
      }
    }
    const lookbehind = open === '(?<=' || open === '(?<!';
    if (lookbehind) this.behind++;
    const body = this.alternation(inner);
    if (lookbehind) this.behind--;
    if (!this.eat(')')) this.fail('missing ")"');
    const lookaround = open !== '(?:';
    return { src: `${open}${body})`, atom: !lookaround, repeats: !lookaround && this.unbounded > counted };
  }

  /** An escape outside a class. */
  private escape(flags: Flags): Item {
    const c = this.peek();
    if (c === undefined) this.fail('trailing "\\"');
    // Oniguruma does not case-fold \p{…}, \w, \s… outside brackets (checked against the Rust library).
    const set = this.classEscape();
    if (set) return { src: classSrc(set), atom: true };
    this.pos++;
    switch (c) {
      case 'A':
        return { src: '^', atom: false };
      case 'z':
        return { src: '$', atom: false };
      case 'Z':
        return { src: '(?=\\n?$)', atom: false };
      case 'b':
      case 'B': {
        const w = classSrc(wordSet());
        const boundary = `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
        const inside = `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
        return { src: c === 'b' ? boundary : inside, atom: true };
      }
      default: {
        this.pos--;
        const cp = this.charEscape();
        return this.literal(cp, flags);
      }
    }
  }

  /** \w \W \s \S \d \D \h \H \p{…} \P{…}: the class, or undefined if the escape is something else. Consumes it. */
  private classEscape(inBracket = false): CodeSet | undefined {
    const c = this.peek();
    let set: CodeSet | undefined;
    switch (c) {
      case 'w':
      case 'W':
        set = inBracket ? wordInClassSet() : wordSet();
        break;
      case 's':
      case 'S':
        set = spaceSet();
        break;
      case 'd':
      case 'D':
        set = digitSet();
        break;
      case 'h':
      case 'H':
        set = hexSet();
        break;
      case 'p':
      case 'P': {
        const m = /^[pP]\{(\^?)([^}]*)\}/.exec(this.pattern.slice(this.pos));
        if (!m) this.fail(`"\\${c}" without {name}`);
        const prop = propertySet(m[2]!);
        if (!prop) this.fail(`property \\p{${m[2]}} is not supported (supported: general categories such as L, Lu, N, P, their long names, Any, Assigned, ASCII)`);
        this.pos += m[0].length;
        const negated = (c === 'P') !== (m[1] === '^');
        return negated ? complement(prop) : prop;
      }
      default:
        return undefined;
    }
    this.pos++;
    return c === c.toUpperCase() ? complement(set) : set;
  }

  /** A single-character escape (after the "\"): \t \n \xHH \u{…} \. … Consumes it. */
  private charEscape(): number {
    const c = this.peek()!;
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, a: 7, e: 27 };
    if (simple[c] !== undefined) {
      this.pos++;
      return simple[c]!;
    }
    const rest = this.pattern.slice(this.pos);
    const m = /^x\{([0-9a-fA-F]{1,8})\}|^x([0-9a-fA-F]{1,2})|^u([0-9a-fA-F]{4})|^0([0-7]{0,2})(?![0-7])/.exec(rest);
    if (m) {
      this.pos += m[0].length;
      const cp = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 16) : m[3] !== undefined ? parseInt(m[3], 16) : parseInt(m[4] || '0', 8);
      if (cp > MAX_CP || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(`escape "\\${m[0]}" is not a Unicode scalar value`);
      return cp;
    }
    if (/[A-Za-z0-9]/.test(c)) this.fail(`escape "\\${c}" is not supported`);
    const cp = this.pattern.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp; // an escaped punctuation or other character stands for itself
  }

  /** A bracket class `[…]` (nested classes, ranges, `&&` intersections, negation). */
  private bracket(flags: Flags): CodeSet {
    this.enter();
    const set = this.bracketBody(flags);
    this.depth--;
    return set;
  }

  private bracketBody(flags: Flags): CodeSet {
    this.pos++; // [
    const negate = this.eat('^');
    let set = this.classItems(flags, true);
    // Intersection binds loosest: [a-z&&[^c]] = [a-z] ∩ [^c].
    while (this.eat('&&')) set = intersect(set, this.classItems(flags, false));
    if (!this.eat(']')) this.fail('missing "]"');
    if (flags.ignoreCase) set = this.caseClosure(set);
    return negate ? complement(set) : set;
  }

  /** The union of a class's items up to (not including) its "]" or "&&". */
  private classItems(flags: Flags, atStart: boolean): CodeSet {
    const parts: CodeSet[] = [];
    for (let first = atStart; ; first = false) {
      const c = this.peek();
      if (c === undefined) this.fail('missing "]"');
      // A "]" first in the class is a literal, as in Oniguruma.
      if ((c === ']' && !first) || this.pattern.startsWith('&&', this.pos)) break;
      if (c === '[') {
        if (this.pattern.startsWith('[:', this.pos)) this.fail('POSIX bracket classes such as [:alpha:] are not supported');
        parts.push(this.bracket(flags));
        continue;
      }
      if (c === '\\') {
        this.pos++;
        const set = this.classEscape(true);
        if (set) {
          if (flags.ignoreCase) this.fail('a class escape inside a bracket class under (?i) is not supported');
          parts.push(set);
        } else if (this.eat('b')) {
          parts.push(this.rangeFrom(8)); // [\b] is a backspace
        } else {
          parts.push(this.rangeFrom(this.charEscape()));
        }
        continue;
      }
      const cp = this.pattern.codePointAt(this.pos)!;
      this.pos += cp > 0xffff ? 2 : 1;
      parts.push(this.rangeFrom(cp));
    }
    return union(...parts);
  }

  /** A single character, or a range "a-z" starting at it. */
  private rangeFrom(lo: number): CodeSet {
    if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
      this.pos++;
      let hi: number;
      if (this.peek() === '\\') {
        this.pos++;
        if (this.classEscape()) this.fail('a range cannot end in a class escape');
        hi = this.charEscape();
      } else if (this.peek() === '[') {
        this.fail('a range cannot end in a class');
      } else {
        hi = this.pattern.codePointAt(this.pos)!;
        this.pos += hi > 0xffff ? 2 : 1;
      }
      if (hi < lo) this.fail('empty range in char class');
      return [lo, hi];
    }
    return single(lo);
  }
}

const translated = new Map<string, string>();

/**
 * The JavaScript source (for a RegExp with flags 'gu') that matches exactly what Oniguruma
 * matches for `pattern`, as the Rust tokenizers library compiles it. `what` names the pattern's
 * place in messages (e.g. "tokenizer.json: pre_tokenizer Split pattern"). Untranslatable
 * constructs throw LensError('unsupported').
 */
export function onigToJsSource(pattern: string, what: string): string {
  let src = translated.get(pattern);
  if (src === undefined) {
    src = new Translator(pattern, what).translate();
    translated.set(pattern, src);
  }
  return src;
}

/** A global ('gu') RegExp equivalent to the Oniguruma `pattern` (see onigToJsSource). */
export function onigToRegExp(pattern: string, what: string): RegExp {
  const src = onigToJsSource(pattern, what);
  try {
    return new RegExp(src, 'gu');
  } catch (e) {
    throw new LensError('unsupported', `${what} ${JSON.stringify(pattern)}: cannot be translated to a JavaScript RegExp (${(e as Error).message})`);
  }
}

/** A 'gu' RegExp matching the literal string `s` (a Split pattern given as {"String": …}). */
export function literalRegExp(s: string): RegExp {
  let src = '';
  for (const ch of s) src += literalSrc(ch.codePointAt(0)!);
  return new RegExp(src, 'gu');
}
