import fc from 'fast-check';
import { chi2Contingency, chi2Survival } from '../../src/stats/chi2';
import { expectClose, golden, reportWorstErrors } from './drift-golden';

afterAll(reportWorstErrors);

describe('golden vectors: scipy.stats.chi2_contingency(table, correction=False), all-zero columns dropped', () => {
  for (const c of golden.counts) {
    test(c.name, () => {
      const result = chi2Contingency(c.ref, c.cur);
      expect(result.dof).toBe(c.chi2.dof);
      expectClose('chi2Contingency statistic', result.statistic, c.chi2.statistic);
      expectClose('chi2Contingency pValue', result.pValue, c.chi2.pValue, { abs: 0 });
    });
  }
});

describe('golden vectors: scipy.stats.chi2.sf(x, dof)', () => {
  for (const c of golden.chi2Survival) {
    test(`x=${c.x} dof=${c.dof}`, () => {
      expectClose('chi2Survival', chi2Survival(c.x, c.dof), c.p, { abs: 0 });
    });
  }
});

test('nothing to test: fewer than 2 categories, or a sample without counts', () => {
  expect(chi2Contingency([5], [7])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
  expect(chi2Contingency([0, 5, 0], [0, 7, 0])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
  expect(chi2Contingency([], [])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
  expect(chi2Contingency([3, 4], [0, 0])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
});

test('chi2Survival edges', () => {
  expect(chi2Survival(0, 3)).toBe(1);
  expect(chi2Survival(-1, 3)).toBe(1);
  expect(chi2Survival(Infinity, 3)).toBe(0);
  expect(chi2Survival(1, 0)).toBeNaN();
  expect(chi2Survival(Number.NaN, 2)).toBeNaN();
  // dof = 2 is the exponential distribution: sf = e^(−x/2).
  expectClose('chi2Survival (closed form)', chi2Survival(3, 2), Math.exp(-1.5), { rel: 1e-13, abs: 0 });
});

const counts = (length: number) => fc.array(fc.nat({ max: 100_000 }), { minLength: length, maxLength: length });

describe('properties', () => {
  test('p-values are in [0, 1], the statistic ≥ 0, dof = non-empty categories − 1', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }).chain((k) => fc.tuple(counts(k), counts(k))),
        ([r, c]) => {
          const { statistic, pValue, dof } = chi2Contingency(r, c);
          expect(statistic).toBeGreaterThanOrEqual(0);
          expect(pValue).toBeGreaterThanOrEqual(0);
          expect(pValue).toBeLessThanOrEqual(1);
          const nonEmpty = r.filter((v, k) => v + c[k]! > 0).length;
          const bothSides = r.some((v) => v > 0) && c.some((v) => v > 0);
          expect(dof).toBe(nonEmpty >= 2 && bothSides ? nonEmpty - 1 : 0);
        },
      ),
    );
  });

  test('symmetric in the two samples', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 25 }).chain((k) => fc.tuple(counts(k), counts(k))),
        ([r, c]) => {
          const a = chi2Contingency(r, c);
          const b = chi2Contingency(c, r);
          expect(b.dof).toBe(a.dof);
          expect(b.statistic).toBeCloseTo(a.statistic, 8);
        },
      ),
    );
  });

  test('chi2Survival is in [0, 1] and decreasing in x', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.double({ min: 0.1, max: 1e4, noNaN: true }),
        (x1, x2, dof) => {
          const [low, high] = x1 <= x2 ? [x1, x2] : [x2, x1];
          const pLow = chi2Survival(low, dof);
          const pHigh = chi2Survival(high, dof);
          expect(pLow).toBeGreaterThanOrEqual(0);
          expect(pLow).toBeLessThanOrEqual(1);
          expect(pHigh).toBeLessThanOrEqual(pLow * (1 + 1e-12));
        },
      ),
    );
  });
});
