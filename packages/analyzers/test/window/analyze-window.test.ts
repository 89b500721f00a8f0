import fc from 'fast-check';
import type { Column, Table } from '@vigil/core';
import {
  accumulate,
  analyzeWindow,
  emptyAccumulator,
  fitReferenceProfile,
  mergeAccumulators,
  type AnalysisSpec,
} from '@vigil/analyzers';
import { numericAccumulatorFromSorted } from '../../src/accumulator/window-accumulator';

const spec: AnalysisSpec = {
  task: 'binary',
  features: [
    { name: 'x', kind: 'numeric' },
    { name: 'c', kind: 'categorical' },
  ],
  groups: [],
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
};

function table(xs: readonly (number | null)[]): Table {
  const columns: Column[] = [
    { name: 'x', kind: 'numeric', values: Float64Array.from(xs, (v) => v ?? Number.NaN) },
    { name: 'c', kind: 'categorical', categories: ['a'], codes: Int32Array.from(xs, () => 0) },
  ];
  return { source: 'test', rowCount: xs.length, columns: new Map(columns.map((c) => [c.name, c])) };
}

const values = fc.array(fc.option(fc.integer({ min: -30, max: 30 }), { freq: 6 }), { maxLength: 60 });

describe('data quality in the windows', () => {
  it('property: outOfRangeRate is the share of non-missing values outside the reference [min, max], and merging buckets gives the union’s', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 1, maxLength: 40 }),
        values,
        values,
        (reference, a, b) => {
          const profile = fitReferenceProfile(table(reference), spec);
          const acc = (xs: readonly (number | null)[]) =>
            accumulate(emptyAccumulator(profile, spec), profile, spec, table(xs));
          const merged = analyzeWindow(profile, mergeAccumulators(acc(a), acc(b)), spec).quality!;
          const present = [...a, ...b].filter((v): v is number => v !== null);
          const lo = Math.min(...reference);
          const hi = Math.max(...reference);
          const want =
            present.length === 0 ? Number.NaN : present.filter((v) => v < lo || v > hi).length / present.length;
          expect(merged).toHaveLength(1);
          expect(merged[0]!.feature).toBe('x');
          if (Number.isNaN(want)) expect(merged[0]!.outOfRangeRate).toBeNaN();
          else expect(merged[0]!.outOfRangeRate).toBeCloseTo(want, 12);
        },
      ),
    );
  });

  it('the sorted path (a report’s worker threads) counts the same values outside the range as the scan', () => {
    const profile = fitReferenceProfile(table([0, 1, 2, 3, 4, 5]), spec);
    const p = profile.features[0]!;
    if (p.kind !== 'numeric') throw new Error('x is numeric');
    const scanned = accumulate(emptyAccumulator(profile, spec), profile, spec, table([-1, 0, 5, 6, null, 2.5]));
    const fromSorted = numericAccumulatorFromSorted(p, Float64Array.from([-1, 0, 2.5, 5, 6]), 6);
    expect(fromSorted.outside).toBe(2);
    expect(scanned.features[0]).toMatchObject({ outside: 2 });
  });

  it('a bucket stored before the count existed counts as 0 outside', () => {
    const profile = fitReferenceProfile(table([0, 10]), spec);
    const old = accumulate(emptyAccumulator(profile, spec), profile, spec, table([20, 5]));
    delete (old.features[0] as { outside?: number }).outside;
    const merged = mergeAccumulators(old, accumulate(emptyAccumulator(profile, spec), profile, spec, table([30])));
    expect(analyzeWindow(profile, merged, spec).quality![0]!.outOfRangeRate).toBeCloseTo(1 / 3, 12);
  });
});
