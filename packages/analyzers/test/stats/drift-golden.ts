/**
 * Loader and comparison helpers for test/golden/drift.json (written by scripts/golden/drift_vectors.py from
 * scipy). Large samples are stored as seed-free formulas; `samplesOf` evaluates them with the same IEEE-754
 * operations, in the same order, as the script's numpy code, and checks a few values bit for bit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type GeneratorSpec =
  | { kind: 'weyl'; n: number; multipliers: [number, number, number]; offset: number; scale: number }
  | { kind: 'weylInt'; n: number; multiplier: number; levels: number }
  | { kind: 'grid'; n: number; offset: number; scale: number };

export type StoredSample = number[] | { generate: GeneratorSpec; check: [number, number, number] };

export interface SampleCase {
  name: string;
  ref: StoredSample;
  cur: StoredSample;
  n1: number;
  n2: number;
  ksMethod: 'exact' | 'asymp';
  ksStatistic: number;
  ksPValue: number;
  wasserstein: number;
}

export interface CountCase {
  name: string;
  ref: number[];
  cur: number[];
  psi: number;
  js: number;
  hellinger: number;
  chi2: { statistic: number; pValue: number; dof: number };
  ksBinned?: number;
}

export interface DriftGolden {
  versions: Record<string, string>;
  samples: SampleCase[];
  ksPValue: { d: number; n1: number; n2: number; p: number; method: 'exact' | 'asymp' }[];
  counts: CountCase[];
  chi2Survival: { x: number; dof: number; p: number }[];
  benjaminiHochberg: { name: string; pValues: number[]; fdr: number; adjusted: number[]; rejected: boolean[] }[];
  special: {
    kolmogorov: { x: number; sf: number }[];
    smirnov: { n: number; x: number; sf: number }[];
    kstwo: { n: number; x: number; sf: number }[];
    gammaincc: { a: number; x: number; q: number; p: number }[];
    gammaln: { x: number; value: number }[];
  };
}

export const golden = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'drift.json'), 'utf8')) as DriftGolden;

const frac = (v: number): number => v - Math.floor(v);

/** The formulas of drift_vectors.py `generate`, operation for operation. */
export function generate(spec: GeneratorSpec): Float64Array {
  const out = new Float64Array(spec.n);
  switch (spec.kind) {
    case 'weyl': {
      const [a, b, c] = spec.multipliers;
      for (let k = 0; k < spec.n; k++) {
        const i = k + 1;
        out[k] = spec.offset + spec.scale * (frac(i * a) + frac(i * b) + frac(i * c));
      }
      break;
    }
    case 'weylInt':
      for (let k = 0; k < spec.n; k++) out[k] = Math.floor(frac((k + 1) * spec.multiplier) * spec.levels);
      break;
    case 'grid':
      for (let i = 0; i < spec.n; i++) out[i] = spec.offset + spec.scale * ((i + 0.5) / spec.n);
      break;
  }
  return out;
}

/** The sample as stored, unsorted (the order the script passed to scipy). */
export function samplesOf(stored: StoredSample): Float64Array {
  if (Array.isArray(stored)) return Float64Array.from(stored);
  const values = generate(stored.generate);
  const n = values.length;
  const actual = [values[0], values[Math.floor(n / 2)], values[n - 1]];
  if (actual.some((v, k) => !Object.is(v, stored.check[k]))) {
    throw new Error(`generated sample differs from the script's: ${actual.join(', ')} vs ${stored.check.join(', ')}`);
  }
  return values;
}

export function sorted(values: Float64Array): Float64Array {
  return values.slice().sort();
}

/** Default tolerance of golden comparisons: 1e-9 relative or 1e-12 absolute, whichever is larger. */
export const REL_TOL = 1e-9;
export const ABS_TOL = 1e-12;

const worst = new Map<string, { abs: number; rel: number }>();

/**
 * Asserts |actual − expected| ≤ max(abs, rel·|expected|) and keeps the worst error per metric, printed by
 * `GOLDEN_ERRORS=1 npx jest ...`. P-values are compared with `abs: 0`: a tail probability of 1e-30 is only
 * checked if it is checked relatively.
 */
export function expectClose(
  metric: string,
  actual: number,
  expected: number,
  tolerance: { rel?: number; abs?: number } = {},
): void {
  const rel = tolerance.rel ?? REL_TOL;
  const abs = tolerance.abs ?? ABS_TOL;
  const error = Math.abs(actual - expected);
  const relative = expected === 0 ? (error === 0 ? 0 : Infinity) : error / Math.abs(expected);
  const previous = worst.get(metric) ?? { abs: 0, rel: 0 };
  worst.set(metric, { abs: Math.max(previous.abs, error), rel: Math.max(previous.rel, relative) });
  if (!(error <= Math.max(abs, rel * Math.abs(expected)))) {
    throw new Error(`${metric}: ${actual} differs from ${expected} by ${error} (relative ${relative})`);
  }
}

export function reportWorstErrors(): void {
  if (process.env['GOLDEN_ERRORS'] === undefined) return;
  const lines = [...worst].map(
    ([metric, e]) => `${metric}: abs ${e.abs.toExponential(2)}, rel ${e.rel.toExponential(2)}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
