import fc from 'fast-check';
import { seededRandom, type Column, type Table } from '@vigil/core';
import {
  accumulate,
  emptyAccumulator,
  labelAccumulator,
  mergeAccumulators,
} from '../../src/accumulator/window-accumulator';
import {
  fitDataReconstruction,
  rebuildsExactly,
  reconstructionErrors,
  type DataReconstruction,
} from '../../src/multivariate/data-reconstruction';
import {
  addReconstruction,
  emptyReconstruction,
  mergeReconstruction,
  reconstructionWindow,
} from '../../src/multivariate/reconstruction-accumulator';
import type { AnalysisSpec } from '../../src/profile/analysis-spec';
import { fitReferenceProfile, type ReferenceProfile } from '../../src/profile/reference-profile';

const FEATURES = [
  { name: 'a', kind: 'numeric' },
  { name: 'b', kind: 'numeric' },
  { name: 'c', kind: 'categorical' },
] as const;
const SPEC: AnalysisSpec = {
  task: 'binary',
  features: FEATURES,
  groups: [],
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
};
const CATEGORIES = ['x', 'y', 'z', 'new'];

type Row = [number | null, number | null, number];

function tableOf(rows: readonly Row[]): Table {
  const columns = new Map<string, Column>([
    ['a', { name: 'a', kind: 'numeric', values: Float64Array.from(rows, (r) => r[0] ?? Number.NaN) }],
    ['b', { name: 'b', kind: 'numeric', values: Float64Array.from(rows, (r) => r[1] ?? Number.NaN) }],
    ['c', { name: 'c', kind: 'categorical', categories: CATEGORIES, codes: Int32Array.from(rows, (r) => r[2]) }],
  ]);
  return { source: 'rows', rowCount: rows.length, columns };
}

/** Seeded reference rows: b follows a, c mostly x or y. */
function referenceRows(n: number): Row[] {
  const random = seededRandom(3);
  return Array.from({ length: n }, (): Row => {
    const a = random() * 10;
    return [a, 2 * a + random(), random() < 0.6 ? 0 : random() < 0.8 ? 1 : 2];
  });
}

const row = fc.tuple(
  fc.option(fc.double({ min: -50, max: 50, noNaN: true }), { nil: null, freq: 10 }),
  fc.option(fc.double({ min: -50, max: 50, noNaN: true }), { nil: null, freq: 10 }),
  fc.integer({ min: -1, max: 3 }),
);

describe('reconstruction accumulators', () => {
  let model: DataReconstruction;
  let profile: ReferenceProfile;
  beforeAll(async () => {
    const reference = tableOf(referenceRows(2000));
    model = (await fitDataReconstruction(reference, FEATURES)).model;
    profile = { ...fitReferenceProfile(reference, SPEC), reconstruction: model };
  });

  it('merging two accumulators equals accumulating the union (counts exact, sums to rounding)', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.array(row, { maxLength: 60 }), (left, right) => {
        const a = addReconstruction(emptyReconstruction(model), model, tableOf(left));
        const b = addReconstruction(emptyReconstruction(model), model, tableOf(right));
        const union = addReconstruction(emptyReconstruction(model), model, tableOf([...left, ...right]));
        const merged = mergeReconstruction(a, b)!;
        expect(merged.rows).toBe(union.rows);
        expect(merged.rows).toBe(left.length + right.length);
        expect(merged.counts).toEqual(union.counts);
        expect(merged.sum).toBeCloseTo(union.sum, 9);
        expect(merged.sumSquares).toBeCloseTo(union.sumSquares, 6);
        // Merging is commutative and an empty side changes nothing.
        expect(mergeReconstruction(b, a)!.counts).toEqual(merged.counts);
        expect(mergeReconstruction(a, undefined)).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });

  it('window accumulators carry them: bucket merge equals one accumulation, label deltas add nothing', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), fc.array(row, { maxLength: 40 }), (left, right) => {
        const a = accumulate(emptyAccumulator(profile, SPEC), profile, SPEC, tableOf(left));
        const b = accumulate(emptyAccumulator(profile, SPEC), profile, SPEC, tableOf(right));
        const union = accumulate(emptyAccumulator(profile, SPEC), profile, SPEC, tableOf([...left, ...right]));
        const merged = mergeAccumulators(mergeAccumulators(a, b), labelAccumulator(profile, SPEC, tableOf(right)));
        expect(merged.reconstruction!.counts).toEqual(union.reconstruction!.counts);
        expect(merged.reconstruction!.rows).toBe(union.rows);
        expect(merged.reconstruction!.sum).toBeCloseTo(union.reconstruction!.sum, 9);
      }),
      { numRuns: 50 },
    );
  });

  it("a window's mean error is the mean of its rows' errors, and its band widens as windows shrink", async () => {
    const rows = referenceRows(700).map((r): Row => [r[0], r[0]! * -2, r[2]]);
    const table = tableOf(rows);
    const window = reconstructionWindow(model, addReconstruction(emptyReconstruction(model), model, table))!;
    const errors = await reconstructionErrors(model, table);
    expect(window.value).toBeCloseTo(errors.reduce((t, e) => t + e, 0) / errors.length, 4);
    expect(window.rows).toBe(700);
    // b no longer follows a: the window is far above its band.
    expect(window.drifted).toBe(true);
    expect(window.value).toBeGreaterThan(window.band.upper);
    const same = reconstructionWindow(
      model,
      addReconstruction(emptyReconstruction(model), model, tableOf(referenceRows(700))),
    )!;
    const small = reconstructionWindow(
      model,
      addReconstruction(emptyReconstruction(model), model, tableOf(referenceRows(50))),
    )!;
    expect(same.drifted).toBe(false);
    expect(small.band.upper - small.band.lower).toBeGreaterThan(same.band.upper - same.band.lower);
    expect(reconstructionWindow(model, emptyReconstruction(model))).toBeUndefined();
  });

  it('a fit that keeps every axis gives windows no reconstruction error (its errors are rounding noise)', async () => {
    // a and b independent: both axes are needed for 65% of the variance, so every row is rebuilt exactly.
    const random = seededRandom(8);
    const independent = tableOf(Array.from({ length: 2000 }, (): Row => [random(), random(), 0]));
    const exact = (await fitDataReconstruction(independent, FEATURES.slice(0, 2))).model;
    expect(rebuildsExactly(exact)).toBe(true);
    expect(rebuildsExactly(model)).toBe(false);
    const acc = addReconstruction(emptyReconstruction(exact), exact, independent);
    expect(acc.rows).toBe(2000);
    // Before: a window judged on noise near 1e-8.
    expect(reconstructionWindow(exact, acc)).toBeUndefined();
  });

  it('a profile without a reconstruction (stored before) gives accumulators without one', () => {
    const { reconstruction: _, ...older } = profile;
    const acc = accumulate(emptyAccumulator(older, SPEC), older, SPEC, tableOf(referenceRows(10)));
    expect(acc.reconstruction).toBeUndefined();
    expect(JSON.parse(JSON.stringify(older)).reconstruction).toBeUndefined();
  });
});
