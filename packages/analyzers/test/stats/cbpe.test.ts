import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  calibrateScore,
  eceByRank,
  estimateCbpe,
  fitCbpe,
  fitIsotonic,
  needsCalibration,
  type EstimatedMetric,
} from '../../src/stats/cbpe';

/** test/golden/cbpe.json, written by scripts/golden/cbpe_nannyml.py from NannyML 0.13's CBPE. */
interface CbpeGolden {
  name: string;
  note: string;
  reference: { scores: number[]; labels: number[]; predicted: number[] };
  current: { scores: number[]; predicted: number[]; labels: number[] };
  needsCalibration: boolean;
  /** Of 20 StratifiedShuffleSplit seeds, how many made NannyML's rule calibrate. */
  calibrationVotes: number;
  expected: Record<EstimatedMetric, { value: number; samplingError: number; band: [number, number] }>;
  realized: Record<EstimatedMetric, number>;
  isotonic: { grid: number[]; predicted: number[] };
  /** NannyML's estimates with the score calibrated (isotonic) and as it is (identity). */
  byDecision: Record<'isotonic' | 'identity', Record<EstimatedMetric, number>>;
}

const golden = (
  JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'cbpe.json'), 'utf8')) as { cases: CbpeGolden[] }
).cases;
const METRICS: EstimatedMetric[] = ['accuracy', 'precision', 'recall', 'f1', 'auc'];
const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);

let worst = 0;
afterAll(() => console.log(`CBPE: largest |Vigil − NannyML| estimate difference ${worst.toExponential(2)}`));

describe('CBPE against NannyML 0.13', () => {
  it.each(golden.map((c) => [c.name, c]))(
    '%s: isotonic calibrator equals scikit-learn IsotonicRegression',
    (_name, c) => {
      const calibrator = fitIsotonic(f64(c.reference.scores), f64(c.reference.labels));
      c.isotonic.grid.forEach((x, k) =>
        expect(calibrateScore(calibrator, x)).toBeCloseTo(c.isotonic.predicted[k]!, 12),
      );
    },
  );

  // Where NannyML's rule decides the same on every seed; for a calibrated score it is a toss-up (see the next test).
  it.each(golden.filter((c) => c.calibrationVotes === 0 || c.calibrationVotes === 20).map((c) => [c.name, c]))(
    '%s: the calibration decision agrees',
    (_name, c) => {
      expect(needsCalibration(f64(c.reference.scores), f64(c.reference.labels))).toBe(c.needsCalibration);
    },
  );

  it('a calibrated score is the toss-up: NannyML decides by its split seed, and the decision moves its estimate', () => {
    expect(golden.some((c) => c.calibrationVotes === 20)).toBe(true);
    const calibrated = golden.find((c) => c.name === 'calibrated')!;
    expect(calibrated.calibrationVotes).toBeGreaterThan(0);
    expect(calibrated.calibrationVotes).toBeLessThan(20);
    // NannyML's CBPE result is its estimate under the decision it took.
    const taken = calibrated.byDecision[calibrated.needsCalibration ? 'isotonic' : 'identity'];
    for (const m of METRICS) expect(taken[m]).toBeCloseTo(calibrated.expected[m].value, 12);
  });

  // Against NannyML's estimate under the same calibration decision (the same as its CBPE's where that is firm).
  it.each(golden.map((c) => [c.name, c]))(
    '%s: estimates within 1e-6 of NannyML, sampling errors within 1e-9',
    (_name, c) => {
      const reference = fitCbpe(f64(c.reference.scores), f64(c.reference.labels), f64(c.reference.predicted))!;
      const firm = c.calibrationVotes === 0 || c.calibrationVotes === 20;
      if (firm) expect(reference.calibrator.kind).toBe(c.needsCalibration ? 'isotonic' : 'identity');
      const sameDecision = reference.calibrator.kind === (c.needsCalibration ? 'isotonic' : 'identity');
      const estimates = estimateCbpe(reference, f64(c.current.scores), f64(c.current.predicted))!;
      expect(estimates.rows).toBe(c.current.scores.length);
      for (const m of METRICS) {
        const want = c.byDecision[reference.calibrator.kind][m];
        const got = estimates[m];
        worst = Math.max(worst, Math.abs(got.value - want));
        expect(Math.abs(got.value - want)).toBeLessThan(1e-6);
        // The sampling error does not depend on the decision: it comes from the reference's labels and classes.
        expect(got.samplingError).toBeCloseTo(c.expected[m].samplingError, 9);
        const band = sameDecision
          ? c.expected[m].band
          : [Math.max(0, want - 3 * got.samplingError), Math.min(1, want + 3 * got.samplingError)];
        expect(Math.abs(got.band[0] - band[0]!)).toBeLessThan(1e-6);
        expect(Math.abs(got.band[1] - band[1]!)).toBeLessThan(1e-6);
      }
    },
  );

  it('the scenarios shift performance without labels: the realized metrics moved off the reference and the estimates follow', () => {
    for (const c of golden) {
      const reference = fitCbpe(f64(c.reference.scores), f64(c.reference.labels), f64(c.reference.predicted))!;
      const onReference = estimateCbpe(reference, f64(c.reference.scores), f64(c.reference.predicted))!;
      const onCurrent = estimateCbpe(reference, f64(c.current.scores), f64(c.current.predicted))!;
      // Some metric changed by more than its band's half-width between reference and current.
      expect(
        METRICS.some((m) => Math.abs(onCurrent[m].value - onReference[m].value) > 3 * onCurrent[m].samplingError),
      ).toBe(true);
    }
  });
});

describe('CBPE properties', () => {
  const rows = fc.array(
    fc.record({ score: fc.double({ min: 0, max: 1, noNaN: true }), label: fc.constantFrom(0, 1) }),
    { minLength: 2, maxLength: 200 },
  );

  it('estimates and bands lie in [0, 1] (or are NaN when undefined)', () => {
    fc.assert(
      fc.property(rows, rows, (ref, cur) => {
        const reference = fitCbpe(
          f64(ref.map((r) => r.score)),
          f64(ref.map((r) => r.label)),
          f64(ref.map((r) => (r.score >= 0.5 ? 1 : 0))),
        );
        if (!reference) return;
        const e = estimateCbpe(reference, f64(cur.map((r) => r.score)), f64(cur.map((r) => (r.score >= 0.5 ? 1 : 0))))!;
        for (const m of METRICS) {
          const { value, band } = e[m];
          if (Number.isNaN(value)) continue;
          expect(value).toBeGreaterThanOrEqual(-1e-12);
          expect(value).toBeLessThanOrEqual(1 + 1e-12);
          if (!Number.isNaN(band[0])) expect(band[0]).toBeGreaterThanOrEqual(0);
          if (!Number.isNaN(band[1])) expect(band[1]).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('a calibrated score (identity calibrator) estimates accuracy as the expectation computed directly', () => {
    fc.assert(
      fc.property(rows, fc.double({ min: 0.05, max: 0.95, noNaN: true }), (cur, threshold) => {
        const reference = {
          calibrator: { kind: 'identity' as const },
          rows: 1,
          components: Object.fromEntries(
            METRICS.map((m) => [m, { std: 0.5, fraction: m === 'accuracy' ? 1 : 0.5 }]),
          ) as never,
        };
        const scores = cur.map((r) => r.score);
        const predicted = scores.map((s) => (s >= threshold ? 1 : 0));
        const e = estimateCbpe(reference, f64(scores), f64(predicted))!;
        // P(correct) of a row is its score when predicted positive, 1 − score when predicted negative.
        const expected = scores.reduce((t, s, i) => t + (predicted[i] === 1 ? s : 1 - s), 0) / scores.length;
        expect(e.accuracy.value).toBeCloseTo(expected, 12);
        expect(e.accuracy.samplingError).toBeCloseTo(0.5 / Math.sqrt(scores.length), 12);
      }),
    );
  });

  it('the isotonic calibrator is non-decreasing, within [0, 1] and keeps the labels mean on the fitted rows', () => {
    fc.assert(
      fc.property(rows, (ref) => {
        const scores = f64(ref.map((r) => r.score));
        const labels = f64(ref.map((r) => r.label));
        const calibrator = fitIsotonic(scores, labels);
        const sorted = [...scores].sort((a, b) => a - b);
        let previous = -Infinity;
        for (const s of sorted) {
          const q = calibrateScore(calibrator, s);
          expect(q).toBeGreaterThanOrEqual(previous - 1e-12);
          expect(q).toBeGreaterThanOrEqual(0);
          expect(q).toBeLessThanOrEqual(1);
          previous = q;
        }
        const meanFitted = [...scores].reduce((t, s) => t + calibrateScore(calibrator, s), 0) / scores.length;
        const meanLabel = [...labels].reduce((t, y) => t + y, 0) / labels.length;
        expect(meanFitted).toBeCloseTo(meanLabel, 9);
      }),
    );
  });

  it('fits a reference of 300,000 rows (no call-argument limit on the splits) and calibrates a squared score', () => {
    const n = 300_000;
    let seed = 7;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const scores = new Float64Array(n);
    const labels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = random();
      scores[i] = p * p;
      labels[i] = random() < p ? 1 : 0;
    }
    const reference = fitCbpe(
      scores,
      labels,
      scores.map((s) => (s >= 0.5 ? 1 : 0)),
    )!;
    expect(reference.calibrator.kind).toBe('isotonic');
    // The calibrated probability of score s is √s here.
    expect(calibrateScore(reference.calibrator, 0.25)).toBeCloseTo(0.5, 1);
  }, 60_000);

  it('eceByRank is the equal-count-bin ECE of the rows sorted by score (positives first among ties)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ score: fc.integer({ min: 0, max: 20 }).map((k) => k / 20), label: fc.constantFrom(0, 1) }),
          { minLength: 4, maxLength: 300 },
        ),
        (r) => {
          const rows = [...r].sort((a, b) => a.score - b.score || b.label - a.label);
          const n = rows.length;
          const count = n <= 20 ? Math.floor(n / 2) : 10;
          const width = Math.floor(n / count);
          const edges: number[] = [];
          for (let e = 0; e <= n; e += width) edges.push(e);
          edges[edges.length - 1] = n;
          let want = 0;
          for (let b = 0; b + 1 < edges.length; b++) {
            const bin = rows.slice(edges[b], edges[b + 1]);
            const mean = (f: (x: { score: number; label: number }) => number): number =>
              bin.reduce((t, x) => t + f(x), 0) / bin.length;
            want += (bin.length / n) * Math.abs(mean((x) => x.score) - mean((x) => x.label));
          }
          expect(eceByRank(f64(r.map((x) => x.score)), f64(r.map((x) => x.label)))).toBeCloseTo(want, 12);
        },
      ),
    );
  });

  it('a perfectly separating score needs no calibration (AUC above 0.999)', () => {
    const scores = f64([0.1, 0.2, 0.3, 0.7, 0.8, 0.9]);
    expect(needsCalibration(scores, f64([0, 0, 0, 1, 1, 1]))).toBe(false);
    expect(needsCalibration(scores, f64([1, 1, 1, 1, 1, 1]))).toBe(false);
  });
});
