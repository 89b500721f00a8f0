import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ValueDistribution } from '../../src/report/report-types';
import { valueDistribution } from '../../src/report/value-distribution';
import { sortFinite } from '../../src/sort/sort-finite';

interface DistributionGolden {
  name: string;
  note: string;
  reference: number[];
  current: number[];
  expected: ValueDistribution;
}

/** Written by scripts/golden/report_extras.py: the same bin rule in Python, counted with numpy.histogram. */
const golden = (
  JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'curves.json'), 'utf8')) as {
    distributions: DistributionGolden[];
  }
).distributions;

describe('golden vectors (numpy.histogram on the report bins)', () => {
  for (const c of golden) {
    test(`${c.name}: ${c.note}`, () => {
      const d = valueDistribution(sortFinite(Float64Array.from(c.reference)), sortFinite(Float64Array.from(c.current)));
      expect(d).toEqual(c.expected);
    });
  }
});

describe('extreme ranges', () => {
  test('values near the largest double give finite ascending edges (the property once found NaN edges here)', () => {
    const d = valueDistribution(
      sortFinite(Float64Array.from([1.7975685004562321e308, -1.2463440608366938e304])),
      sortFinite(new Float64Array(0)),
    )!;
    expect(d.edges.every((e) => Number.isFinite(e))).toBe(true);
    for (let i = 1; i < d.edges.length; i++) expect(d.edges[i]!).toBeGreaterThan(d.edges[i - 1]!);
    expect(d.reference.reduce((t, c) => t + c, 0) + d.outside.reference).toBe(2);
  });
});

describe('properties', () => {
  const sample = fc.oneof(
    fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { maxLength: 300 }),
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 50 }),
  );
  test('every value is in one bin or counted outside; edges ascend; at most 41 bins', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ref = sortFinite(Float64Array.from(a));
        const cur = sortFinite(Float64Array.from(b));
        const d = valueDistribution(ref, cur);
        if (a.length === 0 && b.length === 0) return expect(d).toBeNull();
        expect(d).not.toBeNull();
        const { edges, reference, current, outside } = d!;
        expect(reference.reduce((s, n) => s + n, 0) + outside.reference).toBe(a.length);
        expect(current.reduce((s, n) => s + n, 0) + outside.current).toBe(b.length);
        expect(reference).toHaveLength(edges.length - 1);
        expect(edges.length - 1).toBeLessThanOrEqual(41);
        for (let i = 1; i < edges.length; i++) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!);
      }),
    );
  });

  test('without far outliers nothing is left out', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }), (a) => {
        const d = valueDistribution(sortFinite(Float64Array.from(a)), new Float64Array(0))!;
        expect(d.outside).toEqual({ reference: 0, current: 0 });
      }),
    );
  });
});
