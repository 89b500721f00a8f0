import {
  VigilError,
  unknownColumnError,
  type CategoricalColumn,
  type Column,
  type NumericColumn,
  type Table,
} from '@vigil/core';
import { sortFinite } from '../sort/sort-finite';
import type { CbpeReference } from '../stats/cbpe';
import type { ChunkStatistics } from '../stats/reference-chunks';
import type { DataReconstruction } from '../multivariate/data-reconstruction';
import { addAttributions, emptyAttributions, type AttributionSums } from '../accumulator/attribution-accumulator';
import type { ReferenceSurrogate } from '../window/window-surrogate';
import type { AnalysisSpec } from './analysis-spec';
import { countSortedIntoBins, referenceEdges } from './binning';

/** Reference deciles for PSI, JS and Hellinger (docs/metrics.md, "Binning"), with a bin of its own for each point mass. */
export const COARSE_BINS = 10;
/**
 * Reference percentiles for the binned KS and Wasserstein of streaming windows: each fine bin holds at most 1% of
 * the reference, which bounds the reference side of the binned-KS error by 0.01, except a point mass's own bin,
 * which holds one value (its KS and CDF are exact there).
 */
export const FINE_BINS = 100;

export interface NumericProfile {
  readonly name: string;
  readonly kind: 'numeric';
  /**
   * Interior edges (`referenceEdges`, k = COARSE_BINS: deciles and point masses; finite, strictly ascending);
   * `edges.length + 1` bins with open outer bins. Profiles stored before point masses had bins of their own hold
   * plain decile edges: any strictly ascending edges bin alike, so they load and work unchanged.
   */
  readonly edges: number[];
  readonly counts: number[];
  /** Interior edges for streaming KS/Wasserstein (`referenceEdges`, k = FINE_BINS: percentiles and point masses). */
  readonly fineEdges: number[];
  readonly fineCounts: number[];
  readonly rows: number;
  readonly missing: number;
  readonly mean: number;
  /** Population standard deviation (numpy's default ddof=0), the scale of `wassersteinNormed`. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

export interface CategoricalProfile {
  readonly name: string;
  readonly kind: 'categorical';
  readonly categories: string[];
  readonly counts: number[];
  readonly rows: number;
  readonly missing: number;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

/** The fitted reference of a model version: serialised as JSON into the store, reused by every window. */
export interface ReferenceProfile {
  readonly version: 1;
  readonly rows: number;
  readonly features: FeatureProfile[];
  /** Profile of the score (prediction drift); absent when the spec has no score column. */
  readonly score?: NumericProfile;
  /**
   * Confidence-based performance estimation fitted on the labelled reference (binary task): the score's calibrator
   * and the sampling-error components. Absent unless a performance estimate was asked for (`vigil report` on an
   * unlabelled current file).
   */
  readonly cbpe?: CbpeReference;
  /**
   * Realised performance over chunks of the labelled reference, per chunk size (stats/reference-chunks.ts): what
   * rules with `threshold: reference` judge windows against. Absent without a labelled reference.
   */
  readonly chunks?: ChunkStatistics[];
  /**
   * Multivariate drift by data reconstruction (`fitDataReconstruction`): the fitted encoding, scaling and principal
   * axes, and the reference rows' error moments and histogram. Absent for fewer than two features and in profiles
   * stored before it existed, which load unchanged (their windows simply have no reconstruction error).
   */
  readonly reconstruction?: DataReconstruction;
  /**
   * Sums of the reference's logged attributions per feature (docs/explanations.md): the reference ranking and
   * protected share. Absent when the spec reads no attributions or the reference carried none.
   */
  readonly attributions?: Record<string, AttributionSums>;
  /**
   * The linear surrogate fitted to the reference (models with an `explain` section and a scored reference,
   * docs/explanations.md#without-logged-attributions-the-linear-surrogate): windows accumulate its sufficient statistics and rank against its importances.
   */
  readonly surrogate?: ReferenceSurrogate;
}

/**
 * Fits the reference profile of `table`. Numeric profiles already fitted elsewhere (a report fits them on worker
 * threads) are taken from `numeric` instead of being fitted again.
 */
export function fitReferenceProfile(
  table: Table,
  spec: AnalysisSpec,
  numeric?: ReadonlyMap<string, NumericProfile>,
): ReferenceProfile {
  const fit = (name: string): NumericProfile => {
    const done = numeric?.get(name);
    if (done) return done;
    const values = asNumeric(table, requireColumn(table, name)).values;
    return fitNumeric(name, values, sortFinite(values));
  };
  const features = spec.features.map((f) =>
    f.kind === 'numeric' ? fit(f.name) : fitCategorical(f.name, asCategorical(requireColumn(table, f.name))),
  );
  // Group sums are a window's business, not the reference's: no groups are read here.
  const attributions = spec.attributions
    ? addAttributions(emptyAttributions(), { ...spec, groups: [] }, table, () => [])
    : undefined;
  return {
    version: 1,
    rows: table.rowCount,
    features,
    ...(spec.score !== undefined ? { score: fit(spec.score) } : {}),
    ...(attributions && attributions.rows > 0 ? { attributions: attributions.features } : {}),
  };
}

export function fitNumeric(name: string, values: Float64Array, sorted: Float64Array): NumericProfile {
  return fitNumericWithSum(name, values, sorted).profile;
}

/**
 * `fitNumeric`, with the sum of `sorted` in its order (a report's summary reuses it instead of adding again), and, given
 * the current side of a report's column pair (sorted), its {@link SortedSums} for {@link numericAccumulatorFromSorted}.
 */
export function fitNumericWithSum(
  name: string,
  values: Float64Array,
  sorted: Float64Array,
  current?: Float64Array,
): { profile: NumericProfile; sum: number; current?: SortedSums } {
  const edges = referenceEdges(sorted, COARSE_BINS);
  const fineEdges = referenceEdges(sorted, FINE_BINS);
  const counts = new Array<number>(edges.length + 1).fill(0);
  const fineCounts = new Array<number>(fineEdges.length + 1).fill(0);
  countSortedIntoBins(sorted, edges, counts);
  countSortedIntoBins(sorted, fineEdges, fineCounts);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  const n = sorted.length;
  const mean = n > 0 ? sum / n : Number.NaN;
  let ss = 0;
  const min = n > 0 ? (sorted[0] as number) : Number.NaN;
  const max = n > 0 ? (sorted[n - 1] as number) : Number.NaN;
  let sums: SortedSums | undefined;
  if (current === undefined) for (let i = 0; i < n; i++) ss += ((sorted[i] as number) - mean) ** 2;
  else {
    // The current side's sums in the same loop (a report's column pair): independent chains of additions side by
    // side, each in its own order, so every sum is the same to the bit as in its own loop.
    const m = current.length;
    let sum = 0;
    let sumSquares = 0;
    let outside = 0;
    const both = Math.min(n, m);
    let i = 0;
    for (; i < both; i++) {
      ss += ((sorted[i] as number) - mean) ** 2;
      const v = current[i] as number;
      sum += v;
      sumSquares += v * v;
      if (v < min || v > max) outside++;
    }
    for (let j = i; j < n; j++) ss += ((sorted[j] as number) - mean) ** 2;
    for (; i < m; i++) {
      const v = current[i] as number;
      sum += v;
      sumSquares += v * v;
      if (v < min || v > max) outside++;
    }
    sums = { sum, sumSquares, outside };
  }
  const profile: NumericProfile = {
    name,
    kind: 'numeric',
    edges,
    counts,
    fineEdges,
    fineCounts,
    rows: values.length,
    missing: values.length - n,
    mean,
    std: n > 0 ? Math.sqrt(ss / n) : Number.NaN,
    min,
    max,
  };
  return sums ? { profile, sum, current: sums } : { profile, sum };
}

/** Σv, Σv² and the count outside the reference's [min, max] of a sorted column ({@link numericAccumulatorFromSorted}'s). */
export interface SortedSums {
  sum: number;
  sumSquares: number;
  outside: number;
}

function fitCategorical(name: string, column: CategoricalColumn): CategoricalProfile {
  const raw = new Array<number>(column.categories.length).fill(0);
  let missing = 0;
  for (let i = 0; i < column.codes.length; i++) {
    const c = column.codes[i] as number;
    if (c < 0) missing++;
    else raw[c]!++;
  }
  // Only categories actually present, sorted, so profiles of the same data are equal whatever the file order.
  const present = column.categories.map((c, i) => [c, raw[i] as number] as const).filter(([, n]) => n > 0);
  present.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    name,
    kind: 'categorical',
    categories: present.map(([c]) => c),
    counts: present.map(([, n]) => n),
    rows: column.codes.length,
    missing,
  };
}

export function requireColumn(table: Table, name: string): Column {
  const column = table.columns.get(name);
  if (!column) {
    throw unknownColumnError(table.source, [name], [...table.columns.keys()], { details: { file: table.source } });
  }
  return column;
}

export function asNumeric(table: Table, column: Column): NumericColumn {
  if (column.kind !== 'numeric') {
    throw new VigilError(
      'VIGIL_BAD_VALUE',
      `${table.source}: column "${column.name}" must be numeric but holds text such as "${column.categories[0] ?? ''}"`,
    );
  }
  return column;
}

/** A numeric column used as categorical (a group attribute such as an integer code) is read as text. */
export function asCategorical(column: Column): CategoricalColumn {
  if (column.kind === 'categorical') return column;
  const index = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(column.values.length);
  for (let i = 0; i < codes.length; i++) {
    const v = column.values[i] as number;
    if (v !== v) {
      codes[i] = -1;
      continue;
    }
    const key = String(v);
    let code = index.get(key);
    if (code === undefined) {
      code = categories.length;
      categories.push(key);
      index.set(key, code);
    }
    codes[i] = code;
  }
  return { name: column.name, kind: 'categorical', codes, categories };
}
