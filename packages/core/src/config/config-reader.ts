import { parseDuration } from '../duration';
import { childPath, didYouMean, type ConfigProblems } from './config-problems';

interface Presence {
  /** Report a problem when the value is absent (`undefined` or YAML `null`). @defaultValue false */
  required?: boolean;
  /** Never quote the value in a problem: it may be a password, a token or a capability URL. @defaultValue false */
  secret?: boolean;
}

/**
 * Typed reads of plain YAML values. Each read either returns a value of the wanted type or records a problem and
 * returns undefined, so validation carries on and reports everything in one go. Absent means `undefined` or YAML
 * `null` (`key:` with nothing after it).
 */
export class ConfigReader {
  constructor(readonly problems: ConfigProblems) {}

  /** A mapping whose keys must all be in `keys`; unknown keys are problems, with a suggestion for near misses. */
  object(
    value: unknown,
    path: string,
    keys: readonly string[],
    options: Presence = {},
  ): Record<string, unknown> | undefined {
    if (!this.present(value, path, options)) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      // The keys it takes: `owner: me@example.com` should learn of `{ name, email, webhook }` in one round.
      const known = keys.length > 0 ? `; its keys: ${keys.join(', ')}` : '';
      this.problems.unreadable(path, `must be a mapping (key: value), not ${describe(value, options.secret)}${known}`);
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (keys.includes(key)) continue;
      const suggestion = didYouMean(key, keys);
      const hint = suggestion === undefined ? `known keys: ${keys.join(', ')}` : `did you mean "${suggestion}"?`;
      this.problems.add(childPath(path, key), `unknown key (${hint})`);
    }
    return record;
  }

  /**
   * A mapping with free keys (features, policies, notifiers). `__proto__` is refused (and left out of the result):
   * assigned as a name to a compiled mapping, it would replace that mapping's prototype.
   */
  record(value: unknown, path: string, options: Presence = {}): Record<string, unknown> | undefined {
    const record = this.object(value, path, Object.keys(isRecord(value) ? value : {}), options);
    if (record === undefined || !Object.hasOwn(record, '__proto__')) return record;
    this.problems.add(childPath(path, '__proto__'), '"__proto__" is not allowed as a name');
    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(record)) if (key !== '__proto__') rest[key] = record[key];
    return rest;
  }

  list(value: unknown, path: string, options: Presence = {}): unknown[] | undefined {
    if (!this.present(value, path, options)) return undefined;
    if (!Array.isArray(value)) {
      this.problems.unreadable(path, `must be a list, not ${describe(value, options.secret)}`);
      return undefined;
    }
    return value;
  }

  string(
    value: unknown,
    path: string,
    options: Presence & { pattern?: RegExp; expected?: string } = {},
  ): string | undefined {
    if (!this.present(value, path, options)) return undefined;
    // Numbers and booleans are accepted where YAML made them so (`groupId: 42`), not lists or mappings.
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      this.problems.add(path, `must be a string, not ${describe(value, options.secret)}`);
      return undefined;
    }
    // YAML reads an unquoted 12345678901234567890 as a rounded number: a secret must be written as a string.
    if (options.secret && typeof value !== 'string') {
      this.problems.add(path, `must be a string (quote it), not a ${typeof value}`);
      return undefined;
    }
    const text = String(value).trim();
    if (text === '') {
      this.problems.add(path, 'must not be empty');
      return undefined;
    }
    if (options.pattern && !options.pattern.test(text)) {
      const shown = options.secret ? 'the value' : JSON.stringify(text);
      this.problems.add(path, `${shown} is not ${options.expected ?? `of the form ${String(options.pattern)}`}`);
      return undefined;
    }
    return text;
  }

  number(
    value: unknown,
    path: string,
    options: Presence & { integer?: boolean; min?: number; max?: number; above?: number; below?: number } = {},
  ): number | undefined {
    if (!this.present(value, path, options)) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problems.add(path, `must be a number, not ${describe(value, options.secret)}`);
      return undefined;
    }
    const { integer, min, max, above, below } = options;
    const fails: string[] = [];
    if (integer && !Number.isInteger(value)) fails.push('a whole number');
    if (min !== undefined && value < min) fails.push(`at least ${min}`);
    if (above !== undefined && value <= above) fails.push(`greater than ${above}`);
    if (max !== undefined && value > max) fails.push(`at most ${max}`);
    if (below !== undefined && value >= below) fails.push(`less than ${below}`);
    if (fails.length > 0) {
      this.problems.add(path, `must be ${fails.join(' and ')}, not ${value}`);
      return undefined;
    }
    return value;
  }

  boolean(value: unknown, path: string, options: Presence = {}): boolean | undefined {
    if (!this.present(value, path, options)) return undefined;
    if (typeof value !== 'boolean') {
      this.problems.add(path, `must be true or false, not ${describe(value, options.secret)}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, choices: readonly T[], options: Presence = {}): T | undefined {
    if (!this.present(value, path, options)) return undefined;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    const suggestion = typeof value === 'string' ? didYouMean(value, choices) : undefined;
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    this.problems.add(path, `must be one of ${choices.join(', ')}, not ${describe(value, options.secret)}${hint}`);
    return undefined;
  }

  /** A duration such as `90s`, `5m`, `1h30m`, as whole milliseconds. */
  duration(value: unknown, path: string, options: Presence & { positive?: boolean } = {}): number | undefined {
    if (!this.present(value, path, options)) return undefined;
    const examples = '(examples: 30s, 5m, 1h, 1h30m)';
    // A bare number would be ambiguous (seconds? milliseconds?), so the unit is required.
    if (typeof value !== 'string') {
      this.problems.add(path, `must be a duration with a unit ${examples}, not ${describe(value)}`);
      return undefined;
    }
    let ms: number;
    try {
      ms = parseDuration(value, path);
    } catch {
      this.problems.add(path, `${JSON.stringify(value)} is not a duration ${examples}`);
      return undefined;
    }
    if (!Number.isInteger(ms)) {
      this.problems.add(path, `${JSON.stringify(value)} is not a whole number of milliseconds`);
      return undefined;
    }
    if (options.positive && ms <= 0) {
      this.problems.add(path, 'must be longer than 0');
      return undefined;
    }
    return ms;
  }

  /** A list of non-empty strings; duplicates are problems. */
  strings(value: unknown, path: string, options: Presence & { nonEmpty?: boolean } = {}): string[] | undefined {
    const list = this.list(value, path, options);
    if (list === undefined) return undefined;
    if (options.nonEmpty && list.length === 0) {
      this.problems.add(path, 'must not be empty');
      return undefined;
    }
    const out: string[] = [];
    list.forEach((item, index) => {
      const text = this.string(item, childPath(path, index), { required: true, secret: options.secret });
      if (text === undefined) return;
      if (out.includes(text)) this.problems.add(childPath(path, index), `${JSON.stringify(text)} is listed twice`);
      else out.push(text);
    });
    return out;
  }

  /** An absolute URL with one of `protocols` (e.g. `['https:', 'http:']`). */
  url(value: unknown, path: string, protocols: readonly string[], options: Presence = {}): string | undefined {
    const text = this.string(value, path, options);
    if (text === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      this.problems.add(path, options.secret ? 'is not a valid URL' : `${JSON.stringify(text)} is not a valid URL`);
      return undefined;
    }
    if (!protocols.includes(url.protocol)) {
      this.problems.add(path, `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL, not ${url.protocol}//`);
      return undefined;
    }
    return text;
  }

  private present(value: unknown, path: string, options: Presence): boolean {
    if (value !== undefined && value !== null) return true;
    if (options.required) this.problems.add(path, 'is required');
    return false;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a wrong value is shown in a problem: short, and never the value itself when it may be secret. */
function describe(value: unknown, secret = false): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return 'a mapping';
  if (secret) return `a ${typeof value}`;
  // JSON would show NaN and infinities (YAML .nan, .inf) as null.
  const json = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 37)}..."` : json;
}
