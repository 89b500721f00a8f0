/**
 * Loader and comparison helpers for test/golden/outcomes.json (written by scripts/golden/outcome_vectors.py).
 * The JSON has no NaN, so the script writes null for it; `f64` turns those back into NaN.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupRates } from '@vigil/analyzers';

export interface BinaryGolden {
  name: string;
  note: string;
  scores: (number | null)[];
  labels: (number | null)[];
  predictions: (number | null)[];
  expected: Record<string, unknown> & {
    labelled: number;
    brier: number;
    auc: number | null;
    logLoss: number;
    confusion: { tp: number; fp: number; tn: number; fn: number };
    accuracy: number;
    precision: number;
    recall: number;
  };
}

export interface BinnedGolden {
  ece: number;
  mce: number;
  eceEqualMass: number;
  bins: { count: number; sumScore: number; sumLabel: number }[];
}

/** The golden per-group rates have exactly the report's shape. */
export type GroupGolden = GroupRates;

export interface FairnessGolden {
  name: string;
  note: string;
  minGroupSize: number;
  groups: string[];
  scores: (number | null)[];
  labels: (number | null)[];
  predictions: (number | null)[];
  expected: {
    groups: GroupGolden[];
    statisticalParityDifference: number | null;
    disparateImpactRatio: number | null;
    equalOpportunityDifference: number | null;
    equalizedOddsDifference: number | null;
    predictiveParityDifference: number | null;
  };
}

export interface OutcomeGolden {
  z95: number;
  binCounts: number[];
  binary: BinaryGolden[];
  regression: {
    name: string;
    predictions: (number | null)[];
    labels: (number | null)[];
    expected: { mae: number; rmse: number; bias: number; n: number };
  }[];
  wilson: { successes: number; n: number; expected: [number, number] }[];
  fairness: FairnessGolden[];
}

export const golden = JSON.parse(
  readFileSync(join(__dirname, '..', 'golden', 'outcomes.json'), 'utf8'),
) as OutcomeGolden;

export function f64(values: readonly (number | null)[]): Float64Array {
  return Float64Array.from(values, (v) => (v === null ? Number.NaN : v));
}

/** The stated tolerance of every golden comparison: 1e-9 relative or 1e-12 absolute, whichever is larger. */
export const REL_TOL = 1e-9;
export const ABS_TOL = 1e-12;

const worst = new Map<string, { abs: number; rel: number }>();

/**
 * Asserts |actual − expected| ≤ max(ABS_TOL, REL_TOL·|expected|) (null expected = NaN actual), and keeps the worst
 * error per metric so that `GOLDEN_ERRORS=1 npx jest ...` can print it.
 */
export function expectClose(metric: string, actual: number | null, expected: number | null): void {
  if (expected === null || actual === null || Number.isNaN(actual)) {
    expect(actual === null || Number.isNaN(actual) ? null : actual).toBe(expected);
    return;
  }
  const abs = Math.abs(actual - expected);
  const rel = expected === 0 ? (abs === 0 ? 0 : Number.POSITIVE_INFINITY) : abs / Math.abs(expected);
  const previous = worst.get(metric) ?? { abs: 0, rel: 0 };
  worst.set(metric, { abs: Math.max(previous.abs, abs), rel: Math.max(previous.rel, rel) });
  if (abs > Math.max(ABS_TOL, REL_TOL * Math.abs(expected))) {
    throw new Error(`${metric}: ${actual} differs from ${expected} by ${abs} (relative ${rel})`);
  }
}

export function reportWorstErrors(): void {
  if (process.env['GOLDEN_ERRORS'] === undefined) return;
  const lines = [...worst].map(
    ([metric, e]) => `${metric}: abs ${e.abs.toExponential(2)}, rel ${e.rel.toExponential(2)}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
