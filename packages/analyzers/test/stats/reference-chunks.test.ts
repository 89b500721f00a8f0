import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  fitReferenceChunks,
  referenceBand,
  type ChunkMetric,
  type ChunkMoments,
  type ChunkStatistics,
} from '../../src/stats/reference-chunks';
import { rocAuc } from '../../src/stats/classification';

/** test/golden/reference-chunks.json, written by scripts/golden/reference_chunks_vectors.py (scikit-learn, numpy). */
interface ChunksGolden {
  name: string;
  scores: number[];
  labels: number[];
  predicted: number[];
  expected: ChunkStatistics[];
}
const golden = (
  JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'reference-chunks.json'), 'utf8')) as {
    cases: ChunksGolden[];
  }
).cases;
const METRICS: ChunkMetric[] = ['accuracy', 'precision', 'recall', 'f1', 'auc'];
const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

describe('reference chunk statistics', () => {
  it.each(golden.map((c) => [c.name, c]))(
    '%s: per chunk size, each metric’s mean and σ equal scikit-learn’s over the chunks',
    (_name, c) => {
      const got = fitReferenceChunks(f64(c.scores), f64(c.labels), f64(c.predicted));
      expect(got.map((s) => [s.rows, s.chunks])).toEqual(c.expected.map((s) => [s.rows, s.chunks]));
      got.forEach((s, i) => {
        for (const m of METRICS) {
          expect(s.metrics[m].mean).toBeCloseTo(c.expected[i]!.metrics[m].mean, 12);
          expect(s.metrics[m].std).toBeCloseTo(c.expected[i]!.metrics[m].std, 12);
        }
      });
    },
  );

  it('leaves out rows without a score, label or class, and has no sizes for a reference under six chunks of 100', () => {
    const c = golden[0]!;
    const scores = f64(c.scores);
    scores[0] = Number.NaN;
    expect(fitReferenceChunks(scores, f64(c.labels), f64(c.predicted))[0]!.chunks).toBe(
      Math.floor((c.scores.length - 1) / 100),
    );
    expect(
      fitReferenceChunks(f64(c.scores.slice(0, 599)), f64(c.labels.slice(0, 599)), f64(c.predicted.slice(0, 599))),
    ).toEqual([]);
  });

  it('a window takes the largest chunk size not above its rows, σ scaled to its rows', () => {
    const stats = fitReferenceChunks(f64(golden[0]!.scores), f64(golden[0]!.labels), f64(golden[0]!.predicted));
    const at = (rows: number) => referenceBand(stats, 'accuracy', rows)!;
    expect(at(250)).toEqual({
      mean: stats[1]!.metrics.accuracy.mean,
      std: stats[1]!.metrics.accuracy.std,
      chunkRows: 250,
    });
    expect(at(400).chunkRows).toBe(250);
    expect(at(400).std).toBeCloseTo(stats[1]!.metrics.accuracy.std * Math.sqrt(250 / 400), 12);
    expect(at(50).chunkRows).toBe(100);
    expect(at(1_000_000).chunkRows).toBe(1000);
    expect(referenceBand(stats, 'accuracy', 0)).toBeNull();
    expect(referenceBand(undefined, 'accuracy', 500)).toBeNull();
  });

  it('property: the band narrows as the window grows, and its mean does not move within one chunk size', () => {
    const stats = fitReferenceChunks(f64(golden[0]!.scores), f64(golden[0]!.labels), f64(golden[0]!.predicted));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom(...METRICS),
        (a, b, m) => {
          const [small, large] = a <= b ? [a, b] : [b, a];
          const x = referenceBand(stats, m, small)!;
          const y = referenceBand(stats, m, large)!;
          if (x.chunkRows === y.chunkRows) {
            expect(y.mean).toBe(x.mean);
            expect(y.std).toBeLessThanOrEqual(x.std);
          }
          expect(y.chunkRows).toBeGreaterThanOrEqual(x.chunkRows);
        },
      ),
    );
  });
});

/** fitReferenceChunks as it was before its rows were gathered once (2026-12-06): the reference for the test below. */
function oldFitReferenceChunks(scores: Float64Array, labels: Float64Array, predicted: Float64Array): ChunkStatistics[] {
  const sizes = [100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000];
  const metrics: ChunkMetric[] = ['accuracy', 'precision', 'recall', 'f1', 'auc'];
  const momentsOf = (values: number[]): { mean: number; std: number } => {
    const defined = values.filter((v) => !Number.isNaN(v));
    if (defined.length === 0) return { mean: Number.NaN, std: Number.NaN };
    let sum = 0;
    for (const v of defined) sum += v;
    const mean = sum / defined.length;
    let ss = 0;
    for (const v of defined) ss += (v - mean) ** 2;
    return { mean, std: Math.sqrt(ss / defined.length) };
  };
  const rows: number[] = [];
  for (let i = 0; i < scores.length; i++)
    if (!Number.isNaN(scores[i]!) && !Number.isNaN(labels[i]!) && !Number.isNaN(predicted[i]!)) rows.push(i);
  const out: ChunkStatistics[] = [];
  for (const size of sizes) {
    const chunks = Math.floor(rows.length / size);
    if (chunks < 6) break;
    const values: Record<ChunkMetric, number[]> = { accuracy: [], precision: [], recall: [], f1: [], auc: [] };
    for (let c = 0; c < chunks; c++) {
      const at = rows.slice(c * size, (c + 1) * size);
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let tn = 0;
      for (const i of at) {
        const y = labels[i] === 1;
        const p = predicted[i] === 1;
        if (p && y) tp++;
        else if (p) fp++;
        else if (y) fn++;
        else tn++;
      }
      values.accuracy.push((tp + tn) / size);
      values.precision.push(tp + fp > 0 ? tp / (tp + fp) : 0);
      values.recall.push(tp + fn > 0 ? tp / (tp + fn) : 0);
      values.f1.push(2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0);
      values.auc.push(
        rocAuc(
          Float64Array.from(at, (i) => scores[i]!),
          Float64Array.from(at, (i) => labels[i]!),
        ),
      );
    }
    out.push({
      rows: size,
      chunks,
      metrics: Object.fromEntries(metrics.map((m) => [m, momentsOf(values[m])])) as Record<ChunkMetric, ChunkMoments>,
    });
  }
  return out;
}

describe('fitReferenceChunks against the code it replaced', () => {
  it('gives the same statistics, to the bit, with missing scores, labels and classes among the rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (n, seed, missing) => {
          let state = seed || 1;
          const next = (): number => {
            state = (Math.imul(state, 48271) >>> 0) % 2147483647;
            return state / 2147483647;
          };
          const maybe = (v: number): number => (next() < missing ? Number.NaN : v);
          const scores = Float64Array.from({ length: n }, () => maybe(Math.round(next() * 50) / 50));
          const labels = Float64Array.from({ length: n }, () => maybe(next() < 0.3 ? 1 : 0));
          const predicted = Float64Array.from({ length: n }, () => maybe(next() < 0.4 ? 1 : 0));
          expect(fitReferenceChunks(scores, labels, predicted)).toEqual(
            oldFitReferenceChunks(scores, labels, predicted),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
