/**
 * Binary classification metrics, each equal to its scikit-learn counterpart (see the TSDoc of each function).
 *
 * Conventions shared by every function here and in calibration.ts: a label is 0 or 1 and a row counts as positive
 * iff its label is exactly 1 (scikit-learn's `y_true == pos_label`); a NaN label means "not labelled yet" and the row
 * is skipped, as is a row whose score or prediction is NaN, since it cannot be scored.
 */
import { VigilError } from '@vigil/core';
import { sortFinite } from '../sort/sort-finite';

export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Float64 machine epsilon, the clipping bound of scikit-learn ≥ 1.5 `log_loss`. */
const LOG_LOSS_EPS = 2 ** -52;

export function assertSameLength(a: Float64Array, b: Float64Array, what: string): void {
  if (a.length !== b.length) {
    throw new VigilError('VIGIL_INTERNAL', `${what}: arrays of different lengths (${a.length} and ${b.length})`);
  }
}

/**
 * Confusion counts of the rows that have both a prediction and a label. A prediction of exactly 1 is positive, any
 * other number negative.
 */
export function confusionCounts(predictions: Float64Array, labels: Float64Array): ConfusionCounts {
  assertSameLength(predictions, labels, 'confusionCounts');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const prediction = predictions[i]!;
    if (Number.isNaN(label) || Number.isNaN(prediction)) continue;
    if (prediction === 1) {
      if (label === 1) tp++;
      else fp++;
    } else if (label === 1) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/**
 * accuracy = (tp + tn) / (tp + fp + tn + fn); precision = tp / (tp + fp); recall = tp / (tp + fn) — scikit-learn's
 * `accuracy_score`, `precision_score(zero_division=0)`, `recall_score(zero_division=0)`. A zero denominator gives 0
 * for precision and recall, and NaN for accuracy (there is nothing to be accurate about; scikit-learn also returns
 * NaN for empty input).
 */
export function classificationRates(c: ConfusionCounts): { accuracy: number; precision: number; recall: number } {
  const total = c.tp + c.fp + c.tn + c.fn;
  return {
    accuracy: total === 0 ? Number.NaN : (c.tp + c.tn) / total,
    precision: c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp),
    recall: c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn),
  };
}

/**
 * The scores of the labelled rows (label and score not NaN), split by class and each sorted ascending. Sorting two
 * typed arrays is several times faster than an index sort with a comparator and is all that AUC and equal-mass
 * ECE need; the cost is a radix sort and 8 bytes per labelled row.
 */
export interface ScoresByClass {
  positives: Float64Array;
  negatives: Float64Array;
}

export function sortedScoresByClass(scores: Float64Array, labels: Float64Array): ScoresByClass {
  assertSameLength(scores, labels, 'sortedScoresByClass');
  let nPositive = 0;
  let nNegative = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (Number.isNaN(label) || Number.isNaN(scores[i]!)) continue;
    if (label === 1) nPositive++;
    else nNegative++;
  }
  const positives = new Float64Array(nPositive);
  const negatives = new Float64Array(nNegative);
  let p = 0;
  let q = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const score = scores[i]!;
    if (Number.isNaN(label) || Number.isNaN(score)) continue;
    if (label === 1) positives[p++] = score;
    else negatives[q++] = score;
  }
  // The radix sort of sort-finite.ts: ~3× faster than Float64Array#sort on a million scores, same order.
  return { positives: sortFinite(positives), negatives: sortFinite(negatives) };
}

/**
 * Area under the ROC curve, scikit-learn's `roc_auc_score`: the Mann–Whitney probability
 * AUC = (Σ over positive rows of [#negatives with a lower score + ½ · #negatives with an equal score]) / (P · N),
 * which is what the trapezoidal ROC area gives with tied scores (midranks). NaN when either class is absent
 * (scikit-learn raises).
 *
 * The count is kept doubled so that it stays an integer, exact in float64 up to ~10⁸ rows; only the final division
 * rounds. Cost: the sort of {@link sortedScoresByClass}, then one linear merge.
 *
 * @param byClass - `sortedScoresByClass(scores, labels)` when the caller already has it (a report needs it for the
 *   equal-mass ECE too); computed here otherwise
 */
export function rocAuc(
  scores: Float64Array,
  labels: Float64Array,
  byClass: ScoresByClass = sortedScoresByClass(scores, labels),
): number {
  const { positives, negatives } = byClass;
  const nPositive = positives.length;
  const nNegative = negatives.length;
  if (nPositive === 0 || nNegative === 0) return Number.NaN;
  let doubledWins = 0;
  let j = 0;
  let i = 0;
  while (i < nPositive) {
    const value = positives[i]!;
    let tiedPositives = 0;
    while (i < nPositive && positives[i] === value) {
      tiedPositives++;
      i++;
    }
    while (j < nNegative && negatives[j]! < value) j++;
    let tiedNegatives = 0;
    while (j + tiedNegatives < nNegative && negatives[j + tiedNegatives] === value) tiedNegatives++;
    doubledWins += tiedPositives * (2 * j + tiedNegatives);
  }
  return doubledWins / (2 * nPositive * nNegative);
}

/**
 * Mean negative log-likelihood, scikit-learn ≥ 1.5 `log_loss(labels, scores, labels=[0, 1])`:
 * mean over labelled rows of −ln(clip(s)) for a positive row and −ln(clip(1 − s)) for a negative one, where
 * clip(x) = min(max(x, ε), 1 − ε) with ε the float64 machine epsilon 2⁻⁵². Scores of exactly 0 or 1 therefore
 * cost −ln ε ≈ 36.04 when wrong instead of infinity. NaN when no row is labelled.
 */
export function logLoss(scores: Float64Array, labels: Float64Array): number {
  assertSameLength(scores, labels, 'logLoss');
  let sum = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const score = scores[i]!;
    if (Number.isNaN(label) || Number.isNaN(score)) continue;
    sum += clippedLogLossTerm(score, label);
    n++;
  }
  return n === 0 ? Number.NaN : sum / n;
}

/**
 * One row's term of {@link logLoss}: −ln(clip(s)) for label 1, −ln(clip(1 − s)) otherwise. Additive, for streaming
 * engines that keep Σ terms and the row count per bucket.
 */
export function clippedLogLossTerm(score: number, label: number): number {
  // 1 − s is rounded before clipping, exactly as scikit-learn builds its two-column [1 − s, s] matrix.
  const p = label === 1 ? score : 1 - score;
  return -Math.log(p < LOG_LOSS_EPS ? LOG_LOSS_EPS : p > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : p);
}
