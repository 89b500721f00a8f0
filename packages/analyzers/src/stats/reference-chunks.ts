/**
 * Thresholds learnt from the reference (docs/configuration.md, "Thresholds from the reference"): a binary model's
 * realised accuracy, precision, recall, F1 and ROC AUC over consecutive chunks of the labelled reference, at a few
 * chunk sizes, kept in the profile as the mean and standard deviation of each metric's chunk values. A rule with
 * `threshold: reference` judges a window against mean ± k·σ of the chunks of (about) the window's size — NannyML's
 * standard-deviation threshold, which CBPE also sets from the realised performance of reference chunks.
 */
import { rocAuc } from './classification';

export type ChunkMetric = 'accuracy' | 'precision' | 'recall' | 'f1' | 'auc';

/** Mean and population standard deviation (numpy's default) of one metric over the chunks it is defined on. */
export interface ChunkMoments {
  mean: number;
  std: number;
}

/** The chunk statistics of one chunk size. */
export interface ChunkStatistics {
  rows: number;
  chunks: number;
  metrics: Record<ChunkMetric, ChunkMoments>;
}

/** Chunk sizes tried, in rows; a size is kept when the reference fills at least {@link MIN_CHUNKS} chunks of it. */
export const CHUNK_SIZES = [100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000] as const;
export const MIN_CHUNKS = 6;

const METRICS: readonly ChunkMetric[] = ['accuracy', 'precision', 'recall', 'f1', 'auc'];

/**
 * The chunk statistics of a labelled reference: rows with a score, a label and a predicted class, in file order, cut
 * into consecutive chunks of each size (the rows after the last whole chunk are left out). Precision, recall and F1
 * are 0 on a chunk whose denominator is 0 (scikit-learn's `zero_division=0`); a chunk with one class has no AUC and
 * is left out of the AUC's moments. Empty when the reference is too small for 6 chunks of 100 rows.
 */
export function fitReferenceChunks(
  scores: Float64Array,
  labels: Float64Array,
  predicted: Float64Array,
): ChunkStatistics[] {
  // The rows that count, gathered once in file order: a chunk is then a view of these arrays, not a copy per chunk
  // and chunk size (the same values in the same order, so the same counts and AUCs).
  const rowScores = new Float64Array(scores.length);
  const rowLabels = new Float64Array(scores.length);
  const rowPredicted = new Float64Array(scores.length);
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!) || Number.isNaN(labels[i]!) || Number.isNaN(predicted[i]!)) continue;
    rowScores[n] = scores[i]!;
    rowLabels[n] = labels[i]!;
    rowPredicted[n++] = predicted[i]!;
  }
  const out: ChunkStatistics[] = [];
  for (const size of CHUNK_SIZES) {
    const chunks = Math.floor(n / size);
    if (chunks < MIN_CHUNKS) break;
    const values: Record<ChunkMetric, number[]> = { accuracy: [], precision: [], recall: [], f1: [], auc: [] };
    for (let c = 0; c < chunks; c++) {
      const start = c * size;
      const end = start + size;
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let tn = 0;
      for (let i = start; i < end; i++) {
        const y = rowLabels[i] === 1;
        const p = rowPredicted[i] === 1;
        if (p && y) tp++;
        else if (p) fp++;
        else if (y) fn++;
        else tn++;
      }
      values.accuracy.push((tp + tn) / size);
      values.precision.push(tp + fp > 0 ? tp / (tp + fp) : 0);
      values.recall.push(tp + fn > 0 ? tp / (tp + fn) : 0);
      values.f1.push(2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0);
      values.auc.push(rocAuc(rowScores.subarray(start, end), rowLabels.subarray(start, end)));
    }
    out.push({
      rows: size,
      chunks,
      metrics: Object.fromEntries(METRICS.map((m) => [m, moments(values[m])])) as Record<ChunkMetric, ChunkMoments>,
    });
  }
  return out;
}

function moments(values: number[]): ChunkMoments {
  const defined = values.filter((v) => !Number.isNaN(v));
  if (defined.length === 0) return { mean: Number.NaN, std: Number.NaN };
  let sum = 0;
  for (const v of defined) sum += v;
  const mean = sum / defined.length;
  let ss = 0;
  for (const v of defined) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / defined.length) };
}

/** What a window's metric is judged against: the chunks' mean and σ, σ scaled from the chunk's rows to the window's. */
export interface ReferenceBand {
  mean: number;
  std: number;
  /** The chunk size the moments come from. */
  chunkRows: number;
}

/**
 * The reference band of `metric` for a window of `rows` rows: the moments of the largest chunk size not above
 * `rows` (the smallest size for a smaller window), with σ scaled by √(chunk rows / window rows) — the standard
 * error of a proportion shrinks as 1/√n — so a window between two sizes is judged at its own size. Null when the
 * profile has no chunk statistics, the window has no rows, or the metric was defined on no chunk.
 */
export function referenceBand(
  statistics: readonly ChunkStatistics[] | undefined,
  metric: ChunkMetric,
  rows: number,
): ReferenceBand | null {
  if (!statistics || statistics.length === 0 || !(rows > 0)) return null;
  let chosen = statistics[0]!;
  for (const s of statistics) if (s.rows <= rows) chosen = s;
  const m = chosen.metrics[metric];
  if (!Number.isFinite(m.mean) || !Number.isFinite(m.std)) return null;
  return { mean: m.mean, std: m.std * Math.sqrt(chosen.rows / rows), chunkRows: chosen.rows };
}
