/**
 * The reconstruction error of streaming windows (docs/metrics.md, "Reconstruction error"): each event's error is
 * computed at ingest and added into its bucket as a count, a sum, a sum of squares and counts over the fixed
 * histogram of the reference's errors. These add, so buckets merge exactly, and a window's mean error and its band
 * need no raw rows.
 */
import type { Table } from '@vigil/core';
import {
  binOf,
  meanAndStd,
  rebuildsExactly,
  reconstructionErrorsOfRows,
  samplingBand,
  type DataReconstruction,
  type ReconstructionBand,
} from './data-reconstruction';

export interface ReconstructionAccumulator {
  rows: number;
  sum: number;
  sumSquares: number;
  /** Counts over the reference error histogram (`DataReconstruction.reference.edges`). */
  counts: number[];
}

export function emptyReconstruction(model: DataReconstruction): ReconstructionAccumulator {
  return { rows: 0, sum: 0, sumSquares: 0, counts: model.reference.counts.map(() => 0) };
}

/**
 * Projects rows `start … end − 1` of `table` (float64, a WebAssembly kernel call per 1,024 rows, docs/decisions/0048)
 * and adds their errors to `acc`.
 */
export function addReconstruction(
  acc: ReconstructionAccumulator,
  model: DataReconstruction,
  table: Table,
  start = 0,
  end = table.rowCount,
): ReconstructionAccumulator {
  const errors = reconstructionErrorsOfRows(model, table, start, end);
  const edges = model.reference.edges;
  for (const e of errors) {
    if (e !== e) continue;
    acc.rows++;
    acc.sum += e;
    acc.sumSquares += e * e;
    acc.counts[binOf(edges, e)]!++;
  }
  return acc;
}

/** The sum of two accumulators (either may be absent: buckets stored before the profile had a reconstruction). */
export function mergeReconstruction(
  a: ReconstructionAccumulator | undefined,
  b: ReconstructionAccumulator | undefined,
): ReconstructionAccumulator | undefined {
  if (!a) return b && { ...b, counts: [...b.counts] };
  if (!b) return { ...a, counts: [...a.counts] };
  const counts = a.counts.length >= b.counts.length ? [...a.counts] : [...b.counts];
  const other = a.counts.length >= b.counts.length ? b.counts : a.counts;
  other.forEach((k, i) => (counts[i] = (counts[i] as number) + k));
  return { rows: a.rows + b.rows, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares, counts };
}

/** {@link mergeReconstruction} into `a`, the caller's own accumulator (a window being summed), which it returns. */
export function addReconstructionInto(
  a: ReconstructionAccumulator | undefined,
  b: ReconstructionAccumulator | undefined,
): ReconstructionAccumulator | undefined {
  if (!a || !b || a.counts.length < b.counts.length) return mergeReconstruction(a, b);
  a.rows += b.rows;
  a.sum += b.sum;
  a.sumSquares += b.sumSquares;
  b.counts.forEach((k, i) => (a.counts[i] = (a.counts[i] as number) + k));
  return a;
}

/** A window's reconstruction error, its sampling error and the band of a reference chunk of its size. */
export interface ReconstructionWindow {
  value: number;
  samplingError: number;
  rows: number;
  band: ReconstructionBand;
  drifted: boolean;
}

export function reconstructionWindow(
  model: DataReconstruction | undefined,
  acc: ReconstructionAccumulator | undefined,
): ReconstructionWindow | undefined {
  // A profile whose fit kept every axis (stored before the fit refused one) judges nothing: its errors are noise.
  if (!model || !acc || acc.rows === 0 || rebuildsExactly(model)) return undefined;
  const { mean, std } = meanAndStd(acc);
  const band = samplingBand(model.reference, acc.rows);
  return {
    value: mean,
    samplingError: acc.rows > 1 ? std / Math.sqrt(acc.rows) : Number.NaN,
    rows: acc.rows,
    band,
    drifted: mean < band.lower || mean > band.upper,
  };
}
