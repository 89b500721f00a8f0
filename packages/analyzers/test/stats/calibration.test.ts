import fc from 'fast-check';
import {
  brierScore,
  calibrationBinIndex,
  calibrationFromBins,
  eceEqualMass,
  equalWidthCalibrationBins,
  type CalibrationBinStats,
} from '../../src/stats/calibration';
import { type BinnedGolden, expectClose, f64, golden, reportWorstErrors } from './outcome-golden';

afterAll(reportWorstErrors);

describe('golden vectors (numpy ECE from the definition, scikit-learn brier_score_loss)', () => {
  for (const c of golden.binary) {
    const scores = f64(c.scores);
    const labels = f64(c.labels);

    test(`${c.name}: ${c.note}`, () => {
      for (const nBins of golden.binCounts) {
        const want = c.expected[`bins${nBins}`] as BinnedGolden;
        const bins = equalWidthCalibrationBins(scores, labels, nBins);
        expect(bins.map((b) => b.count)).toEqual(want.bins.map((b) => b.count));
        expect(bins.map((b) => b.sumLabel)).toEqual(want.bins.map((b) => b.sumLabel));
        bins.forEach((b, i) => expectClose('bin sumScore', b.sumScore, want.bins[i]!.sumScore));
        const { ece, mce, n } = calibrationFromBins(bins);
        expect(n).toBe(c.expected.labelled);
        expectClose('ece (equal width)', ece, want.ece);
        expectClose('mce', mce, want.mce);
        expectClose('eceEqualMass', eceEqualMass(scores, labels, nBins), want.eceEqualMass);
      }
      expectClose('brier', brierScore(scores, labels), c.expected.brier);
    });
  }
});

describe('equal-width bin edges', () => {
  test('decimal scores land in the bin whose lower edge they equal', () => {
    for (const nBins of [10, 7, 100]) {
      for (let b = 0; b < nBins; b++) expect(calibrationBinIndex(b / nBins, nBins)).toBe(b);
    }
    expect(calibrationBinIndex(0.29, 100)).toBe(29);
    expect(calibrationBinIndex(0.3)).toBe(3);
    expect(calibrationBinIndex(0.7)).toBe(7);
    expect(calibrationBinIndex(0.29999999999999993)).toBe(2);
  });

  test('1 is in the last bin; out-of-range scores are clamped into the outer bins', () => {
    expect(calibrationBinIndex(1)).toBe(9);
    expect(calibrationBinIndex(1.7)).toBe(9);
    expect(calibrationBinIndex(Number.POSITIVE_INFINITY)).toBe(9);
    expect(calibrationBinIndex(-0.2)).toBe(0);
    expect(calibrationBinIndex(-0)).toBe(0);
    expect(calibrationBinIndex(Number.NEGATIVE_INFINITY)).toBe(0);
  });
});

describe('edge cases', () => {
  const none = new Float64Array(0);

  test('no labelled rows: ECE and MCE 0 with n 0, Brier NaN', () => {
    const scores = Float64Array.of(0.2, 0.9, Number.NaN);
    const labels = Float64Array.of(Number.NaN, Number.NaN, 1);
    expect(calibrationFromBins(equalWidthCalibrationBins(scores, labels))).toEqual({ ece: 0, mce: 0, n: 0 });
    expect(calibrationFromBins([])).toEqual({ ece: 0, mce: 0, n: 0 });
    expect(eceEqualMass(scores, labels)).toBe(0);
    expect(eceEqualMass(none, none)).toBe(0);
    expect(brierScore(scores, labels)).toBeNaN();
  });

  test('a NaN score skips the row', () => {
    const bins = equalWidthCalibrationBins(Float64Array.of(0.25, Number.NaN), Float64Array.of(1, 1));
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(1);
    expect(brierScore(Float64Array.of(0.5, Number.NaN), Float64Array.of(1, 0))).toBe(0.25);
  });

  test('equal-mass chunks follow row order inside a run of tied scores', () => {
    // Stable order: (0.5,1) (0.5,0) | (0.5,0) (0.5,1): each half has one positive.
    expect(eceEqualMass(Float64Array.of(0.5, 0.5, 0.5, 0.5), Float64Array.of(1, 0, 0, 1), 2)).toBe(0);
    // (0.5,1) (0.5,1) | (0.5,0) (0.5,0): rates 1 and 0 against mean score 0.5.
    expect(eceEqualMass(Float64Array.of(0.5, 0.5, 0.5, 0.5), Float64Array.of(1, 1, 0, 0), 2)).toBe(0.5);
  });

  test('mismatched lengths and bad bin counts are refused', () => {
    expect(() => brierScore(Float64Array.of(1), none)).toThrow(/different lengths/);
    expect(() => equalWidthCalibrationBins(none, none, 0)).toThrow(RangeError);
    expect(() => eceEqualMass(none, none, 2.5)).toThrow(RangeError);
  });
});

/** numpy.array_split over a stable index sort, written the obvious way, for the property test of eceEqualMass. */
function naiveEceEqualMass(scores: Float64Array, labels: Float64Array, nBins: number): number {
  const rows: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(labels[i]!) && !Number.isNaN(scores[i]!)) rows.push(i);
  rows.sort((a, b) => scores[a]! - scores[b]!); // Array.prototype.sort is stable
  const n = rows.length;
  let ece = 0;
  let start = 0;
  for (let c = 0; c < nBins; c++) {
    const size = Math.floor(n / nBins) + (c < n % nBins ? 1 : 0);
    if (size === 0) continue;
    let sumScore = 0;
    let sumLabel = 0;
    for (const i of rows.slice(start, start + size)) {
      sumScore += scores[i]!;
      sumLabel += labels[i]!;
    }
    ece += (size / n) * Math.abs(sumLabel / size - sumScore / size);
    start += size;
  }
  return ece;
}

const score = fc.double({ min: 0, max: 1, noNaN: true });
const label = fc.constantFrom(0, 1, 0, 1, Number.NaN);
/** Rows of (score, label), scores drawn from a few values half of the time so that ties are common. */
const rows = fc.array(fc.tuple(fc.oneof(score, fc.constantFrom(0, 0.1, 0.25, 0.5, 1)), label), { maxLength: 200 });
const split = (r: [number, number][]): [Float64Array, Float64Array] => [
  Float64Array.from(r, (x) => x[0]),
  Float64Array.from(r, (x) => x[1]),
];

function permute<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('properties', () => {
  const nBins = fc.integer({ min: 1, max: 20 });

  test('ECE and MCE lie in [0, 1] and MCE ≥ ECE; equal-mass ECE in [0, 1]; Brier in [0, 1]', () => {
    fc.assert(
      fc.property(rows, nBins, (r, k) => {
        const [s, y] = split(r);
        const { ece, mce } = calibrationFromBins(equalWidthCalibrationBins(s, y, k));
        const mass = eceEqualMass(s, y, k);
        const brier = brierScore(s, y);
        return (
          ece >= 0 &&
          ece <= 1 &&
          mce <= 1 &&
          mce >= ece - 1e-15 &&
          mass >= 0 &&
          mass <= 1 &&
          (Number.isNaN(brier) || (brier >= 0 && brier <= 1))
        );
      }),
    );
  });

  test('equal-mass ECE equals a stable index sort cut like numpy.array_split', () => {
    fc.assert(
      fc.property(rows, nBins, (r, k) => {
        const [s, y] = split(r);
        expect(Math.abs(eceEqualMass(s, y, k) - naiveEceEqualMass(s, y, k))).toBeLessThanOrEqual(1e-12);
      }),
    );
  });

  test('equal-width ECE, MCE and Brier do not depend on row order', () => {
    fc.assert(
      fc.property(rows, fc.integer(), (r, seed) => {
        const [s, y] = split(r);
        const [ps, py] = split(permute(r, seed));
        const a = calibrationFromBins(equalWidthCalibrationBins(s, y));
        const b = calibrationFromBins(equalWidthCalibrationBins(ps, py));
        expect(b.ece).toBeCloseTo(a.ece, 12);
        expect(b.mce).toBeCloseTo(a.mce, 12);
        expect(b.n).toBe(a.n);
        const brier = brierScore(s, y);
        if (Number.isNaN(brier)) expect(brierScore(ps, py)).toBeNaN();
        else expect(brierScore(ps, py)).toBeCloseTo(brier, 12);
      }),
    );
  });

  test('bins of a concatenation are the sums of the bins of its parts', () => {
    fc.assert(
      fc.property(rows, rows, nBins, (r1, r2, k) => {
        const [s1, y1] = split(r1);
        const [s2, y2] = split(r2);
        const [s, y] = split([...r1, ...r2]);
        const whole = equalWidthCalibrationBins(s, y, k);
        const a = equalWidthCalibrationBins(s1, y1, k);
        const b = equalWidthCalibrationBins(s2, y2, k);
        whole.forEach((bin: CalibrationBinStats, i) => {
          expect(bin.count).toBe(a[i]!.count + b[i]!.count);
          expect(bin.sumLabel).toBe(a[i]!.sumLabel + b[i]!.sumLabel);
          expect(bin.sumScore).toBeCloseTo(a[i]!.sumScore + b[i]!.sumScore, 9);
        });
      }),
    );
  });
});
