import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  fitReferenceChunks,
  referenceBand,
  type ChunkMetric,
  type ChunkStatistics,
} from '../../src/stats/reference-chunks';

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
