import { VigilError } from '../errors';

/** One thing wrong with a configuration file. */
export interface ConfigProblem {
  /** Where in the file, e.g. `models[0].window.size`; `env.VIGIL_HTTP_PORT` for an environment variable. */
  readonly path: string;
  /** 1-based line of the offending key or value (of its nearest present parent when the key is missing). */
  readonly line?: number;
  readonly message: string;
  /**
   * The other paths with the same problem, when `path` is a template that these copy (a YAML anchor read through
   * aliases or `<<` merge keys): one problem at the template's line rather than one a copy.
   */
  readonly copies?: readonly string[];
}

/**
 * Collects every problem of one configuration instead of stopping at the first, so a user fixes a file in one
 * round trip (fastify's initial-config validation does the same).
 */
export class ConfigProblems {
  private readonly problems: (ConfigProblem & { origin?: string })[] = [];
  /** Paths whose value is not of the shape their keys need (a string where a mapping belongs): see `unreadable`. */
  private readonly unreadablePaths: string[] = [];

  /**
   * `lines` maps paths to lines; the YAML reader fills it before validation runs, and `origins` with where each
   * value read through an alias or a merge key was written (`models[3].task` → `x-model.task`).
   */
  constructor(
    readonly source: string,
    readonly lines: Map<string, number> = new Map(),
    readonly origins: Map<string, string> = new Map(),
  ) {}

  /**
   * `line` overrides the line looked up from `path` (syntax errors have no path). A problem under a path already
   * reported as unreadable is dropped: `database: postgres://…` is one mistake, and "database.url: is required"
   * after it would be a second, follow-on one.
   */
  add(path: string, message: string, line = this.lineOf(path)): void {
    if (this.unreadablePaths.some((p) => isUnder(path, p))) return;
    const origin = this.originOf(path);
    this.problems.push({ path, ...(line === undefined ? {} : { line }), message, ...(origin ? { origin } : {}) });
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
    const sorted = this.merged()
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

  /**
   * The problems, those of copies of one template merged: the same message at the same line, for paths that copy
   * the same written path, is one problem at that path (a mistake in a template that 20 models merge is reported
   * once, `copies` naming the 20).
   */
  private merged(): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const groups = new Map<string, { at: number; written: string; paths: string[] }>();
    for (const { origin, ...problem } of this.problems) {
      if (origin === undefined && !this.problems.some((p) => p.origin === problem.path)) {
        out.push(problem);
        continue;
      }
      const written = origin ?? problem.path;
      const key = `${written}\0${problem.line ?? ''}\0${problem.message}`;
      const group = groups.get(key);
      if (group) group.paths.push(problem.path);
      else {
        groups.set(key, { at: out.length, written, paths: [problem.path] });
        out.push(problem);
      }
    }
    for (const { at, written, paths } of groups.values()) {
      const copies = paths.filter((p) => p !== written);
      if (copies.length === 0) continue;
      const message = `${out[at]!.message}${copiesNote(copies)}`;
      out[at] = { ...out[at]!, path: written, message, copies };
    }
    return out;
  }

  /**
   * Where the value at `path` was written when it is a copy (read through an alias or a merge key): the origin of
   * the closest path that has a line, the same path `lineOf` takes the line from, with the rest of `path` after it.
   */
  private originOf(path: string): string | undefined {
    for (let p = path; p !== ''; p = parentPath(p)) {
      const origin = this.origins.get(p);
      if (origin !== undefined) return origin + path.slice(p.length);
      if (this.lines.has(p)) return undefined;
    }
    return undefined;
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

/** `; copied into models[0].task, models[1].task and models[2].task` (the first three, then how many more). */
function copiesNote(copies: readonly string[]): string {
  const shown = copies.length <= 4 ? copies : [...copies.slice(0, 3), `${copies.length - 3} more`];
  return `; copied into ${shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`}`;
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

/**
 * Damerau–Levenshtein (optimal string alignment): a swapped pair of letters is one typo, not two ("reprot" is 1 from
 * "report"). The configuration's suggestions and the command line's (`closest`) measure with it.
 */
export function editDistance(a: string, b: string): number {
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
