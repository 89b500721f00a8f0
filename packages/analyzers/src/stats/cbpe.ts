/**
 * Confidence-based performance estimation (CBPE, as NannyML defines it): before labels arrive, a binary model's
 * accuracy, precision, recall, F1 and ROC AUC are estimated from its calibrated scores. The score is calibrated on the
 * labelled reference (isotonic regression, kept only when it lowers the calibration error out of sample), and each
 * estimate carries the sampling error of a reference sample of the current data's size (±3 of it is the band).
 * Definitions and the check against NannyML 0.13 are in docs/metrics.md.
 */
import { seededRandom } from '@vigil/core';
import { stableOrderBy } from '../sort/sort-finite';
import { rocAuc } from './classification';

/** Isotonic calibrator: the fitted step points; between them the calibrated value is linearly interpolated. */
export interface IsotonicCalibrator {
  kind: 'isotonic';
  x: number[];
  y: number[];
}

/** The score was already calibrated (isotonic regression did not lower its error): it is used as it is. */
export interface IdentityCalibrator {
  kind: 'identity';
}

export type ScoreCalibrator = IsotonicCalibrator | IdentityCalibrator;

/** Per metric: the standard deviation of its per-row contribution on the reference and the share of rows that count. */
export interface SamplingErrorComponent {
  std: number;
  fraction: number;
}

/** What CBPE keeps from the labelled reference: the calibrator and the sampling-error components. */
export interface CbpeReference {
  calibrator: ScoreCalibrator;
  /** Reference rows with a score, a predicted class and a label. */
  rows: number;
  components: Record<EstimatedMetric, SamplingErrorComponent>;
}

export type EstimatedMetric = 'accuracy' | 'precision' | 'recall' | 'f1' | 'auc';

/** One estimated metric: the value, its sampling error and the band value ± 3 · samplingError clipped to [0, 1]. */
export interface PerformanceEstimate {
  value: number;
  samplingError: number;
  band: [number, number];
}

export type CbpeEstimates = Record<EstimatedMetric, PerformanceEstimate> & { rows: number };

/** Standard errors either side of an estimate its band spans (NannyML's SAMPLING_ERROR_RANGE). */
export const CBPE_BAND_WIDTH = 3;

/**
 * scikit-learn's `IsotonicRegression(increasing=True, out_of_bounds='clip')`: rows sorted by score, tied scores
 * merged into their mean label, then pool-adjacent-violators; only the points where the fitted step changes are kept.
 * Rows with a NaN score or label are left out.
 */
export function fitIsotonic(scores: Float64Array, labels: Float64Array): IsotonicCalibrator {
  const rows: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i]!) && !Number.isNaN(labels[i]!)) rows.push(i);
  const order = stableOrderBy(scores, rows);
  return isotonicFromSorted(
    Float64Array.from(order, (i) => scores[i]!),
    Float64Array.from(order, (i) => labels[i]!),
  );
}

/** {@link fitIsotonic} of rows already sorted by score (no NaN). */
function isotonicFromSorted(sortedScores: Float64Array, sortedLabels: Float64Array): IsotonicCalibrator {
  // Unique scores with the weight (row count) and summed label of their rows.
  const xs: number[] = [];
  const sums: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < sortedScores.length; i++) {
    const s = sortedScores[i]!;
    if (xs.length > 0 && xs[xs.length - 1] === s) {
      sums[sums.length - 1]! += sortedLabels[i]!;
      weights[weights.length - 1]!++;
    } else {
      xs.push(s);
      sums.push(sortedLabels[i]!);
      weights.push(1);
    }
  }
  // Pool adjacent violators over blocks: each block holds its summed label, weight and the first x index.
  const blockSum: number[] = [];
  const blockWeight: number[] = [];
  const blockStart: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    blockSum.push(sums[k]!);
    blockWeight.push(weights[k]!);
    blockStart.push(k);
    while (blockSum.length > 1) {
      const last = blockSum.length - 1;
      if (blockSum[last - 1]! / blockWeight[last - 1]! <= blockSum[last]! / blockWeight[last]!) break;
      blockSum[last - 1]! += blockSum[last]!;
      blockWeight[last - 1]! += blockWeight[last]!;
      blockSum.pop();
      blockWeight.pop();
      blockStart.pop();
    }
  }
  // Each block is a flat step from its first to its last x: those two points describe it.
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < blockSum.length; b++) {
    const value = blockSum[b]! / blockWeight[b]!;
    const first = blockStart[b]!;
    const last = b + 1 < blockStart.length ? blockStart[b + 1]! - 1 : xs.length - 1;
    x.push(xs[first]!);
    y.push(value);
    if (last !== first) {
      x.push(xs[last]!);
      y.push(value);
    }
  }
  return { kind: 'isotonic', x, y };
}

/** The calibrated probability of `score` (NaN stays NaN); outside the fitted range the end values hold. */
export function calibrateScore(calibrator: ScoreCalibrator, score: number): number {
  if (calibrator.kind === 'identity' || Number.isNaN(score)) return score;
  const { x, y } = calibrator;
  if (x.length === 0) return Number.NaN;
  if (score <= x[0]!) return y[0]!;
  if (score >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo]!;
  const x1 = x[hi]!;
  return x1 === x0 ? y[hi]! : y[lo]! + ((score - x0) * (y[hi]! - y[lo]!)) / (x1 - x0);
}

/**
 * NannyML's expected calibration error for the calibration decision: the rows sorted by score and cut into
 * `bins` runs of equal row count (the last takes the remainder; fewer bins when there are under 2 · bins rows).
 * A row is positive when its label is 1.
 */
export function eceByRank(scores: Float64Array, labels: Float64Array, bins = 10): number {
  const n = scores.length;
  let count = bins;
  if (n <= 2 * count) count = Math.floor(n / 2);
  if (count < 2) return Number.NaN;
  const width = Math.floor(n / count);
  const edges: number[] = [];
  for (let e = 0; e <= n; e += width) edges.push(e);
  edges[edges.length - 1] = n;
  // Native numeric sorts instead of an index sort (10× faster on a million rows): all scores, and the positives'
  // scores; walking both, a row is positive while the next positive score equals it (positives first among ties —
  // NannyML's order among tied scores is arbitrary too).
  const sorted = Float64Array.from(scores).sort();
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++;
  const positiveScores = new Float64Array(positives);
  for (let i = 0, k = 0; i < n; i++) if (labels[i] === 1) positiveScores[k++] = scores[i]!;
  positiveScores.sort();
  let ece = 0;
  let j = 0;
  for (let b = 0; b + 1 < edges.length; b++) {
    let sumScore = 0;
    let sumLabel = 0;
    for (let k = edges[b]!; k < edges[b + 1]!; k++) {
      sumScore += sorted[k]!;
      if (j < positives && positiveScores[j] === sorted[k]) {
        sumLabel++;
        j++;
      }
    }
    const m = edges[b + 1]! - edges[b]!;
    ece += (m / n) * Math.abs(sumScore / m - sumLabel / m);
  }
  return ece;
}

/**
 * Whether isotonic calibration helps, NannyML's rule: not when one class is missing or the AUC exceeds 0.999;
 * otherwise 10 stratified splits with 10% held out, the calibrator fitted on the rest each time, and calibration is
 * kept when the pooled held-out rows' {@link eceByRank} is lower calibrated than raw. The splits come from a seeded
 * generator of Vigil's own (NannyML draws them with scikit-learn's StratifiedShuffleSplit), so the decision can
 * differ from NannyML's only when the two errors are nearly equal — when calibrating changes little either way.
 */
export function needsCalibration(scores: Float64Array, labels: Float64Array, splits = 10, seed = 42): boolean {
  // The rows sorted by score once: each split's training rows are then a sorted subsequence.
  const rows: number[] = [];
  const byClass: number[][] = [[], []];
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!) || Number.isNaN(labels[i]!)) continue;
    rows.push(i);
    byClass[labels[i] === 1 ? 1 : 0]!.push(i);
  }
  const n = rows.length;
  if (byClass[0]!.length === 0 || byClass[1]!.length === 0) return false;
  if (rocAuc(scores, labels) > 0.999) return false;
  const order = stableOrderBy(scores, rows);
  const nTest = Math.ceil(0.1 * n);
  // Test rows per class in proportion to its size, the remainder to the larger fractional part.
  const exact = byClass.map((c) => (c.length / n) * nTest);
  const perClass = exact.map(Math.floor);
  if (perClass[0]! + perClass[1]! < nTest) perClass[exact[0]! - perClass[0]! >= exact[1]! - perClass[1]! ? 0 : 1]!++;
  const testRows = perClass[0]! + perClass[1]!;
  const random = seededRandom(seed);
  const rawScores = new Float64Array(splits * testRows);
  const calibrated = new Float64Array(splits * testRows);
  const testLabels = new Float64Array(splits * testRows);
  const inTest = new Uint8Array(scores.length);
  const trainScores = new Float64Array(n - testRows);
  const trainLabels = new Float64Array(n - testRows);
  let pooled = 0;
  for (let s = 0; s < splits; s++) {
    inTest.fill(0);
    byClass.forEach((rows, c) => {
      // A partial Fisher–Yates shuffle: the first perClass[c] places are a uniform sample of the class.
      const shuffled = rows.slice();
      for (let i = 0; i < perClass[c]!; i++) {
        const j = i + Math.floor(random() * (shuffled.length - i));
        const t = shuffled[i]!;
        shuffled[i] = shuffled[j]!;
        shuffled[j] = t;
        inTest[shuffled[i]!] = 1;
      }
    });
    let k = 0;
    for (const i of order) {
      if (inTest[i]) continue;
      trainScores[k] = scores[i]!;
      trainLabels[k++] = labels[i]!;
    }
    const calibrator = isotonicFromSorted(trainScores, trainLabels);
    for (const i of order) {
      if (!inTest[i]) continue;
      rawScores[pooled] = scores[i]!;
      calibrated[pooled] = calibrateScore(calibrator, scores[i]!);
      testLabels[pooled++] = labels[i]!;
    }
  }
  return eceByRank(rawScores, testLabels) > eceByRank(calibrated, testLabels);
}

function std(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

/**
 * NannyML's AUC sampling-error component: with the minority class taken as positive, the positives' ranks among
 * the scores (ascending), each less the positives ranked below it, divided by the negatives — the share of
 * negatives each positive outranks; its standard deviation and the positives' share.
 */
function aucComponent(scores: number[], labels: number[]): SamplingErrorComponent {
  const n = scores.length;
  let positives = 0;
  for (const y of labels) positives += y;
  const flip = positives / n > 0.5;
  const s = flip ? scores.map((v) => 1 - v) : scores;
  const y = flip ? labels.map((v) => 1 - v) : labels;
  const order = stableOrderBy(
    s,
    Int32Array.from(s, (_, i) => i),
  );
  const nPos = flip ? n - positives : positives;
  const nNeg = n - nPos;
  // NannyML skips rank 0 (its trick of reading positive ranks off label · rank cannot tell it from a negative).
  const shares: number[] = [];
  let seen = 0;
  for (let r = 1; r < n; r++) {
    if (y[order[r]!] !== 1) continue;
    shares.push((r - seen) / nNeg);
    seen++;
  }
  return { std: std(shares), fraction: nPos / n };
}

/**
 * Fits CBPE on the labelled reference: the calibrator (isotonic when {@link needsCalibration}, else identity) and,
 * per metric, the sampling-error components from the reference's own predicted classes and labels (NannyML's
 * definitions: the standard deviation of a per-row indicator over the rows that metric counts).
 * `predicted` is the class the model gives (1 or 0). Returns null when no row has a score, a class and a label.
 */
export function fitCbpe(scores: Float64Array, labels: Float64Array, predicted: Float64Array): CbpeReference | null {
  const s: number[] = [];
  const y: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!) || Number.isNaN(labels[i]!) || Number.isNaN(predicted[i]!)) continue;
    s.push(scores[i]!);
    y.push(labels[i] === 1 ? 1 : 0);
    p.push(predicted[i] === 1 ? 1 : 0);
  }
  const n = s.length;
  if (n === 0) return null;
  const sf = Float64Array.from(s);
  const yf = Float64Array.from(y);
  const calibrator: ScoreCalibrator = needsCalibration(sf, yf) ? fitIsotonic(sf, yf) : { kind: 'identity' };
  const correct: number[] = [];
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < n; i++) {
    correct.push(p[i] === y[i] ? 1 : 0);
    if (p[i] === 1) precision.push(y[i]!);
    if (y[i] === 1) recall.push(p[i]!);
    if (p[i] === 1 && y[i] === 1) tp++;
    else if (p[i] === 1) fp++;
    else if (y[i] === 1) fn++;
  }
  const relevant = tp + fp + fn;
  // F1 per row among TP, FP and FN rows: a TP counts m / (TP + (FP + FN) / 2), the others 0, so the mean is F1.
  const factor = relevant / (tp + 0.5 * (fp + fn));
  const f1 = [...new Array<number>(tp).fill(factor), ...new Array<number>(fp + fn).fill(0)];
  return {
    calibrator,
    rows: n,
    components: {
      accuracy: { std: std(correct), fraction: 1 },
      precision: { std: std(precision), fraction: precision.length / n },
      recall: { std: std(recall), fraction: recall.length / n },
      f1: relevant > 0 ? { std: std(f1), fraction: relevant / n } : { std: Number.NaN, fraction: 0 },
      auc: aucComponent(s, y),
    },
  };
}

/**
 * The estimated ROC AUC: rows in descending raw score, each counting its calibrated probability as an expected
 * positive and the rest as an expected negative; the AUC of that expected ROC curve (trapezoids). Tied scores step
 * together, as scikit-learn's roc_curve does (NannyML steps through ties one row at a time, in an arbitrary order).
 */
export function estimatedAuc(scores: number[], probabilities: number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let totalP = 0;
  for (const q of probabilities) totalP += q;
  const totalN = scores.length - totalP;
  if (!(totalP > 0) || !(totalN > 0)) return Number.NaN;
  let tps = 0;
  let fps = 0;
  let area = 0;
  let k = 0;
  while (k < order.length) {
    const s = scores[order[k]!]!;
    const tps0 = tps;
    const fps0 = fps;
    while (k < order.length && scores[order[k]!] === s) {
      const q = probabilities[order[k]!]!;
      tps += q;
      fps += 1 - q;
      k++;
    }
    area += ((fps - fps0) / totalN) * ((tps + tps0) / 2 / totalP);
  }
  return area;
}

function estimate(value: number, samplingError: number): PerformanceEstimate {
  const clip = (v: number): number => Math.min(1, Math.max(0, v));
  return {
    value,
    samplingError,
    band: [clip(value - CBPE_BAND_WIDTH * samplingError), clip(value + CBPE_BAND_WIDTH * samplingError)],
  };
}

/**
 * Estimates the metrics on the current (unlabelled) rows: each row's calibrated probability p is the chance its label
 * is 1, so a predicted positive adds p to the expected true positives and 1 − p to the false positives, a predicted
 * negative p to the false negatives and 1 − p to the true negatives; the metrics are taken of those expected counts.
 * The sampling error of a metric is std / √(n · fraction) with the reference's components and the n current rows.
 * Returns null when no current row has both a score and a predicted class.
 */
export function estimateCbpe(
  reference: CbpeReference,
  scores: Float64Array,
  predicted: Float64Array,
): CbpeEstimates | null {
  const raw: number[] = [];
  const probabilities: number[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!) || Number.isNaN(predicted[i]!)) continue;
    const q = calibrateScore(reference.calibrator, scores[i]!);
    raw.push(scores[i]!);
    probabilities.push(q);
    if (predicted[i] === 1) {
      tp += q;
      fp += 1 - q;
    } else {
      fn += q;
      tn += 1 - q;
    }
  }
  const n = raw.length;
  if (n === 0) return null;
  const error = (m: EstimatedMetric): number => {
    const c = reference.components[m];
    return c.std / Math.sqrt(n * c.fraction);
  };
  // NannyML reports 0 for precision, recall and F1 whose expected denominator is 0.
  const ratio = (num: number, den: number): number => (den !== 0 ? num / den : 0);
  return {
    rows: n,
    accuracy: estimate((tp + tn) / n, error('accuracy')),
    precision: estimate(ratio(tp, tp + fp), error('precision')),
    recall: estimate(ratio(tp, tp + fn), error('recall')),
    f1: estimate(ratio(tp, tp + 0.5 * (fp + fn)), error('f1')),
    auc: estimate(estimatedAuc(raw, probabilities), error('auc')),
  };
}
