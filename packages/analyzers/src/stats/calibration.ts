/**
 * Calibration of predicted probabilities: expected and maximum calibration error over equal-width or equal-mass
 * bins, and the Brier score. Rows are used when both label and score are present (not NaN); a row is positive iff
 * its label is 1 (conventions of classification.ts).
 */
import { assertSameLength, sortedScoresByClass, type ScoresByClass } from './classification';

/**
 * Sufficient statistics of one calibration bin. Additive: the stats of a union of rows are the field-wise sums, so a
 * streaming engine keeps them per time bucket and adds buckets up.
 */
export interface CalibrationBinStats {
  /** Labelled rows in the bin. */
  count: number;
  /** Σ score over those rows. */
  sumScore: number;
  /** Σ label over those rows, i.e. the number of positives. */
  sumLabel: number;
}

/** The number of equal-width calibration bins of the reports and of streaming windows. */
export const CALIBRATION_BINS = 10;

/**
 * Index of the equal-width bin of `score`: bin b is [b/nBins, (b+1)/nBins) with the edges taken as the float64
 * values of those quotients, so a score logged as 0.3 lands in [0.3, 0.4) for 10 bins (a bare ⌊score · nBins⌋ would
 * misplace some decimal edges: 0.29 · 100 rounds to 28.999…). The last bin is closed (a score of 1 is in it) and
 * scores outside [0, 1] fall into the outer bins.
 */
export function calibrationBinIndex(score: number, nBins: number = CALIBRATION_BINS): number {
  let b = Math.floor(score * nBins);
  if (!(b > 0)) return 0;
  if (b >= nBins) return nBins - 1;
  // s · nBins is rounded, so the floor can be off by one next to an edge; the edges themselves decide.
  if (score < b / nBins) b--;
  else if (b + 1 < nBins && score >= (b + 1) / nBins) b++;
  return b;
}

function assertBinCount(nBins: number): void {
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`nBins must be a positive integer, got ${nBins}`);
}

/**
 * Equal-width calibration bins over [0, 1] (see {@link calibrationBinIndex} for the edges): one pass, no per-row
 * allocation.
 *
 * @param nBins - number of bins; @defaultValue {@link CALIBRATION_BINS}
 */
export function equalWidthCalibrationBins(
  scores: Float64Array,
  labels: Float64Array,
  nBins = CALIBRATION_BINS,
): CalibrationBinStats[] {
  assertSameLength(scores, labels, 'equalWidthCalibrationBins');
  assertBinCount(nBins);
  const count = new Float64Array(nBins);
  const sumScore = new Float64Array(nBins);
  const sumLabel = new Float64Array(nBins);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const score = scores[i]!;
    if (Number.isNaN(label) || Number.isNaN(score)) continue;
    const b = calibrationBinIndex(score, nBins);
    count[b]!++;
    sumScore[b]! += score;
    if (label === 1) sumLabel[b]!++;
  }
  const bins: CalibrationBinStats[] = [];
  for (let b = 0; b < nBins; b++) bins.push({ count: count[b]!, sumScore: sumScore[b]!, sumLabel: sumLabel[b]! });
  return bins;
}

/** Adds `other`'s bins into `target`'s, bin by bin (in place): calibration bins are additive. */
export function addCalibrationBins(
  target: CalibrationBinStats[],
  other: readonly CalibrationBinStats[],
): CalibrationBinStats[] {
  if (target.length !== other.length)
    throw new RangeError(`cannot add ${other.length} calibration bins to ${target.length}`);
  for (let b = 0; b < target.length; b++) {
    const into = target[b]!;
    const from = other[b]!;
    into.count += from.count;
    into.sumScore += from.sumScore;
    into.sumLabel += from.sumLabel;
  }
  return target;
}

/**
 * ECE = Σ_b (n_b / N) · |positiveRate_b − meanScore_b| over the bins, with positiveRate_b = sumLabel_b / n_b,
 * meanScore_b = sumScore_b / n_b and N = Σ_b n_b; MCE = max_b |positiveRate_b − meanScore_b| over the non-empty bins.
 * With no rows both are 0 (and n is 0, which is how a caller tells "perfect" from "unknown").
 */
export function calibrationFromBins(bins: readonly CalibrationBinStats[]): { ece: number; mce: number; n: number } {
  let n = 0;
  for (const bin of bins) n += bin.count;
  let ece = 0;
  let mce = 0;
  if (n === 0) return { ece, mce, n };
  for (const bin of bins) {
    if (bin.count === 0) continue;
    const gap = Math.abs(bin.sumLabel / bin.count - bin.sumScore / bin.count);
    ece += (bin.count / n) * gap;
    if (gap > mce) mce = gap;
  }
  return { ece, mce, n };
}

/**
 * ECE over equal-mass bins: the labelled rows, stably sorted by score (ties keep row order), are cut into nBins
 * contiguous chunks as `numpy.array_split` cuts them (the first N mod nBins chunks hold one row more; chunks are
 * empty when N < nBins), then the ECE formula of {@link calibrationFromBins} applies to the chunks. 0 with no rows.
 *
 * Cost: the class-wise sort of {@link sortedScoresByClass}, one linear merge, and — only when a run of tied scores
 * holding both classes straddles a chunk boundary — one more pass over the input to see which tied rows come first.
 *
 * @param nBins - number of chunks; @defaultValue {@link CALIBRATION_BINS}
 * @param byClass - `sortedScoresByClass(scores, labels)` when the caller already has it; computed here otherwise
 */
export function eceEqualMass(
  scores: Float64Array,
  labels: Float64Array,
  nBins = CALIBRATION_BINS,
  byClass?: ScoresByClass,
): number {
  assertBinCount(nBins);
  const { positives, negatives } = byClass ?? sortedScoresByClass(scores, labels);
  const nPositive = positives.length;
  const nNegative = negatives.length;
  const n = nPositive + nNegative;
  if (n === 0) return 0;

  const base = Math.floor(n / nBins);
  const extra = n % nBins;
  const chunkSize = (c: number): number => base + (c < extra ? 1 : 0);
  const bins: CalibrationBinStats[] = [];
  for (let c = 0; c < nBins; c++) bins.push({ count: chunkSize(c), sumScore: 0, sumLabel: 0 });
  // positivesBefore[c]: positives among the rows before the end of chunk c, in the stable order.
  const positivesBefore = new Float64Array(nBins);
  const pending: { chunk: number; value: number; offset: number }[] = [];

  let chunk = 0;
  let chunkEnd = chunkSize(0);
  let start = 0;
  let positivesSoFar = 0;
  let i = 0;
  let j = 0;
  while (i < nPositive || j < nNegative) {
    // One run of equal scores at a time; its order within the run matters only for the labels, not the scores.
    const value = j >= nNegative || (i < nPositive && positives[i]! <= negatives[j]!) ? positives[i]! : negatives[j]!;
    let tiedPositives = 0;
    while (i < nPositive && positives[i] === value) {
      tiedPositives++;
      i++;
    }
    let tiedNegatives = 0;
    while (j < nNegative && negatives[j] === value) {
      tiedNegatives++;
      j++;
    }
    const end = start + tiedPositives + tiedNegatives;
    let position = start;
    while (position < end) {
      const upTo = Math.min(end, chunkEnd);
      bins[chunk]!.sumScore += value * (upTo - position);
      position = upTo;
      if (position === chunkEnd && chunk < nBins - 1) {
        const offset = position - start;
        if (offset === end - start) positivesBefore[chunk] = positivesSoFar + tiedPositives;
        else if (tiedNegatives === 0) positivesBefore[chunk] = positivesSoFar + offset;
        else if (tiedPositives === 0) positivesBefore[chunk] = positivesSoFar;
        else {
          positivesBefore[chunk] = positivesSoFar;
          pending.push({ chunk, value, offset });
        }
        chunk++;
        chunkEnd += chunkSize(chunk);
      }
    }
    positivesSoFar += tiedPositives;
    start = end;
  }
  // The chunk the merge ended in, and any empty chunks after it, end at the last row.
  for (let c = chunk; c < nBins; c++) positivesBefore[c] = nPositive;
  if (pending.length > 0) resolveTiedBoundaries(scores, labels, pending, positivesBefore);

  let previous = 0;
  for (let c = 0; c < nBins; c++) {
    bins[c]!.sumLabel = positivesBefore[c]! - previous;
    previous = positivesBefore[c]!;
  }
  return calibrationFromBins(bins).ece;
}

/**
 * For each chunk boundary that cuts a run of tied scores `value` after `offset` of its rows, adds the positives among
 * the first `offset` rows of that run in input order (the stable sort keeps input order among ties).
 */
function resolveTiedBoundaries(
  scores: Float64Array,
  labels: Float64Array,
  pending: readonly { chunk: number; value: number; offset: number }[],
  positivesBefore: Float64Array,
): void {
  const seen = new Float64Array(pending.length);
  const positivesSeen = new Float64Array(pending.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const score = scores[i]!;
    if (Number.isNaN(label) || Number.isNaN(score)) continue;
    for (let k = 0; k < pending.length; k++) {
      const query = pending[k]!;
      if (score !== query.value || seen[k] === query.offset) continue;
      seen[k]!++;
      if (label === 1) positivesSeen[k]!++;
    }
  }
  for (let k = 0; k < pending.length; k++) positivesBefore[pending[k]!.chunk]! += positivesSeen[k]!;
}

/**
 * Brier score, scikit-learn's `brier_score_loss`: mean over labelled rows of (score − label)². Scores are not
 * clipped (scikit-learn refuses scores outside [0, 1]; a monitor reports them). NaN when no row is labelled.
 */
export function brierScore(scores: Float64Array, labels: Float64Array): number {
  assertSameLength(scores, labels, 'brierScore');
  let sum = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const score = scores[i]!;
    if (Number.isNaN(label) || Number.isNaN(score)) continue;
    const d = score - (label === 1 ? 1 : 0);
    sum += d * d;
    n++;
  }
  return n === 0 ? Number.NaN : sum / n;
}
