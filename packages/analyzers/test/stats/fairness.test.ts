import fc from 'fast-check';
import type { GroupRates } from '../../src/report/report-types';
import {
  addGroupCounts,
  addGroupRow,
  countGroups,
  emptyGroupCounts,
  fairnessDifferences,
  groupRates,
  type GroupCounts,
} from '../../src/stats/fairness';
import { expectClose, f64, golden, reportWorstErrors } from './outcome-golden';

afterAll(reportWorstErrors);

type Interval = [number, number] | null;

function expectInterval(metric: string, actual: Interval, expected: Interval): void {
  if (expected === null || actual === null) {
    expect(actual).toBe(expected);
    return;
  }
  expectClose(metric, actual[0], expected[0]);
  expectClose(metric, actual[1], expected[1]);
}

describe('golden vectors (fairlearn MetricFrame and difference functions, numpy ECE and Wilson)', () => {
  for (const c of golden.fairness) {
    test(`${c.name}: ${c.note}`, () => {
      const counts = countGroups(c.groups, f64(c.predictions), f64(c.labels), f64(c.scores));
      const rates = c.expected.groups.map((want) => {
        const got = groupRates(want.group, counts.get(want.group)!, c.minGroupSize);
        expect(got.group).toBe(want.group);
        expect([got.n, got.labelled, got.sufficient, got.sufficientLabelled]).toEqual([
          want.n,
          want.labelled,
          want.sufficient,
          want.sufficientLabelled,
        ]);
        expectClose('selectionRate', got.selectionRate, want.selectionRate);
        expectClose('tpr', got.tpr, want.tpr);
        expectClose('fpr', got.fpr, want.fpr);
        expectClose('fnr', got.fnr, want.fnr);
        expectClose('ppv', got.ppv, want.ppv);
        expectClose('group ece', got.ece, want.ece);
        expectInterval('ci', got.ciSelectionRate, want.ciSelectionRate);
        expectInterval('ci', got.ciTpr, want.ciTpr);
        expectInterval('ci', got.ciFpr, want.ciFpr);
        expectInterval('ci', got.ciFnr, want.ciFnr);
        expectInterval('ci', got.ciPpv, want.ciPpv);
        return got;
      });
      const d = fairnessDifferences(rates);
      expectClose('statisticalParityDifference', d.statisticalParityDifference, c.expected.statisticalParityDifference);
      expectClose('disparateImpactRatio', d.disparateImpactRatio, c.expected.disparateImpactRatio);
      expectClose('equalOpportunityDifference', d.equalOpportunityDifference, c.expected.equalOpportunityDifference);
      expectClose('equalizedOddsDifference', d.equalizedOddsDifference, c.expected.equalizedOddsDifference);
      expectClose('predictiveParityDifference', d.predictiveParityDifference, c.expected.predictiveParityDifference);
    });
  }
});

function countsOf(rows: readonly [number, number, number][]): GroupCounts {
  const counts = emptyGroupCounts();
  for (const [prediction, label, score] of rows) addGroupRow(counts, prediction, label, score);
  return counts;
}

describe('edge cases', () => {
  test('zero denominators give null rates and intervals', () => {
    // Two labelled negatives, both predicted negative, and one unlabelled positive prediction.
    const r = groupRates(
      'g',
      countsOf([
        [0, 0, 0.2],
        [0, 0, 0.3],
        [1, Number.NaN, 0.9],
      ]),
      2,
    );
    expect(r).toMatchObject({ n: 3, labelled: 2, tpr: null, fnr: null, ppv: null, ciTpr: null, ciPpv: null, fpr: 0 });
    expect(r.selectionRate).toBeCloseTo(1 / 3, 15);
    expect(r.ece).toBeCloseTo(0.25, 15);
    expect(r.sufficient && r.sufficientLabelled).toBe(true);
  });

  test('a group without labels has no ECE; a NaN prediction is not a row', () => {
    const r = groupRates(
      'g',
      countsOf([
        [1, Number.NaN, 0.9],
        [Number.NaN, 1, 0.5],
      ]),
      30,
    );
    expect(r).toMatchObject({ n: 1, labelled: 0, ece: null, sufficient: false, sufficientLabelled: false });
  });

  test('differences need two sufficient groups; the ratio needs a positive selection rate', () => {
    const a = groupRates(
      'a',
      countsOf([
        [0, 1, 0.1],
        [0, 0, 0.2],
      ]),
      2,
    );
    const b = groupRates(
      'b',
      countsOf([
        [0, 0, 0.1],
        [0, 1, 0.2],
      ]),
      2,
    );
    const small = groupRates('c', countsOf([[1, 1, 0.9]]), 2);
    expect(fairnessDifferences([a, small])).toEqual({
      statisticalParityDifference: null,
      disparateImpactRatio: null,
      equalOpportunityDifference: null,
      equalizedOddsDifference: null,
      predictiveParityDifference: null,
    });
    const d = fairnessDifferences([a, b, small]);
    expect(d.statisticalParityDifference).toBe(0);
    expect(d.disparateImpactRatio).toBeNull();
    expect(d.equalOpportunityDifference).toBe(0);
    expect(d.predictiveParityDifference).toBeNull(); // nobody predicted positive: ppv undefined everywhere
  });

  test('counts with different bin counts cannot be added', () => {
    expect(() => addGroupCounts(emptyGroupCounts(10), emptyGroupCounts(5))).toThrow(RangeError);
  });
});

const row = fc.tuple(
  fc.constantFrom(0, 1, 1, Number.NaN),
  fc.constantFrom(0, 1, Number.NaN),
  fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(Number.NaN)),
);
const groupName = fc.constantFrom('a', 'b', 'c', 'd');
const rows = fc.array(fc.tuple(groupName, row), { maxLength: 200 });

function countAll(r: readonly [string, [number, number, number]][]): Map<string, GroupCounts> {
  return countGroups(
    r.map((x) => x[0]),
    Float64Array.from(r, (x) => x[1][0]),
    Float64Array.from(r, (x) => x[1][1]),
    Float64Array.from(r, (x) => x[1][2]),
  );
}

function ratesOf(counts: Map<string, GroupCounts>, minGroupSize: number): GroupRates[] {
  return [...counts].map(([g, c]) => groupRates(g, c, minGroupSize));
}

describe('properties', () => {
  test('group counts are additive: counts of a concatenation = sum of the counts of its parts', () => {
    fc.assert(
      fc.property(rows, rows, (r1, r2) => {
        const whole = countAll([...r1, ...r2]);
        const sum = countAll(r1);
        for (const [g, c] of countAll(r2)) {
          const into = sum.get(g);
          if (into === undefined) sum.set(g, addGroupCounts(emptyGroupCounts(), c));
          else addGroupCounts(into, c);
        }
        expect([...sum.keys()].sort()).toEqual([...whole.keys()].sort());
        for (const [g, c] of whole) {
          const s = sum.get(g)!;
          expect([s.n, s.predictedPositive, s.tp, s.fp, s.tn, s.fn]).toEqual([
            c.n,
            c.predictedPositive,
            c.tp,
            c.fp,
            c.tn,
            c.fn,
          ]);
          c.calibration.forEach((bin, b) => {
            expect(s.calibration[b]!.count).toBe(bin.count);
            expect(s.calibration[b]!.sumLabel).toBe(bin.sumLabel);
            expect(s.calibration[b]!.sumScore).toBeCloseTo(bin.sumScore, 9);
          });
        }
      }),
    );
  });

  test('differences are ≥ 0, the ratio is in [0, 1], rates and intervals in [0, 1]', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 0, max: 20 }), (r, minGroupSize) => {
        const rates = ratesOf(countAll(r), minGroupSize);
        const d = fairnessDifferences(rates);
        for (const key of [
          'statisticalParityDifference',
          'equalOpportunityDifference',
          'equalizedOddsDifference',
          'predictiveParityDifference',
        ] as const) {
          const v = d[key];
          if (v !== null && !(v >= 0 && v <= 1)) return false;
        }
        if (d.disparateImpactRatio !== null && !(d.disparateImpactRatio >= 0 && d.disparateImpactRatio <= 1))
          return false;
        for (const g of rates) {
          for (const [rate, ci] of [
            [g.selectionRate, g.ciSelectionRate],
            [g.tpr, g.ciTpr],
            [g.fpr, g.ciFpr],
            [g.fnr, g.ciFnr],
            [g.ppv, g.ciPpv],
          ] as const) {
            if (rate === null) {
              if (ci !== null) return false;
              continue;
            }
            if (Number.isNaN(rate)) continue; // selection rate of a group whose rows all lack a prediction
            if (ci === null || !(ci[0] >= 0 && ci[0] <= rate && rate <= ci[1] && ci[1] <= 1)) return false;
          }
        }
        return true;
      }),
    );
  });

  test('group rates do not depend on row order', () => {
    fc.assert(
      fc.property(
        rows.chain((r) => fc.tuple(fc.constant(r), fc.shuffledSubarray(r, { minLength: r.length }))),
        ([r, p]) => {
          const a = new Map(ratesOf(countAll(r), 5).map((g) => [g.group, g]));
          for (const g of ratesOf(countAll(p), 5)) {
            const { ece, ...rest } = g;
            const { ece: ece0, ...rest0 } = a.get(g.group)!;
            expect(rest).toEqual(rest0);
            if (ece === null) expect(ece0).toBeNull();
            else expect(ece).toBeCloseTo(ece0!, 12);
          }
        },
      ),
    );
  });
});
