import { VigilError } from '../errors';

/** One thing wrong with a configuration file. */
export interface ConfigProblem {
  /** Where in the file, e.g. `models[0].window.size`; `env.VIGIL_HTTP_PORT` for an environment variable. */
  readonly path: string;
  /** 1-based line of the offending key or value (of its nearest present parent when the key is missing). */
  readonly line?: number;
  readonly message: string;
}

/**
 * Collects every problem of one configuration instead of stopping at the first, so a user fixes a file in one
 * round trip (fastify's initial-config validation does the same).
 */
export class ConfigProblems {
  private readonly problems: ConfigProblem[] = [];
  /** Paths whose value is not of the shape their keys need (a string where a mapping belongs): see `unreadable`. */
  private readonly unreadablePaths: string[] = [];

  /** `lines` maps paths to lines; the YAML reader fills it before validation runs. */
  constructor(
    readonly source: string,
    readonly lines: Map<string, number> = new Map(),
  ) {}

  /**
   * `line` overrides the line looked up from `path` (syntax errors have no path). A problem under a path already
   * reported as unreadable is dropped: `database: postgres://…` is one mistake, and "database.url: is required"
   * after it would be a second, follow-on one.
   */
  add(path: string, message: string, line = this.lineOf(path)): void {
    if (this.unreadablePaths.some((p) => isUnder(path, p))) return;
    this.problems.push(line === undefined ? { path, message } : { path, line, message });
  }

  /** Reports `path` as not the mapping or list it should be: nothing below it is reported after this. */
  unreadable(path: string, message: string): void {
    this.add(path, message);
    this.unreadablePaths.push(path);
  }

  get count(): number {
    return this.problems.length;
  }

  /** Throws one `VIGIL_CONFIG_INVALID` error listing every problem, in file order, if there is any. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const sorted = this.problems
      .map((problem, index) => ({ problem, index }))
      .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || a.index - b.index)
      .map(({ problem }) => problem);
    const lines = sorted.map(
      (p) => `  ${this.source}${p.line === undefined ? '' : `:${p.line}`}: ${p.path}: ${p.message}`,
    );
    const noun = sorted.length === 1 ? 'problem' : 'problems';
    throw new VigilError(
      'VIGIL_CONFIG_INVALID',
      `${this.source}: ${sorted.length} ${noun} in the configuration:\n${lines.join('\n')}`,
      {
        details: { source: this.source, problems: sorted },
      },
    );
  }

  /** A missing key has no line of its own: report the line of the closest parent that exists. */
  private lineOf(path: string): number | undefined {
    for (let p = path; p !== ''; p = parentPath(p)) {
      const line = this.lines.get(p);
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

/** Whether `path` is strictly below `parent` (`database.url` below `database`, `models[0]` below `models`). */
function isUnder(path: string, parent: string): boolean {
  if (parent === '') return path !== '';
  return (
    path.length > parent.length &&
    path.startsWith(parent) &&
    (path[parent.length] === '.' || path[parent.length] === '[')
  );
}

/** `models[0].window.size` → `models[0].window`; `models[0]` → `models`. */
function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

/** The path of `key` under `parent`: dotted for plain names, bracketed and quoted otherwise. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const segment = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (parent === '') return segment;
  return segment.startsWith('[') ? `${parent}${segment}` : `${parent}.${segment}`;
}

/**
 * The closest candidate to a mistyped name, or undefined when none is close enough to be a plausible typo
 * (edit distance at most 2, or 1 for short names; case alone always counts as close).
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance =
      candidate.toLowerCase() === input.toLowerCase() ? 0 : editDistance(input.toLowerCase(), candidate.toLowerCase());
    // On a tie, a candidate of the same length wins: "=>" is a swapped ">=", not a ">" with a stray "=".
    const closerLength =
      best !== undefined && Math.abs(candidate.length - input.length) < Math.abs(best.length - input.length);
    if (distance < bestDistance || (distance === bestDistance && closerLength)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.min(input.length, best?.length ?? 0) <= 4 ? 1 : 2;
  return bestDistance <= allowed ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters is one typo, not two. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}
