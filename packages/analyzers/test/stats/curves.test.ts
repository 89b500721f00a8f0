import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { quantileSorted } from '../../src/profile/binning';
import { numericSummary } from '../../src/report/numeric-column';
import { rocAuc } from '../../src/stats/classification';
import { averagePrecision, downsampleCurve, precisionRecallCurve, rocCurve } from '../../src/stats/curves';
import { sortFinite } from '../../src/sort/sort-finite';
import { expectClose, f64, reportWorstErrors } from './outcome-golden';

afterAll(reportWorstErrors);

interface CurveGolden {
  name: string;
  note: string;
  scores: (number | null)[];
  labels: (number | null)[];
  expected: {
    roc: { fpr: number[]; tpr: number[] };
    rocAll: { fpr: number[]; tpr: number[] };
    pr: { precision: number[]; recall: number[] };
    prDropped: { precision: number[]; recall: number[] };
    averagePrecision: number;
    auc: number;
  };
}

interface QuantileGolden {
  name: string;
  values: (number | null)[];
  expected: { rows: number; missing: number; min: number; max: number; mean: number; quantiles: number[] };
}

/** Written by scripts/golden/report_extras.py (scikit-learn 1.5.2, numpy 2.1.3). */
const golden = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'curves.json'), 'utf8')) as {
  curves: CurveGolden[];
  quantiles: QuantileGolden[];
  quantileLevels: number[];
};

function expectCurve(metric: string, actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expectClose(metric, v, expected[i] ?? null));
}

describe('golden vectors (scikit-learn roc_curve, precision_recall_curve, average_precision_score)', () => {
  for (const c of golden.curves) {
    test(`${c.name}: ${c.note}`, () => {
      const scores = f64(c.scores);
      const labels = f64(c.labels);
      const roc = rocCurve(scores, labels)!;
      expectCurve('roc fpr', roc.fpr, c.expected.roc.fpr);
      expectCurve('roc tpr', roc.tpr, c.expected.roc.tpr);
      const all = rocCurve(scores, labels, false)!;
      expectCurve('roc fpr (all)', all.fpr, c.expected.rocAll.fpr);
      expectCurve('roc tpr (all)', all.tpr, c.expected.rocAll.tpr);
      const pr = precisionRecallCurve(scores, labels)!;
      expectCurve('precision', pr.precision, c.expected.pr.precision);
      expectCurve('recall', pr.recall, c.expected.pr.recall);
      const dropped = precisionRecallCurve(scores, labels, true)!;
      expectCurve('precision (dropped)', dropped.precision, c.expected.prDropped.precision);
      expectCurve('recall (dropped)', dropped.recall, c.expected.prDropped.recall);
      expectClose('averagePrecision', averagePrecision(scores, labels), c.expected.averagePrecision);
      expect(pr.thresholds).toHaveLength(pr.precision.length - 1);
      expect(roc.thresholds[0]).toBe(Infinity);
    });
  }
});

describe('golden vectors (numpy quantile, mean, min, max)', () => {
  for (const c of golden.quantiles) {
    test(c.name, () => {
      const values = f64(c.values);
      const summary = numericSummary(values.length, sortFinite(values));
      expect(summary.rows).toBe(c.expected.rows);
      expect(summary.missing).toBe(c.expected.missing);
      expect(summary.min).toBe(c.expected.min);
      expect(summary.max).toBe(c.expected.max);
      expectClose('mean', summary.mean, c.expected.mean);
      const quantiles = [summary.p5, summary.p25, summary.p50, summary.p75, summary.p95];
      expect(golden.quantileLevels).toEqual([0.05, 0.25, 0.5, 0.75, 0.95]);
      quantiles.forEach((q, i) => expectClose(`p${golden.quantileLevels[i]}`, q, c.expected.quantiles[i] ?? null));
    });
  }
});

describe('edge cases', () => {
  test('no curve without both classes; no precision–recall curve without positives', () => {
    expect(rocCurve(Float64Array.of(0.2, 0.7), Float64Array.of(1, 1))).toBeNull();
    expect(rocCurve(Float64Array.of(0.2, 0.7), Float64Array.of(0, Number.NaN))).toBeNull();
    expect(precisionRecallCurve(Float64Array.of(0.2, 0.7), Float64Array.of(0, 0))).toBeNull();
    expect(averagePrecision(new Float64Array(0), new Float64Array(0))).toBeNaN();
  });

  test('an empty side summarises to NaN figures', () => {
    const s = numericSummary(3, new Float64Array(0));
    expect(s).toMatchObject({ rows: 3, missing: 3, missingShare: 1 });
    expect(s.p50).toBeNaN();
    expect(s.mean).toBeNaN();
  });
});

const scored = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 1, Number.NaN)), { minLength: 2, maxLength: 400 })
  .map((rows) => ({ scores: Float64Array.from(rows, ([s]) => s / 40), labels: Float64Array.from(rows, ([, y]) => y) }));

describe('properties', () => {
  test('the trapezoid area under the ROC curve is the AUC, with or without the collinear points', () => {
    fc.assert(
      fc.property(scored, ({ scores, labels }) => {
        for (const drop of [true, false]) {
          const roc = rocCurve(scores, labels, drop);
          if (!roc) return;
          let area = 0;
          for (let k = 1; k < roc.fpr.length; k++)
            area += ((roc.fpr[k]! - roc.fpr[k - 1]!) * (roc.tpr[k]! + roc.tpr[k - 1]!)) / 2;
          expect(Math.abs(area - rocAuc(scores, labels))).toBeLessThan(1e-12);
          expect(roc.fpr[0]).toBe(0);
          expect(roc.fpr[roc.fpr.length - 1]).toBe(1);
          expect(roc.tpr[roc.tpr.length - 1]).toBe(1);
        }
      }),
    );
  });

  test('average precision lies in [0, 1] and the precision–recall curve ends at (recall 0, precision 1)', () => {
    fc.assert(
      fc.property(scored, ({ scores, labels }) => {
        const pr = precisionRecallCurve(scores, labels);
        if (!pr) return;
        expect(pr.recall[0]).toBe(1);
        expect(pr.recall[pr.recall.length - 1]).toBe(0);
        expect(pr.precision[pr.precision.length - 1]).toBe(1);
        const ap = averagePrecision(scores, labels);
        expect(ap).toBeGreaterThanOrEqual(0);
        expect(ap).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  test('downsampling keeps at most the limit, both ends, and only points of the curve, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 2,
          maxLength: 1500,
        }),
        fc.integer({ min: 2, max: 300 }),
        (points, max) => {
          const xs = points.map(([x]) => x);
          const ys = points.map(([, y]) => y);
          const kept = downsampleCurve(xs, ys, max);
          expect(kept.length).toBeLessThanOrEqual(Math.max(max, 2));
          expect(kept[0]).toBe(0);
          expect(kept[kept.length - 1]).toBe(points.length - 1);
          for (let k = 1; k < kept.length; k++) expect(kept[k]!).toBeGreaterThan(kept[k - 1]!);
          if (points.length <= max) expect(kept).toHaveLength(points.length);
        },
      ),
    );
  });

  test('summary quantiles are the sorted values interpolated at q·(n − 1)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (values) => {
          const sorted = sortFinite(Float64Array.from(values));
          const s = numericSummary(values.length, sorted);
          expect(s.p50).toBe(quantileSorted(sorted, 0.5));
          expect(s.min).toBeLessThanOrEqual(s.p5);
          expect(s.p5).toBeLessThanOrEqual(s.p25);
          expect(s.p75).toBeLessThanOrEqual(s.p95);
          expect(s.p95).toBeLessThanOrEqual(s.max);
        },
      ),
    );
  });
});
