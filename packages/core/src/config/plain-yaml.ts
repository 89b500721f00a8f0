import { childPath } from './config-problems';

/**
 * A reader for the plain YAML most configuration files are written in, without the `yaml` library: block mappings
 * and sequences, one-line flow mappings and sequences (`{ port: 0 }`, `[a, b]`), plain and quoted one-line scalars,
 * comments. It returns undefined as soon as it meets anything else — anchors, aliases, `<<` merge keys, tags, block scalars,
 * multi-line scalars or flows, directives, duplicate keys, tabs, numbers outside plain decimals —, and then the
 * `yaml` library reads the file as before (read-yaml.ts), so what the two give is the same whenever this one answers
 * (a property test holds them equal): the values, and the line of every key and item.
 *
 * Why: the library's document model cost ~0.2–0.3 s of CPU for the 52 KB of 100 models at every start of
 * `vigil run`, most of it code run once (docs/benchmarks.md, "The start-up's modules and configuration"); this
 * reads the same file in a few milliseconds, and the library is not loaded at all.
 */
export interface PlainYaml {
  readonly value: unknown;
  /** The 1-based line of every key and item, by path (`models[0].id`), in document order. */
  readonly lines: Map<string, number>;
  /** Every string value, in document order, with its path and where to put it back (`${NAME}` substitution). */
  readonly strings: { path: string; text: string; set: (value: string) => void }[];
}

/** More values than this, or more nesting: left to the library (it reports them). */
const MAX_VALUES = 100_000;
const MAX_DEPTH = 32;

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

interface Line {
  /** 1-based. */
  readonly no: number;
  indent: number;
  /** Without its indentation and its comment, trailing spaces trimmed; not empty. */
  text: string;
}

export function readPlainYaml(text: string): PlainYaml | undefined {
  // Any white space but the space and the line feed (a tab, CR, a BOM, NBSP, U+3000, \v, \f…): the library's. YAML's
  // white space is the space and the tab alone, but JavaScript's trims below would take them all for indentation.
  if (/[^\S \n]/.test(text)) return undefined;
  try {
    const lines = splitLines(text);
    if (lines.length === 0) return undefined;
    const reader = new Reader(lines);
    const value = reader.block(0, '', 0);
    if (reader.at < lines.length) unsupported();
    return { value, lines: reader.lineOf, strings: reader.strings };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!;
    const indent = line.length - line.trimStart().length;
    const body = stripComment(line.slice(indent)).trimEnd();
    if (body === '') continue;
    // Directives and document markers.
    if (indent === 0 && (body.startsWith('%') || body.startsWith('---') || body.startsWith('...'))) unsupported();
    out.push({ no: i + 1, indent, text: body });
  }
  return out;
}

/** The line without its comment: a `#` at its start or after a space, outside quotes. */
function stripComment(s: string): string {
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote !== '') {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') unsupported();
    } else if (c === '#' && (i === 0 || s[i - 1] === ' ')) return s.slice(0, i);
    else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(s[i - 1]!))) quote = c;
  }
  if (quote !== '') unsupported();
  return s;
}

class Reader {
  at = 0;
  values = 0;
  readonly lineOf = new Map<string, number>();
  readonly strings: PlainYaml['strings'] = [];

  constructor(private readonly lines: Line[]) {}

  count(depth: number): void {
    if (++this.values > MAX_VALUES || depth > MAX_DEPTH) unsupported();
  }

  /** The block node whose first line is the current one, at exactly `indent`. */
  block(indent: number, path: string, depth: number): unknown {
    const first = this.lines[this.at]!;
    if (first.indent !== indent) unsupported();
    return first.text === '-' || first.text.startsWith('- ')
      ? this.sequence(indent, path, depth)
      : this.mapping(indent, path, depth);
  }

  private sequence(indent: number, path: string, depth: number): unknown[] {
    this.count(depth);
    const out: unknown[] = [];
    for (;;) {
      const line = this.lines[this.at];
      if (line === undefined || line.indent < indent) return out;
      if (line.indent > indent || !line.text.startsWith('- ')) {
        if (line.indent === indent && !line.text.startsWith('-')) return out; // a mapping's next key
        unsupported();
      }
      const itemPath = childPath(path, out.length);
      const rest = line.text.slice(2);
      const pad = rest.length - rest.trimStart().length;
      this.lineOf.set(itemPath, line.no);
      // The item's content is read as a line of its own, indented to where it starts.
      line.indent += 2 + pad;
      line.text = rest.trimStart();
      const item = isMappingEntry(line.text)
        ? this.mapping(line.indent, itemPath, depth + 1)
        : this.inline(line.text, line.no, itemPath, depth + 1, () => (this.at += 1));
      this.put(out, out.length, item, itemPath);
    }
  }

  private mapping(indent: number, path: string, depth: number): Record<string, unknown> {
    this.count(depth);
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (;;) {
      const line = this.lines[this.at];
      if (line === undefined || line.indent < indent) return out;
      if (line.indent > indent) unsupported();
      if (line.text.startsWith('-')) {
        if (line.text === '-' || line.text.startsWith('- ')) return out; // the enclosing sequence's next item
        unsupported();
      }
      const colon = entryColon(line.text);
      if (colon < 0) unsupported();
      const keyText = line.text.slice(0, colon).trimEnd();
      if (keyText === '') unsupported();
      const key = String(plainScalar(keyText, false));
      if (key === '<<' || seen.has(key)) unsupported();
      seen.add(key);
      const keyPath = childPath(path, key);
      this.lineOf.set(keyPath, line.no);
      this.count(depth + 1); // the key
      const rest = line.text.slice(colon + 1).trim();
      let value: unknown;
      if (rest !== '') value = this.inline(rest, line.no, keyPath, depth + 1, () => (this.at += 1));
      else {
        this.at += 1;
        const next = this.lines[this.at];
        if (next !== undefined && next.indent > indent) value = this.block(next.indent, keyPath, depth + 1);
        else if (next !== undefined && next.indent === indent && (next.text === '-' || next.text.startsWith('- ')))
          value = this.block(indent, keyPath, depth + 1);
        else {
          this.count(depth + 1);
          value = null;
        }
      }
      this.put(out, key, value, keyPath);
    }
  }

  /** A value that fits on its line: a one-line flow collection or a scalar; `done` moves past the line. */
  private inline(text: string, no: number, path: string, depth: number, done: () => void): unknown {
    // Block scalars, anchors, aliases, tags, complex keys, reserved indicators.
    if (/^[|>&*!?@`%]/.test(text)) unsupported();
    // A scalar continued on the next, more indented line is a multi-line scalar.
    const next = this.lines[this.at + 1];
    const current = this.lines[this.at]!;
    if (next !== undefined && next.indent > current.indent && !(text.startsWith('{') || text.startsWith('[')))
      unsupported();
    let value: unknown;
    if (text.startsWith('{') || text.startsWith('[')) {
      const flow = new Flow(text, no, this, depth);
      value = flow.node(path);
      if (flow.i !== text.length) unsupported();
      if (next !== undefined && next.indent > current.indent) unsupported();
    } else value = this.scalar(text, false, depth);
    done();
    return value;
  }

  scalar(text: string, inFlow: boolean, depth: number): unknown {
    this.count(depth);
    return text.startsWith('"') || text.startsWith("'") ? quoted(text) : plainScalar(text, inFlow);
  }

  /** Puts `value` at `key` of `into`, and notes it when it is a string (for `${NAME}` substitution). */
  put(into: Record<string, unknown> | unknown[], key: string | number, value: unknown, path: string): void {
    // Defined, not assigned: `out.__proto__ = value` would replace the mapping's prototype (read-yaml.ts).
    const set = (v: unknown) =>
      Object.defineProperty(into, key, { value: v, enumerable: true, writable: true, configurable: true });
    set(value);
    if (typeof value === 'string') this.strings.push({ path, text: value, set });
  }
}

/** A one-line flow collection: `{ a: 1, b: [x, y] }`. Plain scalars only, no quotes. */
class Flow {
  i = 0;
  constructor(
    private readonly s: string,
    private readonly no: number,
    private readonly reader: Reader,
    private readonly depth: number,
  ) {}

  private spaces(): void {
    while (this.s[this.i] === ' ') this.i++;
  }

  node(path: string, depth = this.depth): unknown {
    this.spaces();
    const c = this.s[this.i];
    if (c === '{' || c === '[') {
      this.reader.count(depth);
      const isMap = c === '{';
      const close = isMap ? '}' : ']';
      const out: Record<string, unknown> | unknown[] = isMap ? {} : [];
      const seen = new Set<string>();
      this.i++;
      this.spaces();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      for (;;) {
        this.spaces();
        if (isMap) {
          const keyText = this.token();
          if (this.s[this.i] !== ':' || this.s[this.i + 1] !== ' ') unsupported();
          this.i += 1;
          if (keyText === '') unsupported();
          const key = String(plainScalar(keyText, true));
          if (key === '<<' || seen.has(key)) unsupported();
          seen.add(key);
          const keyPath = childPath(path, key);
          this.reader.lineOf.set(keyPath, this.no);
          this.reader.count(depth + 1);
          const value = this.node(keyPath, depth + 1);
          this.reader.put(out, key, value, keyPath);
        } else {
          const list = out as unknown[];
          const itemPath = childPath(path, list.length);
          this.reader.lineOf.set(itemPath, this.no);
          this.reader.put(list, list.length, this.node(itemPath, depth + 1), itemPath);
        }
        this.spaces();
        const sep = this.s[this.i++];
        if (sep === close) return out;
        if (sep !== ',') unsupported();
        this.spaces();
        if (this.s[this.i] === close) unsupported(); // a trailing comma: left to the library
      }
    }
    const text = this.token();
    if (text === '') unsupported();
    return this.reader.scalar(text, true, depth);
  }

  /** A plain scalar up to `,`, `]`, `}` or `: `. */
  private token(): string {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === ',' || c === ']' || c === '}' || c === '[' || c === '{' || c === '"' || c === "'") break;
      if (c === ':' && (this.s[this.i + 1] === ' ' || this.s[this.i + 1] === undefined)) break;
      this.i++;
    }
    const c = this.s[this.i];
    if (c === '[' || c === '{' || c === '"' || c === "'") unsupported();
    return this.s.slice(start, this.i).trim();
  }
}

/** Whether the text is a block mapping entry (`key: …` or `key:`). */
function isMappingEntry(text: string): boolean {
  return entryColon(text) >= 0;
}

/** Where a block mapping entry's `:` is (followed by a space or the line's end), or -1; quoted keys are not read. */
function entryColon(text: string): number {
  if (/^["'[{]/.test(text)) return -1;
  for (let i = 0; i < text.length; i++) if (text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ')) return i;
  return -1;
}

/** A quoted scalar on one line: single quotes with `''`, double quotes without escapes. */
function quoted(text: string): string {
  const q = text[0]!;
  const body = text.slice(1, -1);
  if (text.length < 2 || text[text.length - 1] !== q) unsupported();
  if (q === '"') {
    if (/["\\]/.test(body)) unsupported();
    return body;
  }
  if (/'(?!')/.test(body.replace(/''/g, ''))) unsupported();
  return body.replace(/''/g, "'");
}

/**
 * A plain scalar as YAML 1.2's core schema reads it (the `yaml` library's default): null, booleans, decimal
 * integers and floats, else a string; octal, hexadecimal, `.inf` and `.nan`, and anything starting with an
 * indicator are left to the library.
 */
function plainScalar(text: string, inFlow: boolean): unknown {
  if (text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return null;
  if (text === 'true' || text === 'True' || text === 'TRUE') return true;
  if (text === 'false' || text === 'False' || text === 'FALSE') return false;
  if (/^[-+]?[0-9]+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : unsupported();
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$/.test(text) || /^[-+]?[0-9]+[eE][-+]?[0-9]+$/.test(text))
    return Number.parseFloat(text);
  // Strings: a letter, digit, `/`, `_`, `$` or `.` first, none of the characters that could end or change it.
  if (!/^[A-Za-z0-9_/$.]/.test(text) || /^0[oxOX]|^\.(?:inf|nan|Inf|NaN|INF|NAN)$|^[-+.]/.test(text)) unsupported();
  if (/[#]| :|:$|: /.test(text) || (inFlow && /[,[\]{}]/.test(text))) unsupported();
  return text;
}
