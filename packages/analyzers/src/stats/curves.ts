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
  let i = positives.length - 1;
  let j = negatives.length - 1;
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
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
    fps.push(fp);
    tps.push(tp);
    thresholds.push(value);
  }
  return { fps: Float64Array.from(fps), tps: Float64Array.from(tps), thresholds: Float64Array.from(thresholds) };
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
  const c = thresholdCounts(scores, labels);
  const n = c.tps.length;
  const positives = n > 0 ? c.tps[n - 1]! : 0;
  const negatives = n > 0 ? c.fps[n - 1]! : 0;
  if (positives === 0 || negatives === 0) return null;
  let keep = Array.from({ length: n }, (_, k) => k);
  if (dropIntermediate && n > 2) {
    // np.diff(x, 2) != 0 for either coordinate: a corner.
    keep = keep.filter((k) => k === 0 || k === n - 1 || c.fps[k + 1]! - 2 * c.fps[k]! + c.fps[k - 1]! !== 0 || c.tps[k + 1]! - 2 * c.tps[k]! + c.tps[k - 1]! !== 0);
  }
  return {
    fpr: [0, ...keep.map((k) => c.fps[k]! / negatives)],
    tpr: [0, ...keep.map((k) => c.tps[k]! / positives)],
    thresholds: [Infinity, ...keep.map((k) => c.thresholds[k]!)],
  };
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
export function precisionRecallCurve(scores: Float64Array, labels: Float64Array, dropIntermediate = false): PrecisionRecallCurve | null {
  const c = thresholdCounts(scores, labels);
  const n = c.tps.length;
  const positives = n > 0 ? c.tps[n - 1]! : 0;
  if (positives === 0) return null;
  let keep = Array.from({ length: n }, (_, k) => k);
  if (dropIntermediate && n > 2) {
    keep = keep.filter((k) => k === 0 || k === n - 1 || c.tps[k]! !== c.tps[k - 1]! || c.tps[k + 1]! !== c.tps[k]!);
  }
  keep.reverse();
  return {
    precision: [...keep.map((k) => c.tps[k]! / (c.tps[k]! + c.fps[k]!)), 1],
    recall: [...keep.map((k) => c.tps[k]! / positives), 0],
    thresholds: keep.map((k) => c.thresholds[k]!),
  };
}

/**
 * scikit-learn's `average_precision_score`: AP = Σₙ (Rₙ − Rₙ₋₁) · Pₙ over the thresholds, a step-wise area under
 * the precision–recall curve with no interpolation. NaN without positives.
 */
export function averagePrecision(scores: Float64Array, labels: Float64Array): number {
  const curve = precisionRecallCurve(scores, labels);
  if (!curve) return Number.NaN;
  let ap = 0;
  for (let k = 0; k + 1 < curve.recall.length; k++) ap += (curve.recall[k]! - curve.recall[k + 1]!) * curve.precision[k]!;
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
  for (let k = 1; k < n; k++) length.push(length[k - 1]! + Math.abs(xs[k]! - xs[k - 1]!) + Math.abs(ys[k]! - ys[k - 1]!));
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
