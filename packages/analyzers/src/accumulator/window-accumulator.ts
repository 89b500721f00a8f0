/**
 * Additive accumulators (docs/streaming.md, "Event time"): everything a window's metrics need, as counts and sums over bins
 * fitted from the reference. A window is the sum of its time buckets, and merging the state of two processes is
 * addition, so analysis cost does not grow with traffic and memory stays bounded. The JSON form of
 * `WindowAccumulator` is what the store persists per (model, version, bucket).
 */
import { MISSING_GROUP, VigilError, type Table } from '@vigil/core';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { groupColumns } from '../profile/analysis-spec';
import { binIndex, binLookup, countSortedIntoBins } from '../profile/binning';
import {
  asCategorical,
  asNumeric,
  requireColumn,
  type NumericProfile,
  type SortedSums,
  type ReferenceProfile,
} from '../profile/reference-profile';
import type { CalibrationBinStats } from '../stats/calibration';
import { CALIBRATION_BINS, addCalibrationBins, equalWidthCalibrationBins } from '../stats/calibration';
import type { GroupCounts } from '../stats/fairness';
import { addGroupCounts, countGroups, emptyGroupCounts } from '../stats/fairness';
import { clippedLogLossTerm, confusionCounts } from '../stats/classification';
import {
  addEstimateRows,
  addEstimatesInto,
  emptyEstimate,
  mergeEstimates,
  type EstimateAccumulator,
} from './estimate-accumulator';
import {
  addReconstruction,
  addReconstructionInto,
  emptyReconstruction,
  mergeReconstruction,
  type ReconstructionAccumulator,
} from '../multivariate/reconstruction-accumulator';
import {
  addAttributions,
  emptyAttributions,
  mergeAttributions,
  type AttributionAccumulator,
} from './attribution-accumulator';
import { accumulateSurrogate, addSurrogatesInto, mergeSurrogates, type SurrogateAccumulator } from '../stats/surrogate';
import { emptyWindowSurrogate, windowSurrogateDesign } from '../window/window-surrogate';

/** Declared in @vigil/core (the collector writes it too); exported here as before. */
export { MISSING_GROUP };

export interface NumericAccumulator {
  kind: 'numeric';
  rows: number;
  missing: number;
  /** Counts over the profile's decile bins. */
  counts: number[];
  /** Counts over the profile's percentile bins. */
  fineCounts: number[];
  sum: number;
  sumSquares: number;
  min: number | null;
  max: number | null;
  /**
   * Non-missing values outside the reference's [min, max] (data quality, `outOfRangeRate`). Absent in buckets
   * stored before it was counted, which count as 0.
   */
  outside?: number;
}

export interface CategoricalAccumulator {
  kind: 'categorical';
  rows: number;
  missing: number;
  /** Counts over the profile's categories, in the profile's order. */
  counts: number[];
  /**
   * Categories the reference never saw, by name: at most {@link MAX_UNSEEN_NAMES} names, the most frequent, and
   * the rest summed under {@link OTHER_UNSEEN}. The metrics count every unseen row in one "new" bin, so the cap
   * changes no number; it bounds what a feature of unbounded cardinality (ids, free text) costs a bucket.
   */
  unseen: Record<string, number>;
}

/** Unseen category names an accumulator keeps (docs/metrics.md, "Bounded state"). */
export const MAX_UNSEEN_NAMES = 100;
/** The name the unseen categories beyond the cap are counted under. */
export const OTHER_UNSEEN = '(other)';

/**
 * Keeps the {@link MAX_UNSEEN_NAMES} most frequent unseen names (ties by name, so the result does not depend on
 * the order counts arrived in) and folds the others into {@link OTHER_UNSEEN}; the total never changes.
 */
export function capUnseen(unseen: Record<string, number>): Record<string, number> {
  const names = Object.keys(unseen).filter((k) => k !== OTHER_UNSEEN);
  if (names.length <= MAX_UNSEEN_NAMES) return unseen;
  names.sort((a, b) => (unseen[b] as number) - (unseen[a] as number) || (a < b ? -1 : a > b ? 1 : 0));
  const kept: Record<string, number> = {};
  let other = unseen[OTHER_UNSEEN] ?? 0;
  names.forEach((name, i) => {
    if (i < MAX_UNSEEN_NAMES) kept[name] = unseen[name] as number;
    else other += unseen[name] as number;
  });
  kept[OTHER_UNSEEN] = other;
  return kept;
}

/** Values of one group attribute an accumulator keeps by name (docs/metrics.md, "Bounded state"). */
export const MAX_GROUP_VALUES = 100;
/** The group the values of an attribute beyond the cap are counted in; not a group of the fairness analysis. */
export const OTHER_GROUP = '(other)';

/**
 * Keeps the {@link MAX_GROUP_VALUES} groups of one attribute with the most rows (ties by name, so the result
 * does not depend on the order counts arrived in) and adds the others' counts into {@link OTHER_GROUP}; the
 * `(missing)` group is always kept (it is one value, and docs/events.md promises it). Every count's total over
 * the attribute is unchanged. Mutates the counts of `(other)` only.
 */
export function capGroups(byGroup: Record<string, GroupCounts>, max = MAX_GROUP_VALUES): Record<string, GroupCounts> {
  const names = Object.keys(byGroup).filter((k) => k !== OTHER_GROUP && k !== MISSING_GROUP);
  if (names.length <= max) return byGroup;
  names.sort((a, b) => byGroup[b]!.n - byGroup[a]!.n || (a < b ? -1 : a > b ? 1 : 0));
  const kept: Record<string, GroupCounts> = {};
  const other = byGroup[OTHER_GROUP] ?? emptyGroupCounts(byGroup[names[0]!]!.calibration.length);
  names.forEach((name, i) => {
    if (i < max) kept[name] = byGroup[name]!;
    else addGroupCounts(other, byGroup[name]!);
  });
  if (byGroup[MISSING_GROUP]) kept[MISSING_GROUP] = byGroup[MISSING_GROUP];
  kept[OTHER_GROUP] = other;
  return kept;
}

export type FeatureAccumulator = NumericAccumulator | CategoricalAccumulator;

export interface OutcomeAccumulator {
  /** The score over the profile's score bins (prediction drift). */
  score: NumericAccumulator | null;
  /** Rows with a label, and their score/label sums. */
  labelled: number;
  /** Binary: labelled rows per equal-width score bin. */
  calibration: CalibrationBinStats[];
  /** Binary: labelled positives and negatives per fine score bin (streaming AUC). */
  positiveFine: number[];
  negativeFine: number[];
  /** Binary: confusion of the predicted class against the label. */
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Binary: Σ −[y·ln p + (1−y)·ln(1−p)] with sklearn's clipping; Σ (p − y)² (Brier). */
  sumLogLoss: number;
  sumSquaredError: number;
  /** Regression: Σ |ŷ − y| and Σ (ŷ − y). */
  sumAbsoluteError: number;
  sumError: number;
  /**
   * Binary, when the profile has CBPE fitted: the label-free state of the estimated performance
   * (estimate-accumulator.ts). Absent in buckets stored before it, which count as empty.
   */
  estimate?: EstimateAccumulator;
}

export interface WindowAccumulator {
  version: 1;
  rows: number;
  /** Aligned with `ReferenceProfile.features`. */
  features: FeatureAccumulator[];
  outcome: OutcomeAccumulator;
  /** attribute → group → counts. */
  groups: Record<string, Record<string, GroupCounts>>;
  /**
   * Reconstruction errors of the rows (multivariate drift), when the profile has a reconstruction; absent in buckets
   * stored before, which merge as empty.
   */
  reconstruction?: ReconstructionAccumulator;
  /** Logged attributions (models with an `explain` section); absent in accumulators stored before them. */
  attributions?: AttributionAccumulator;
  /**
   * The linear surrogate's sufficient statistics, when the profile has a reference surrogate (docs/storage.md:
   * about 10 KB of JSON a bucket for 30 numeric features). Buckets stored without it merge as if empty.
   */
  surrogate?: SurrogateAccumulator;
  /**
   * Events whose `features` carried a key that is not a feature of the model (`unknownFeatureRate`); absent in
   * buckets stored before it was counted, which count 0.
   */
  unknownFeatures?: UnknownFeatureCounts;
}

/** Events with a `features` key the model does not configure, and the keys' names (docs/metrics.md). */
export interface UnknownFeatureCounts {
  rows: number;
  /** The distinct names, sorted: the {@link UNKNOWN_FEATURE_NAMES_KEPT} smallest, so merging is order-free. */
  names: string[];
}

/** Unknown feature names an accumulator keeps: enough to name a producer's new fields, bounded for ids as keys. */
export const UNKNOWN_FEATURE_NAMES_KEPT = 20;

/** `a` + `b` (neither is modified); an absent side counts 0. */
export function mergeUnknownFeatures(
  a: UnknownFeatureCounts | undefined,
  b: UnknownFeatureCounts | undefined,
): UnknownFeatureCounts {
  const names = [...new Set([...(a?.names ?? []), ...(b?.names ?? [])])].sort();
  return { rows: (a?.rows ?? 0) + (b?.rows ?? 0), names: names.slice(0, UNKNOWN_FEATURE_NAMES_KEPT) };
}

export function emptyAccumulator(profile: ReferenceProfile, spec: AnalysisSpec): WindowAccumulator {
  const estimate = spec.task === 'binary' && spec.score !== undefined ? emptyEstimate(profile) : undefined;
  return {
    version: 1,
    rows: 0,
    unknownFeatures: { rows: 0, names: [] },
    features: profile.features.map((f) =>
      f.kind === 'numeric'
        ? emptyNumeric(f)
        : { kind: 'categorical', rows: 0, missing: 0, counts: f.counts.map(() => 0), unseen: {} },
    ),
    outcome: {
      score: profile.score ? emptyNumeric(profile.score) : null,
      labelled: 0,
      calibration: Array.from({ length: CALIBRATION_BINS }, () => ({ count: 0, sumScore: 0, sumLabel: 0 })),
      positiveFine: profile.score ? profile.score.fineCounts.map(() => 0) : [],
      negativeFine: profile.score ? profile.score.fineCounts.map(() => 0) : [],
      tp: 0,
      fp: 0,
      tn: 0,
      fn: 0,
      sumLogLoss: 0,
      sumSquaredError: 0,
      sumAbsoluteError: 0,
      sumError: 0,
      ...(estimate ? { estimate } : {}),
    },
    groups: Object.fromEntries(spec.groups.map((g) => [g, {}])),
    ...(profile.reconstruction ? { reconstruction: emptyReconstruction(profile.reconstruction) } : {}),
    ...((): { surrogate?: SurrogateAccumulator } => {
      const surrogate = emptyWindowSurrogate(profile, spec.task);
      return surrogate ? { surrogate } : {};
    })(),
  };
}

function emptyNumeric(p: NumericProfile): NumericAccumulator {
  return {
    kind: 'numeric',
    rows: 0,
    missing: 0,
    counts: p.counts.map(() => 0),
    fineCounts: p.fineCounts.map(() => 0),
    sum: 0,
    sumSquares: 0,
    min: null,
    max: null,
    outside: 0,
  };
}

/**
 * Adds every row of `table` to `acc` (mutates and returns it). `numeric` may carry the accumulators of numeric
 * columns (features or the score) computed elsewhere from the same rows — a report computes them in worker
 * threads from sorted values — and they are added instead of scanning those columns again.
 */
export function accumulate(
  acc: WindowAccumulator,
  profile: ReferenceProfile,
  spec: AnalysisSpec,
  table: Table,
  numeric?: ReadonlyMap<string, NumericAccumulator>,
): WindowAccumulator {
  if (acc.features.length !== profile.features.length) {
    throw new VigilError(
      'VIGIL_PROFILE_MISMATCH',
      `accumulator has ${acc.features.length} features, profile ${profile.features.length}`,
    );
  }
  acc.rows += table.rowCount;
  const features = profile.features;
  for (let i = 0; i < features.length; i++) {
    const f = features[i]!;
    const target = acc.features[i] as FeatureAccumulator;
    const column = requireColumn(table, f.name);
    const done = numeric?.get(f.name);
    if (f.kind === 'numeric' && target.kind === 'numeric') {
      if (done) acc.features[i] = mergeFeature(target, done);
      else addNumeric(target, f, asNumeric(table, column).values);
    } else if (f.kind === 'categorical' && target.kind === 'categorical') {
      addCategorical(target, f.categories, asCategorical(column));
    } else {
      throw new VigilError(
        'VIGIL_PROFILE_MISMATCH',
        `feature "${f.name}" is ${f.kind} in the profile but ${target.kind} in the accumulator`,
      );
    }
  }
  // The predicted class of every row, once for the outcome and the estimate (it is a new array each time).
  const predicted = spec.task === 'binary' ? predictedClass(table, spec) : null;
  addOutcome(acc, profile, spec, table, spec.score !== undefined ? numeric?.get(spec.score) : undefined, predicted);
  if (acc.outcome.estimate && spec.score !== undefined) {
    const predictedForEstimate = spec.task === 'binary' ? predicted : predictedClass(table, spec);
    if (predictedForEstimate)
      addEstimateRows(
        acc.outcome.estimate,
        profile,
        asNumeric(table, requireColumn(table, spec.score)).values,
        predictedForEstimate,
      );
  }
  if (profile.reconstruction)
    addReconstruction(
      (acc.reconstruction ??= emptyReconstruction(profile.reconstruction)),
      profile.reconstruction,
      table,
    );
  if (spec.attributions)
    addAttributions((acc.attributions ??= emptyAttributions()), spec, table, (attribute) =>
      groupKeys(table, attribute),
    );
  const design = acc.surrogate && windowSurrogateDesign(profile, spec.task);
  if (acc.surrogate && design && spec.score !== undefined && table.columns.has(spec.score))
    accumulateSurrogate(acc.surrogate, design, table, spec.score);
  return acc;
}

function addNumeric(acc: NumericAccumulator, p: NumericProfile, values: Float64Array): void {
  // The same bins as binIndex (binning.ts): a grid's guess walked to the edge, not a binary search each.
  const coarse = binLookup(p.edges);
  const fineLookup = binLookup(p.fineEdges);
  const counts = acc.counts;
  const fine = acc.fineCounts;
  let missing = 0;
  let sum = 0;
  let sumSquares = 0;
  let min = acc.min ?? Infinity;
  let max = acc.max ?? -Infinity;
  let outside = 0;
  const low = p.min;
  const high = p.max;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v !== v) {
      missing++;
      continue;
    }
    if (v < low || v > high) outside++;
    counts[coarse.bin(v)]!++;
    fine[fineLookup.bin(v)]!++;
    sum += v;
    sumSquares += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  acc.rows += values.length;
  acc.missing += missing;
  acc.sum += sum;
  acc.sumSquares += sumSquares;
  acc.outside = (acc.outside ?? 0) + outside;
  if (min !== Infinity) {
    acc.min = min;
    acc.max = max;
  }
}

/**
 * The accumulator of one numeric column from its finite values sorted ascending (one merge pass per bin set); `sums`
 * are its sums when the caller has taken them already (`fitNumericWithSum` with a report's current side).
 */
export function numericAccumulatorFromSorted(
  p: NumericProfile,
  sorted: Float64Array,
  rows: number,
  sums?: SortedSums,
): NumericAccumulator {
  const acc = emptyNumeric(p);
  countSortedIntoBins(sorted, p.edges, acc.counts);
  countSortedIntoBins(sorted, p.fineEdges, acc.fineCounts);
  let sum = 0;
  let sumSquares = 0;
  let outside = 0;
  if (sums) ({ sum, sumSquares, outside } = sums);
  else
    for (let i = 0; i < sorted.length; i++) {
      const v = sorted[i] as number;
      sum += v;
      sumSquares += v * v;
      if (v < p.min || v > p.max) outside++;
    }
  acc.outside = outside;
  acc.rows += rows;
  acc.missing += rows - sorted.length;
  acc.sum += sum;
  acc.sumSquares += sumSquares;
  if (sorted.length > 0) {
    acc.min = sorted[0] as number;
    acc.max = sorted[sorted.length - 1] as number;
  }
  return acc;
}

function addCategorical(
  acc: CategoricalAccumulator,
  categories: readonly string[],
  column: ReturnType<typeof asCategorical>,
): void {
  // Map the file's dictionary onto the profile's categories once, then count codes.
  const position = positionsOf(categories);
  const local = new Array<number>(column.categories.length).fill(0);
  let missing = 0;
  for (let i = 0; i < column.codes.length; i++) {
    const c = column.codes[i] as number;
    if (c < 0) missing++;
    else local[c]!++;
  }
  let unseen = false;
  for (let code = 0; code < column.categories.length; code++) {
    const n = local[code] as number;
    if (n === 0) continue;
    const name = column.categories[code] as string;
    const at = position.get(name);
    if (at === undefined) {
      acc.unseen[name] = (acc.unseen[name] ?? 0) + n;
      unseen = true;
    } else acc.counts[at] = (acc.counts[at] as number) + n;
  }
  // Capped after every addition, so with none it is as capped as before.
  if (unseen) acc.unseen = capUnseen(acc.unseen);
  acc.rows += column.codes.length;
  acc.missing += missing;
}

/** Each profile's category → its position, made once per (immutable) category list rather than once a call. */
const positions = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

function positionsOf(categories: readonly string[]): ReadonlyMap<string, number> {
  let position = positions.get(categories);
  if (position === undefined || position.size !== categories.length) {
    position = new Map(categories.map((c, i) => [c, i]));
    positions.set(categories, position);
  }
  return position;
}

/** Group key of every row for one attribute (intersections joined with `*`). */
export function groupKeys(table: Table, attribute: string): string[] {
  const columns = groupColumns(attribute).map((name) => asCategorical(requireColumn(table, name)));
  const keys = new Array<string>(table.rowCount);
  for (let row = 0; row < table.rowCount; row++) {
    let key = '';
    for (let j = 0; j < columns.length; j++) {
      const col = columns[j]!;
      const code = col.codes[row] as number;
      const part = code < 0 ? MISSING_GROUP : (col.categories[code] as string);
      key = j === 0 ? part : `${key}*${part}`;
    }
    keys[row] = key;
  }
  return keys;
}

/** The predicted class per row: the prediction column when given, else score >= threshold; NaN when unknown. */
export function predictedClass(table: Table, spec: AnalysisSpec): Float64Array | null {
  if (spec.prediction !== undefined) return asNumeric(table, requireColumn(table, spec.prediction)).values;
  if (spec.score === undefined) return null;
  const scores = asNumeric(table, requireColumn(table, spec.score)).values;
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    out[i] = s !== s ? Number.NaN : s >= spec.threshold ? 1 : 0;
  }
  return out;
}

function addOutcome(
  acc: WindowAccumulator,
  profile: ReferenceProfile,
  spec: AnalysisSpec,
  table: Table,
  scoreDone?: NumericAccumulator,
  /** `predictedClass(table, spec)` when the caller has it (only read for a binary task). */
  predictedOfRows: Float64Array | null = spec.task === 'binary' ? predictedClass(table, spec) : null,
): void {
  const out = acc.outcome;
  const scores = spec.score !== undefined ? asNumeric(table, requireColumn(table, spec.score)).values : null;
  const labels = spec.label !== undefined ? asNumeric(table, requireColumn(table, spec.label)).values : null;
  if (scores && out.score && profile.score) {
    if (scoreDone) out.score = mergeFeature(out.score, scoreDone) as NumericAccumulator;
    else addNumeric(out.score, profile.score, scores);
  }
  const binary = spec.task === 'binary';
  const predicted = binary ? predictedOfRows : scores;

  if (labels && scores) {
    // The AUC's fine score bins come from the reference's scores; a reference without scores has none.
    const fineEdges = profile.score?.fineEdges;
    for (let i = 0; i < table.rowCount; i++) {
      const y = labels[i] as number;
      const s = scores[i] as number;
      if (y !== y || s !== s) continue;
      out.labelled++;
      if (binary) {
        if (fineEdges) {
          const fine = binIndex(fineEdges, s);
          if (y === 1) out.positiveFine[fine]!++;
          else out.negativeFine[fine]!++;
        }
        out.sumLogLoss += clippedLogLossTerm(s, y);
        out.sumSquaredError += (s - y) * (s - y);
      } else {
        const e = s - y;
        out.sumAbsoluteError += Math.abs(e);
        out.sumSquaredError += e * e;
        out.sumError += e;
      }
    }
  }

  if (binary && labels && scores)
    addCalibrationBins(out.calibration, equalWidthCalibrationBins(scores, labels, out.calibration.length));
  if (binary && labels && predicted) {
    const c = confusionCounts(predicted, labels);
    out.tp += c.tp;
    out.fp += c.fp;
    out.tn += c.tn;
    out.fn += c.fn;
  }

  if (!binary || !predicted) return;
  // All missing, for whichever of labels and scores the table lacks.
  const missing = labels && scores ? undefined : new Float64Array(table.rowCount).fill(Number.NaN);
  for (const attribute of spec.groups) {
    const byGroup = (acc.groups[attribute] ??= {});
    for (const [key, counts] of countGroups(
      groupKeys(table, attribute),
      predicted,
      labels ?? missing!,
      scores ?? missing!,
    )) {
      byGroup[key] = byGroup[key] ? addGroupCounts(byGroup[key], counts) : counts;
    }
    acc.groups[attribute] = capGroups(byGroup);
  }
}

/**
 * What labels arriving later add to the accumulator their rows were counted in without them: the label-dependent
 * counts only (labelled rows, calibration, confusion, losses, per-group confusion and calibration). `table` holds
 * the late-labelled rows with their score, prediction, groups and now their label; the features and the
 * label-free counts (rows, score distribution, group sizes and selections) were added when the predictions
 * arrived and are left out, so adding the result to the bucket equals having had the labels from the start.
 */
export function labelAccumulator(profile: ReferenceProfile, spec: AnalysisSpec, table: Table): WindowAccumulator {
  const acc = emptyAccumulator(profile, spec);
  // The estimate is label-free: it was counted with the predictions.
  delete acc.outcome.estimate;
  // Labels change no feature value: a label-only delta carries no reconstruction errors.
  delete acc.reconstruction;
  addOutcome(acc, profile, spec, table);
  if (acc.outcome.score) acc.outcome.score = emptyNumeric(profile.score!);
  for (const byGroup of Object.values(acc.groups)) {
    for (const counts of Object.values(byGroup)) {
      counts.n = 0;
      counts.predictedPositive = 0;
    }
  }
  return acc;
}

/** Sum of two accumulators of the same profile (neither is modified). */
export function mergeAccumulators(a: WindowAccumulator, b: WindowAccumulator): WindowAccumulator {
  return merge(a, b, false);
}

/**
 * Adds `b` into `acc` and returns the sum, the same numbers as {@link mergeAccumulators}, reusing `acc`'s arrays:
 * closing a window sums a dozen buckets, and allocating a whole accumulator per bucket was most of its merge
 * (bench/window-close.mjs). `acc` must be the caller's own — an {@link emptyAccumulator} or an earlier result of
 * this function — and is consumed; `b` is left as it was and nothing of it is kept by reference (stored buckets are
 * shared by the windows that overlap them).
 */
export function mergeAccumulatorsInto(acc: WindowAccumulator, b: WindowAccumulator): WindowAccumulator {
  return merge(acc, b, true);
}

/** `owned`: `a` is the caller's to reuse (see {@link mergeAccumulatorsInto}); else a new accumulator. */
function merge(a: WindowAccumulator, b: WindowAccumulator, owned: boolean): WindowAccumulator {
  if (a.features.length !== b.features.length) {
    throw new VigilError('VIGIL_PROFILE_MISMATCH', 'cannot merge accumulators of different profiles');
  }
  const groups: Record<string, Record<string, GroupCounts>> = owned ? a.groups : {};
  for (const attribute of new Set([...Object.keys(a.groups), ...Object.keys(b.groups)])) {
    const merged: Record<string, GroupCounts> = owned ? (a.groups[attribute] ?? {}) : {};
    for (const side of owned ? [b.groups[attribute] ?? {}] : [a.groups[attribute] ?? {}, b.groups[attribute] ?? {}]) {
      for (const [g, c] of Object.entries(side))
        merged[g] = merged[g] ? addGroupCounts(merged[g], c) : addGroupCounts(emptyGroupCounts(), c);
    }
    groups[attribute] = capGroups(merged);
  }
  const add = owned ? addArraysInto : addArrays;
  const oa = a.outcome;
  const ob = b.outcome;
  const attributions =
    a.attributions || b.attributions
      ? mergeAttributions(a.attributions ?? emptyAttributions(), b.attributions ?? emptyAttributions())
      : undefined;
  return {
    ...(attributions ? { attributions } : {}),
    version: 1,
    rows: a.rows + b.rows,
    unknownFeatures: mergeUnknownFeatures(a.unknownFeatures, b.unknownFeatures),
    features: a.features.map((fa, i) => mergeFeature(fa, b.features[i] as FeatureAccumulator, add)),
    outcome: {
      score:
        oa.score && ob.score
          ? (mergeFeature(oa.score, ob.score, add) as NumericAccumulator)
          : (oa.score ?? (owned && ob.score ? structuredClone(ob.score) : ob.score)),
      labelled: oa.labelled + ob.labelled,
      calibration: addCalibrationBins(owned ? oa.calibration : oa.calibration.map((b) => ({ ...b })), ob.calibration),
      positiveFine: add(oa.positiveFine, ob.positiveFine),
      negativeFine: add(oa.negativeFine, ob.negativeFine),
      tp: oa.tp + ob.tp,
      fp: oa.fp + ob.fp,
      tn: oa.tn + ob.tn,
      fn: oa.fn + ob.fn,
      sumLogLoss: oa.sumLogLoss + ob.sumLogLoss,
      sumSquaredError: oa.sumSquaredError + ob.sumSquaredError,
      sumAbsoluteError: oa.sumAbsoluteError + ob.sumAbsoluteError,
      sumError: oa.sumError + ob.sumError,
      ...(oa.estimate || ob.estimate
        ? {
            estimate: (owned && oa.estimate && ob.estimate ? addEstimatesInto : mergeEstimates)(
              oa.estimate,
              ob.estimate,
            )!,
          }
        : {}),
    },
    groups,
    ...reconstructionOf(a, b, owned),
    ...(a.surrogate && b.surrogate
      ? { surrogate: (owned ? addSurrogatesInto : mergeSurrogates)(a.surrogate, b.surrogate) }
      : a.surrogate || b.surrogate
        ? { surrogate: structuredClone((a.surrogate ?? b.surrogate)!) }
        : {}),
  };
}

function reconstructionOf(
  a: WindowAccumulator,
  b: WindowAccumulator,
  owned: boolean,
): Pick<WindowAccumulator, 'reconstruction'> {
  const merged = (owned ? addReconstructionInto : mergeReconstruction)(a.reconstruction, b.reconstruction);
  return merged ? { reconstruction: merged } : {};
}

function mergeFeature(
  a: FeatureAccumulator,
  b: FeatureAccumulator,
  add: (a: number[], b: readonly number[]) => number[] = addArrays,
): FeatureAccumulator {
  if (a.kind === 'numeric' && b.kind === 'numeric') {
    return {
      kind: 'numeric',
      rows: a.rows + b.rows,
      missing: a.missing + b.missing,
      counts: add(a.counts, b.counts),
      fineCounts: add(a.fineCounts, b.fineCounts),
      sum: a.sum + b.sum,
      sumSquares: a.sumSquares + b.sumSquares,
      min: a.min === null ? b.min : b.min === null ? a.min : Math.min(a.min, b.min),
      max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max),
      outside: (a.outside ?? 0) + (b.outside ?? 0),
    };
  }
  if (a.kind === 'categorical' && b.kind === 'categorical') {
    // Owned (`add` adds in place), `a.unseen` is the caller's too.
    const unseen = add === addArraysInto ? a.unseen : { ...a.unseen };
    for (const [k, n] of Object.entries(b.unseen)) unseen[k] = (unseen[k] ?? 0) + n;
    return {
      kind: 'categorical',
      rows: a.rows + b.rows,
      missing: a.missing + b.missing,
      counts: add(a.counts, b.counts),
      unseen: capUnseen(unseen),
    };
  }
  throw new VigilError('VIGIL_PROFILE_MISMATCH', 'cannot merge a numeric and a categorical accumulator');
}

function addArrays(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length)
    throw new VigilError('VIGIL_PROFILE_MISMATCH', `bin counts differ in length (${a.length} vs ${b.length})`);
  return a.map((x, i) => x + (b[i] as number));
}

/** {@link addArrays} into `a` (the caller's own), which it returns. */
function addArraysInto(a: number[], b: readonly number[]): number[] {
  if (a.length !== b.length)
    throw new VigilError('VIGIL_PROFILE_MISMATCH', `bin counts differ in length (${a.length} vs ${b.length})`);
  for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (b[i] as number);
  return a;
}
