/**
 * The binned path of a spilled column against the exact path on the same values: KS and Wasserstein within the
 * bounds it reports, counts, missing values, extremes and the outside-range counts equal, quantiles within their
 * bucket. Independent check of the exact side: scipy's ks_2samp and wasserstein_distance agree with it in the
 * golden tests of stats/; here the exact path is the reference.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { seededRandom, type SpilledColumn } from '@vigil/core';
import { analyzeBinnedColumn } from '../../src/report/binned-column';
import { analyzeNumericColumn } from '../../src/report/numeric-column';

const dir = mkdtempSync(join(tmpdir(), 'vigil-binned-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Writes values as a spill file in two segments, as a CSV reader's blocks would leave them. */
function spill(values: Float64Array): SpilledColumn {
  const path = join(dir, `c${files++}`);
  const half = Math.floor(values.length / 2);
  // Segment 2 first in the file, so that reading follows the segments and not the file order.
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  writeFileSync(path, Buffer.concat([Buffer.from(bytes.subarray(half * 8)), Buffer.from(bytes.subarray(0, half * 8))]));
  return { path, rows: values.length, segments: [(values.length - half) * 8, half, 0, values.length - half] };
}

function compare(reference: Float64Array, current: Float64Array): void {
  const exact = analyzeNumericColumn({ name: 'x', reference, current });
  const binned = analyzeBinnedColumn('x', spill(reference), spill(current));
  const bounds = binned.binned!;
  expect(exact.binned).toBeUndefined();
  expect(Math.abs(binned.ks - exact.ks)).toBeLessThanOrEqual(bounds.ksErrorBound + 1e-12);
  if (Number.isFinite(exact.wasserstein)) {
    expect(Math.abs(binned.wasserstein - exact.wasserstein)).toBeLessThanOrEqual(
      bounds.wassersteinErrorBound + 1e-9 * (1 + Math.abs(exact.wasserstein)),
    );
  } else {
    // An infinite value on one side: no finite distance on either path.
    expect(Number.isFinite(binned.wasserstein)).toBe(false);
  }
  for (const side of ['reference', 'current'] as const) {
    const e = exact.summary[side];
    const b = binned.summary[side];
    expect([b.rows, b.missing, b.min, b.max]).toEqual([e.rows, e.missing, e.min, e.max]);
    // The same sum in another order: equal to rounding, relative to the mean of |x| (the sum's condition), not to
    // |mean|. Where values cancel, |mean| is far below them and two orders differ by more than 1e-12 · |mean|:
    // found by the property (seed 838716566, run 3,728 of 6,000: current side −999999.9999999984, 999999.9999999999,
    // −4, … with a mean of −0.8, the two means 1.08e-12 apart). Either order's error is at most (n − 1)·ε·Σ|x|, so
    // the difference of the means is under 1e-12 · mean |x| for n up to 4,500; where no value cancels, mean |x| is
    // |mean| and the bound the same as before.
    const values = side === 'reference' ? reference : current;
    const finite = values.filter((v) => Number.isFinite(v));
    const meanAbs = finite.reduce((t, v) => t + Math.abs(v), 0) / Math.max(1, finite.length);
    if (b.mean !== e.mean) expect(Math.abs(b.mean - e.mean)).toBeLessThanOrEqual(1e-12 * Math.max(1, meanAbs));
  }
  expect([binned.summary.below, binned.summary.above]).toEqual([exact.summary.below, exact.summary.above]);
  expect(binned.accumulator.rows).toBe(exact.accumulator.rows);
  // Bins from approximate quantiles, counted exactly: every value is in one bin.
  const total = (counts: number[]): number => counts.reduce((a, b) => a + b, 0);
  expect(total(binned.profile.counts)).toBe(total(exact.profile.counts));
  expect(total(binned.accumulator.fineCounts)).toBe(total(exact.accumulator.fineCounts));
}

function sample(n: number, seed: number, draw: (random: () => number, normal: () => number) => number): Float64Array {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Float64Array.from({ length: n }, () => draw(random, normal));
}

describe('binned against exact', () => {
  it.each([
    [
      'normal, shifted, with missing values',
      (r: () => number, z: () => number) => (r() < 0.03 ? Number.NaN : z()),
      (_r: () => number, z: () => number) => z() + 0.2,
    ],
    [
      'log-normal',
      (_r: () => number, z: () => number) => Math.exp(1 + 0.5 * z()),
      (_r: () => number, z: () => number) => Math.exp(1.1 + 0.5 * z()),
    ],
    [
      'small integers (exact: every bucket one value)',
      (r: () => number) => Math.floor(r() * 8),
      (r: () => number) => Math.floor(r() * 9),
    ],
    [
      'far from zero: 1e6 ± 10',
      (_r: () => number, z: () => number) => 1e6 + 10 * z(),
      (_r: () => number, z: () => number) => 1e6 + 10 * z() + 1,
    ],
    [
      'heavy tails and infinities',
      (r: () => number, z: () => number) => (r() < 0.01 ? Infinity : z() / Math.max(1e-3, Math.abs(z()))),
      (_r: () => number, z: () => number) => z() * 3,
    ],
  ])('%s', (_name, ref, cur) => {
    compare(sample(20_000, 1, ref), sample(15_000, 2, cur));
  });

  it('small integers have exact KS and Wasserstein (bound 0)', () => {
    const b = analyzeBinnedColumn(
      'x',
      spill(sample(5000, 3, (r) => Math.floor(r() * 5))),
      spill(sample(5000, 4, (r) => Math.floor(r() * 6))),
    );
    expect(b.binned).toEqual({ ksErrorBound: 0, wassersteinErrorBound: 0 });
    const e = analyzeNumericColumn({
      name: 'x',
      reference: sample(5000, 3, (r) => Math.floor(r() * 5)),
      current: sample(5000, 4, (r) => Math.floor(r() * 6)),
    });
    expect(b.ks).toBeCloseTo(e.ks, 12);
    expect(b.wasserstein).toBeCloseTo(e.wasserstein, 9);
  });

  it('a side with no finite value gives NaN statistics, as exact does', () => {
    const none = new Float64Array(100).fill(Number.NaN);
    const b = analyzeBinnedColumn('x', spill(none), spill(sample(100, 5, (r) => r())));
    expect(Number.isNaN(b.ks) && Number.isNaN(b.wasserstein)).toBe(true);
    expect(b.summary.reference.missing).toBe(100);
  });

  it('property: the bounds hold on any finite samples', () => {
    const values = fc.array(
      fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -5, max: 5 })),
      { minLength: 1, maxLength: 400 },
    );
    fc.assert(
      fc.property(values, values, (a, b) => {
        compare(Float64Array.from(a), Float64Array.from(b));
      }),
      { numRuns: 60 },
    );
  });
});
