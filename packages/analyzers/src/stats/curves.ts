/**
 * ROC and precision–recall curves and average precision, each equal to its scikit-learn counterpart
 * (`roc_curve`, `precision_recall_curve`, `average_precision_score`), with the conventions of classification.ts:
 * a row is positive iff its label is exactly 1, and rows whose label or score is NaN are skipped.
 */
import { sortedScoresByClass } from './classification';

/** Cumulative counts at each distinct score, highest score first: scikit-learn's `_binary_clf_curve`. */
export interface ThresholdCounts {
  /** Rows with a score ≥ `thresholds[i]` that are negative / positive. */
  fps: Float64Array;
  tps: Float64Array;
  /** The distinct scores, descending. */
  thresholds: Float64Array;
}

export function thresholdCounts(scores: Float64Array, labels: Float64Array): ThresholdCounts {
  const { positives, negatives } = sortedScoresByClass(scores, labels);
  const size = positives.length + negatives.length;
  const fps = new Float64Array(size);
  const tps = new Float64Array(size);
  const thresholds = new Float64Array(size);
  let i = positives.length - 1;
  let j = negatives.length - 1;
  let tp = 0;
  let fp = 0;
  let k = 0;
  // Merge both ascending arrays from the top: each distinct score is one threshold.
  while (i >= 0 || j >= 0) {
    const value = Math.max(i >= 0 ? positives[i]! : -Infinity, j >= 0 ? negatives[j]! : -Infinity);
    while (i >= 0 && positives[i] === value) {
      tp++;
      i--;
    }
    while (j >= 0 && negatives[j] === value) {
      fp++;
      j--;
    }
    fps[k] = fp;
    tps[k] = tp;
    thresholds[k] = value;
    k++;
  }
  return { fps: fps.subarray(0, k), tps: tps.subarray(0, k), thresholds: thresholds.subarray(0, k) };
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Descending; the first is +∞ (the point (0, 0)). */
  thresholds: number[];
}

/**
 * scikit-learn's `roc_curve`: the point (0, 0) at threshold +∞, then one point per distinct score. With
 * `dropIntermediate` (scikit-learn's default) the points collinear with their neighbours are dropped; they are never
 * corners of the curve and do not change its area. Null when either class is absent (scikit-learn returns NaN rates).
 */
export function rocCurve(scores: Float64Array, labels: Float64Array, dropIntermediate = true): RocCurve | null {
  return rocFromCounts(thresholdCounts(scores, labels), dropIntermediate);
}

/** {@link rocCurve} from counts already made, so one sort serves every curve of a report. */
export function rocFromCounts(c: ThresholdCounts, dropIntermediate = true): RocCurve | null {
  const n = c.tps.length;
  const positives = n > 0 ? c.tps[n - 1]! : 0;
  const negatives = n > 0 ? c.fps[n - 1]! : 0;
  if (positives === 0 || negatives === 0) return null;
  const out: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  for (let k = 0; k < n; k++) {
    // np.diff(x, 2) != 0 for either coordinate: a corner.
    const corner =
      !dropIntermediate ||
      n <= 2 ||
      k === 0 ||
      k === n - 1 ||
      c.fps[k + 1]! - 2 * c.fps[k]! + c.fps[k - 1]! !== 0 ||
      c.tps[k + 1]! - 2 * c.tps[k]! + c.tps[k - 1]! !== 0;
    if (!corner) continue;
    out.fpr.push(c.fps[k]! / negatives);
    out.tpr.push(c.tps[k]! / positives);
    out.thresholds.push(c.thresholds[k]!);
  }
  return out;
}

export interface PrecisionRecallCurve {
  /** In scikit-learn's order: recall decreasing, ending at (recall 0, precision 1). */
  precision: number[];
  recall: number[];
  /** Ascending; one fewer than the points (the last point has none). */
  thresholds: number[];
}

/**
 * scikit-learn's `precision_recall_curve`: one point per distinct score from the lowest threshold (recall 1) to the
 * highest, then (recall 0, precision 1). `dropIntermediate` drops, as scikit-learn ≥ 1.3 does when asked, the points
 * whose true-positive count equals both neighbours' (they lie on one vertical segment). Null without positives.
 */
export function precisionRecallCurve(
  scores: Float64Array,
  labels: Float64Array,
  dropIntermediate = false,
): PrecisionRecallCurve | null {
  return precisionRecallFromCounts(thresholdCounts(scores, labels), dropIntermediate);
}

/** {@link precisionRecallCurve} from counts already made. */
export function precisionRecallFromCounts(c: ThresholdCounts, dropIntermediate = false): PrecisionRecallCurve | null {
  const n = c.tps.length;
  const positives = n > 0 ? c.tps[n - 1]! : 0;
  if (positives === 0) return null;
  const out: PrecisionRecallCurve = { precision: [], recall: [], thresholds: [] };
  for (let k = n - 1; k >= 0; k--) {
    const keep =
      !dropIntermediate ||
      n <= 2 ||
      k === 0 ||
      k === n - 1 ||
      c.tps[k]! !== c.tps[k - 1]! ||
      c.tps[k + 1]! !== c.tps[k]!;
    if (!keep) continue;
    out.precision.push(c.tps[k]! / (c.tps[k]! + c.fps[k]!));
    out.recall.push(c.tps[k]! / positives);
    out.thresholds.push(c.thresholds[k]!);
  }
  out.precision.push(1);
  out.recall.push(0);
  return out;
}

/**
 * scikit-learn's `average_precision_score`: AP = Σₙ (Rₙ − Rₙ₋₁) · Pₙ over the thresholds, a step-wise area under
 * the precision–recall curve with no interpolation. NaN without positives.
 */
export function averagePrecision(scores: Float64Array, labels: Float64Array): number {
  return averagePrecisionFromCounts(thresholdCounts(scores, labels));
}

/** {@link averagePrecision} from counts already made. */
export function averagePrecisionFromCounts(c: ThresholdCounts): number {
  const n = c.tps.length;
  const positives = n > 0 ? c.tps[n - 1]! : 0;
  if (positives === 0) return Number.NaN;
  // Thresholds from the highest: recall rises by Δtp / P at each, at that threshold's precision.
  let ap = 0;
  let previous = 0;
  for (let k = 0; k < n; k++) {
    const recall = c.tps[k]! / positives;
    ap += (recall - previous) * (c.tps[k]! / (c.tps[k]! + c.fps[k]!));
    previous = recall;
  }
  return ap;
}

/**
 * Indices of at most `maxPoints` points of a curve, for drawing and for the report's JSON: always the first and the
 * last, and between them the points where the path length walked (|Δx| + |Δy|) crosses each of evenly spaced
 * marks, so steep and flat stretches keep detail alike. Every point kept is a point of the curve.
 */
export function downsampleCurve(xs: readonly number[], ys: readonly number[], maxPoints: number): number[] {
  const n = xs.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, k) => k);
  const length = [0];
  for (let k = 1; k < n; k++)
    length.push(length[k - 1]! + Math.abs(xs[k]! - xs[k - 1]!) + Math.abs(ys[k]! - ys[k - 1]!));
  const total = length[n - 1]!;
  const out = [0];
  let k = 1;
  for (let m = 1; m < maxPoints - 1; m++) {
    const mark = (total * m) / (maxPoints - 1);
    while (k < n - 1 && length[k]! < mark) k++;
    if (k >= n - 1) break;
    if (k > out[out.length - 1]!) out.push(k);
  }
  out.push(n - 1);
  return out;
}
