/**
 * Group fairness: per-group rates with Wilson intervals from additive counts, and the between-group differences of
 * docs/metrics.md ("Fairness"), equal to fairlearn's on the groups that are large enough.
 */
import type { GroupRates } from '../report/report-types';
import {
  CALIBRATION_BINS,
  addCalibrationBins,
  calibrationBinIndex,
  calibrationFromBins,
  type CalibrationBinStats,
} from './calibration';
import { assertSameLength } from './classification';
import { wilsonInterval } from './wilson';

/**
 * What a streaming engine keeps per group and time bucket. Additive: the counts of a union of rows are the
 * field-wise sums ({@link addGroupCounts}), calibration bins included.
 */
export interface GroupCounts {
  /** Rows of the group that have a prediction, labelled or not. */
  n: number;
  /** Of those, rows predicted positive (prediction 1). */
  predictedPositive: number;
  /** Confusion counts of the rows that also have a label. */
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /**
   * Equal-width calibration bins (see `calibrationBinIndex`) of the labelled rows that have a score, for the group's
   * ECE. Every GroupCounts that is added to another must use the same number of bins.
   */
  calibration: CalibrationBinStats[];
}

/** @param nBins - calibration bins; @defaultValue {@link CALIBRATION_BINS} */
export function emptyGroupCounts(nBins = CALIBRATION_BINS): GroupCounts {
  const calibration: CalibrationBinStats[] = [];
  for (let b = 0; b < nBins; b++) calibration.push({ count: 0, sumScore: 0, sumLabel: 0 });
  return { n: 0, predictedPositive: 0, tp: 0, fp: 0, tn: 0, fn: 0, calibration };
}

/** Adds `other` into `target` (mutating it, so that summing many buckets allocates nothing) and returns `target`. */
export function addGroupCounts(target: GroupCounts, other: GroupCounts): GroupCounts {
  // First, so that bins of different lengths throw before anything is added.
  addCalibrationBins(target.calibration, other.calibration);
  target.n += other.n;
  target.predictedPositive += other.predictedPositive;
  target.tp += other.tp;
  target.fp += other.fp;
  target.tn += other.tn;
  target.fn += other.fn;
  return target;
}

/**
 * Counts one row into `counts`. A NaN prediction skips the row (it is not a row of the fairness analysis); a NaN
 * label leaves it out of the confusion counts; a NaN score or label leaves it out of the calibration bins.
 */
export function addGroupRow(counts: GroupCounts, prediction: number, label: number, score: number): void {
  if (Number.isNaN(prediction)) return;
  counts.n++;
  const predictedPositive = prediction === 1;
  if (predictedPositive) counts.predictedPositive++;
  if (Number.isNaN(label)) return;
  const positive = label === 1;
  if (predictedPositive) {
    if (positive) counts.tp++;
    else counts.fp++;
  } else if (positive) counts.fn++;
  else counts.tn++;
  if (Number.isNaN(score)) return;
  const bin = counts.calibration[calibrationBinIndex(score, counts.calibration.length)]!;
  bin.count++;
  bin.sumScore += score;
  if (positive) bin.sumLabel++;
}

/**
 * Counts of every group of one attribute, in one pass. `groups[i]` is the group of row i (a missing value should
 * already be the group "(missing)").
 *
 * @param nBins - calibration bins per group; @defaultValue {@link CALIBRATION_BINS}
 */
export function countGroups(
  groups: ArrayLike<string>,
  predictions: Float64Array,
  labels: Float64Array,
  scores: Float64Array,
  nBins = CALIBRATION_BINS,
): Map<string, GroupCounts> {
  assertSameLength(predictions, labels, 'countGroups');
  assertSameLength(predictions, scores, 'countGroups');
  if (groups.length !== predictions.length) {
    throw new RangeError(`countGroups: ${groups.length} group values for ${predictions.length} rows`);
  }
  const byGroup = new Map<string, GroupCounts>();
  for (let i = 0; i < predictions.length; i++) {
    const group = groups[i]!;
    let counts = byGroup.get(group);
    if (counts === undefined) {
      counts = emptyGroupCounts(nBins);
      byGroup.set(group, counts);
    }
    addGroupRow(counts, predictions[i]!, labels[i]!, scores[i]!);
  }
  return byGroup;
}

function rateWithInterval(successes: number, trials: number): { rate: number | null; ci: [number, number] | null } {
  if (trials === 0) return { rate: null, ci: null };
  return { rate: successes / trials, ci: wilsonInterval(successes, trials) };
}

/**
 * The rates of one group, each with its 95% Wilson interval:
 * selectionRate = predictedPositive / n (over all rows, labelled or not); tpr = tp / (tp + fn);
 * fpr = fp / (fp + tn); fnr = fn / (tp + fn); ppv = tp / (tp + fp); ece over the group's equal-width bins.
 * A rate whose denominator is 0 is null, and so is its interval (selectionRate, typed as a number, is NaN for a group
 * without rows, and its interval [0, 1]).
 * sufficient = n ≥ minGroupSize; sufficientLabelled = (tp + fp + tn + fn) ≥ minGroupSize.
 */
export function groupRates(group: string, counts: GroupCounts, minGroupSize: number): GroupRates {
  const labelled = counts.tp + counts.fp + counts.tn + counts.fn;
  const tpr = rateWithInterval(counts.tp, counts.tp + counts.fn);
  const fpr = rateWithInterval(counts.fp, counts.fp + counts.tn);
  const fnr = rateWithInterval(counts.fn, counts.tp + counts.fn);
  const ppv = rateWithInterval(counts.tp, counts.tp + counts.fp);
  const calibration = calibrationFromBins(counts.calibration);
  return {
    group,
    n: counts.n,
    labelled,
    selectionRate: counts.n === 0 ? Number.NaN : counts.predictedPositive / counts.n,
    tpr: tpr.rate,
    fpr: fpr.rate,
    fnr: fnr.rate,
    ppv: ppv.rate,
    ece: calibration.n === 0 ? null : calibration.ece,
    ciSelectionRate: wilsonInterval(counts.predictedPositive, counts.n),
    ciTpr: tpr.ci,
    ciFpr: fpr.ci,
    ciFnr: fnr.ci,
    ciPpv: ppv.ci,
    sufficient: counts.n >= minGroupSize,
    sufficientLabelled: labelled >= minGroupSize,
  };
}

/** max − min of the non-null values; null when fewer than two. */
function spread(values: readonly (number | null)[]): number | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let defined = 0;
  for (const value of values) {
    if (value === null || Number.isNaN(value)) continue;
    defined++;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return defined < 2 ? null : max - min;
}

export interface FairnessDifferences {
  statisticalParityDifference: number | null;
  disparateImpactRatio: number | null;
  equalOpportunityDifference: number | null;
  equalizedOddsDifference: number | null;
  predictiveParityDifference: number | null;
}

/**
 * Between-group differences, on fairlearn's definitions restricted to the groups large enough to be trusted:
 * - statisticalParityDifference = max − min selectionRate (fairlearn `demographic_parity_difference`) and
 *   disparateImpactRatio = min / max selectionRate (`demographic_parity_ratio`), over the groups with
 *   `sufficient`; the ratio is null when the largest selection rate is 0;
 * - equalOpportunityDifference = max − min tpr (`equal_opportunity_difference`); equalizedOddsDifference =
 *   max(tpr gap, fpr gap) (`equalized_odds_difference`); predictiveParityDifference = max − min ppv; over the groups
 *   with `sufficientLabelled`.
 * Each is null when fewer than two groups qualify. A group whose rate is null (zero denominator, say no positive
 * labels for tpr) is left out of that rate's gap, where fairlearn would count the rate as 0; equalizedOddsDifference
 * is null unless both gaps are defined, since the larger of a known and an unknown gap is unknown.
 */
export function fairnessDifferences(groups: readonly GroupRates[]): FairnessDifferences {
  const selectionRates: number[] = [];
  const tprs: (number | null)[] = [];
  const fprs: (number | null)[] = [];
  const ppvs: (number | null)[] = [];
  for (const g of groups) {
    if (g.sufficient && g.n > 0) selectionRates.push(g.selectionRate);
    if (g.sufficientLabelled && g.labelled > 0) {
      tprs.push(g.tpr);
      fprs.push(g.fpr);
      ppvs.push(g.ppv);
    }
  }
  const statisticalParityDifference = spread(selectionRates);
  let disparateImpactRatio: number | null = null;
  if (statisticalParityDifference !== null) {
    const max = Math.max(...selectionRates);
    if (max > 0) disparateImpactRatio = Math.min(...selectionRates) / max;
  }
  const tprGap = spread(tprs);
  const fprGap = spread(fprs);
  return {
    statisticalParityDifference,
    disparateImpactRatio,
    equalOpportunityDifference: tprGap,
    equalizedOddsDifference: tprGap === null || fprGap === null ? null : Math.max(tprGap, fprGap),
    predictiveParityDifference: spread(ppvs),
  };
}
