/**
 * The additive state of confidence-based performance estimation in a streaming window (docs/metrics.md, "Estimated
 * performance in the windows"): each row's calibrated probability p (the reference's calibrator applied to its raw
 * score) is summed into the expected confusion counts by predicted class, and into the reference's percentile
 * score bins for the estimated AUC. Sums add, so a window's estimate is the estimate of the union of its buckets,
 * and the state survives restarts with the buckets; its size is fixed by the profile, not by the traffic.
 */
import { binIndex } from '../profile/binning';
import type { ReferenceProfile } from '../profile/reference-profile';
import {
  calibrateScore,
  CBPE_BAND_WIDTH,
  type CbpeReference,
  type EstimatedMetric,
  type PerformanceEstimate,
} from '../stats/cbpe';

export interface EstimateAccumulator {
  /** Rows with a score and a predicted class: what the estimates are of. */
  rows: number;
  /** Expected confusion counts: Σ p over predicted positives (tp), Σ 1 − p over them (fp), and so on. */
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** Per fine score bin of the profile (`score.fineEdges`): rows, and Σ p of those rows (expected positives). */
  rowsFine: number[];
  probabilityFine: number[];
}

/** The estimated metrics of one window: each with its sampling error and band, as `vigil report` gives them. */
export interface WindowEstimates {
  estimatedAccuracy: PerformanceEstimate;
  estimatedPrecision: PerformanceEstimate;
  estimatedRecall: PerformanceEstimate;
  estimatedF1: PerformanceEstimate;
  estimatedAuc: PerformanceEstimate;
  rows: number;
}

/** An empty state when the profile can estimate (CBPE fitted and a score profile to bin by), else undefined. */
export function emptyEstimate(profile: ReferenceProfile): EstimateAccumulator | undefined {
  if (!profile.cbpe || !profile.score) return undefined;
  const bins = profile.score.fineCounts.length;
  return {
    rows: 0,
    tp: 0,
    fp: 0,
    fn: 0,
    tn: 0,
    rowsFine: new Array<number>(bins).fill(0),
    probabilityFine: new Array<number>(bins).fill(0),
  };
}

/** Adds the rows with both a score and a predicted class (1 or 0; NaN is unknown). Mutates `acc`. */
export function addEstimateRows(
  acc: EstimateAccumulator,
  profile: ReferenceProfile,
  scores: Float64Array,
  predicted: Float64Array,
): void {
  const cbpe = profile.cbpe;
  const fineEdges = profile.score?.fineEdges;
  if (!cbpe || !fineEdges) return;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    const c = predicted[i] as number;
    if (s !== s || c !== c) continue;
    const p = calibrateScore(cbpe.calibrator, s);
    acc.rows++;
    if (c === 1) {
      acc.tp += p;
      acc.fp += 1 - p;
    } else {
      acc.fn += p;
      acc.tn += 1 - p;
    }
    const bin = binIndex(fineEdges, s);
    acc.rowsFine[bin]!++;
    acc.probabilityFine[bin]! += p;
  }
}

/** The sum of two states of one profile (neither is modified); a bucket stored before estimation counts as empty. */
export function mergeEstimates(
  a: EstimateAccumulator | undefined,
  b: EstimateAccumulator | undefined,
): EstimateAccumulator | undefined {
  if (!a) return b && copy(b);
  if (!b) return copy(a);
  return {
    rows: a.rows + b.rows,
    tp: a.tp + b.tp,
    fp: a.fp + b.fp,
    fn: a.fn + b.fn,
    tn: a.tn + b.tn,
    rowsFine: a.rowsFine.map((v, i) => v + (b.rowsFine[i] ?? 0)),
    probabilityFine: a.probabilityFine.map((v, i) => v + (b.probabilityFine[i] ?? 0)),
  };
}

/** {@link mergeEstimates} into `a`, the caller's own state (a window being summed), which it returns. */
export function addEstimatesInto(a: EstimateAccumulator | undefined, b: EstimateAccumulator | undefined) {
  if (!a || !b || a.rowsFine.length !== b.rowsFine.length) return mergeEstimates(a, b);
  a.rows += b.rows;
  a.tp += b.tp;
  a.fp += b.fp;
  a.fn += b.fn;
  a.tn += b.tn;
  for (let i = 0; i < a.rowsFine.length; i++) {
    a.rowsFine[i] = (a.rowsFine[i] as number) + (b.rowsFine[i] as number);
    a.probabilityFine[i] = (a.probabilityFine[i] as number) + (b.probabilityFine[i] ?? 0);
  }
  return a;
}

function copy(a: EstimateAccumulator): EstimateAccumulator {
  return { ...a, rowsFine: a.rowsFine.slice(), probabilityFine: a.probabilityFine.slice() };
}

/**
 * The estimated ROC AUC over score bins: bins in descending score, each bin's rows stepping together as tied
 * scores do (its expected positives Σ p and negatives Σ (1 − p) at once), trapezoids under the expected ROC
 * curve. Equal to {@link estimatedAuc} of the rows when no bin holds two distinct scores; otherwise a bin's pairs
 * count as ties, as {@link binnedAuc} does with labels. NaN when no expected positive or negative.
 */
export function binnedEstimatedAuc(rowsFine: readonly number[], probabilityFine: readonly number[]): number {
  let totalP = 0;
  let rows = 0;
  for (let b = 0; b < rowsFine.length; b++) {
    totalP += probabilityFine[b] as number;
    rows += rowsFine[b] as number;
  }
  const totalN = rows - totalP;
  if (!(totalP > 0) || !(totalN > 0)) return Number.NaN;
  let tps = 0;
  let area = 0;
  for (let b = rowsFine.length - 1; b >= 0; b--) {
    const n = rowsFine[b] as number;
    if (n === 0) continue;
    const q = probabilityFine[b] as number;
    const tps0 = tps;
    tps += q;
    area += ((n - q) / totalN) * ((tps + tps0) / 2 / totalP);
  }
  return area;
}

/**
 * A window's estimated accuracy, precision, recall, F1 and AUC from its state, with the sampling errors of a
 * reference sample of the window's rows (std / √(n · fraction), as {@link estimateCbpe} gives a report). Null when
 * no row was counted.
 */
export function windowEstimates(cbpe: CbpeReference, acc: EstimateAccumulator): WindowEstimates | null {
  const n = acc.rows;
  if (n === 0) return null;
  const { tp, fp, fn, tn } = acc;
  // NannyML reports 0 for precision, recall and F1 whose expected denominator is 0.
  const ratio = (num: number, den: number): number => (den !== 0 ? num / den : 0);
  const estimate = (m: EstimatedMetric, value: number): PerformanceEstimate => {
    const c = cbpe.components[m];
    const samplingError = c.std / Math.sqrt(n * c.fraction);
    const clip = (v: number): number => Math.min(1, Math.max(0, v));
    return {
      value,
      samplingError,
      band: [clip(value - CBPE_BAND_WIDTH * samplingError), clip(value + CBPE_BAND_WIDTH * samplingError)],
    };
  };
  return {
    estimatedAccuracy: estimate('accuracy', (tp + tn) / n),
    estimatedPrecision: estimate('precision', ratio(tp, tp + fp)),
    estimatedRecall: estimate('recall', ratio(tp, tp + fn)),
    estimatedF1: estimate('f1', ratio(tp, tp + 0.5 * (fp + fn))),
    estimatedAuc: estimate('auc', binnedEstimatedAuc(acc.rowsFine, acc.probabilityFine)),
    rows: n,
  };
}
