import fc from 'fast-check';
import { benjaminiHochberg } from '../../src/stats/multiple-testing';
import { expectClose, golden, reportWorstErrors } from './drift-golden';

afterAll(reportWorstErrors);

describe("golden vectors: statsmodels multipletests(method='fdr_bh'), its algorithm in numpy", () => {
  for (const c of golden.benjaminiHochberg) {
    test(c.name, () => {
      const { adjusted, rejected } = benjaminiHochberg(c.pValues, c.fdr);
      adjusted.forEach((a, k) => expectClose('benjaminiHochberg adjusted', a, c.adjusted[k]!, { abs: 0 }));
      expect(rejected).toEqual(c.rejected);
    });
  }
});

test('no p-values, no decisions', () => {
  expect(benjaminiHochberg([], 0.05)).toEqual({ adjusted: [], rejected: [] });
});

test('NaN p-values are left out of the family', () => {
  const { adjusted, rejected } = benjaminiHochberg([0.01, Number.NaN, 0.04], 0.05);
  expect(adjusted[1]).toBeNaN();
  expect(rejected).toEqual([true, false, true]);
  expect(adjusted[0]).toBeCloseTo(0.02, 15); // 0.01 · 2/1 with m = 2, not 3
  expect(adjusted[2]).toBeCloseTo(0.04, 15);
});

const pValues = fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.01, 1)), {
  maxLength: 50,
});

describe('properties', () => {
  test('adjusted values are in [p, 1] and keep the order of the p-values', () => {
    fc.assert(
      fc.property(pValues, (ps) => {
        const { adjusted } = benjaminiHochberg(ps, 0.05);
        ps.forEach((p, k) => {
          expect(adjusted[k]!).toBeGreaterThanOrEqual(p);
          expect(adjusted[k]!).toBeLessThanOrEqual(1);
        });
        for (let a = 0; a < ps.length; a++) {
          for (let b = 0; b < ps.length; b++) {
            if (ps[a]! <= ps[b]!) expect(adjusted[a]!).toBeLessThanOrEqual(adjusted[b]!);
          }
        }
      }),
    );
  });

  test('rejections follow the step-up rule: the k smallest, k the largest i with p₍ᵢ₎ ≤ i·q/m', () => {
    fc.assert(
      fc.property(pValues, fc.double({ min: 0.001, max: 0.5, noNaN: true }), (ps, q) => {
        const { rejected } = benjaminiHochberg(ps, q);
        const m = ps.length;
        const sortedPs = [...ps].sort((a, b) => a - b);
        let k = 0;
        sortedPs.forEach((p, i) => {
          if (p <= ((i + 1) * q) / m) k = i + 1;
        });
        // Compare away from the threshold, where p·m/i and i·q/m round differently.
        const threshold = k > 0 ? sortedPs[k - 1]! : -1;
        ps.forEach((p, idx) => {
          const nearEdge = sortedPs.some((s, i) => Math.abs(s * m - (i + 1) * q) <= 1e-12);
          if (!nearEdge) expect(rejected[idx]).toBe(p <= threshold);
        });
      }),
    );
  });

  test('invariant to the order of the tests', () => {
    fc.assert(
      fc.property(pValues, (ps) => {
        const forward = benjaminiHochberg(ps, 0.05);
        const backward = benjaminiHochberg([...ps].reverse(), 0.05);
        expect([...backward.adjusted].reverse()).toEqual(forward.adjusted);
      }),
    );
  });
});
