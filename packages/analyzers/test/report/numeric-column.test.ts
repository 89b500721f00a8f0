import { analyzeNumericColumn } from '../../src/report/numeric-column';
import { sortFinite } from '../../src/sort/sort-finite';
import { ksAndWasserstein1 } from '../../src/stats/wasserstein';

describe('analyzeNumericColumn', () => {
  const n = 6000;
  let x = 12345;
  const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  // A 4-decimal pair (sorted and merged in one walk over the keys), and a pair without a decimal form (sorted, then
  // merged): both kinds a wide report has.
  const decimal = (shift: number): Float64Array =>
    Float64Array.from({ length: n }, (_, i) =>
      i % 97 === 0 ? Number.NaN : Math.round((next() + next() + next() + shift) * 1e4) / 1e4,
    );
  const jobs = [
    { name: 'decimal', reference: decimal(0), current: decimal(0.2) },
    {
      name: 'no decimal form',
      reference: Float64Array.from({ length: n }, () => Math.sin(next() * 1e3)),
      current: Float64Array.from({ length: n }, () => Math.sin(next() * 1e3) + 0.1),
    },
  ];

  test('a result holds nothing of the buffers the next column is sorted into', () => {
    // The sorted sides go into buffers kept for the next column: a result that referred to them would change
    // when the next column is analysed.
    const first = jobs.map((job) => structuredClone(analyzeNumericColumn(job)));
    const kept = jobs.map((job) => analyzeNumericColumn(job));
    for (const job of [...jobs].reverse()) analyzeNumericColumn(job);
    analyzeNumericColumn({ name: 'other', reference: decimal(5), current: decimal(-5) });
    expect(kept).toEqual(first);
  });

  test('KS, Wasserstein and the extremes are those of the sorted pair, on both paths', () => {
    for (const job of jobs) {
      const result = analyzeNumericColumn(job);
      const u = sortFinite(job.reference);
      const v = sortFinite(job.current);
      const expected = ksAndWasserstein1(u, v);
      expect({ name: job.name, ks: result.ks, wasserstein: result.wasserstein }).toEqual({
        name: job.name,
        ...expected,
      });
      expect(result.summary.reference.min).toBe(u[0]);
      expect(result.summary.current.max).toBe(v[v.length - 1]);
      expect(result.summary.current.missing).toBe(n - v.length);
    }
  });
});
