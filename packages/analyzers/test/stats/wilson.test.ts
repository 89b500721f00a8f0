import fc from 'fast-check';
import { wilsonInterval, Z_95 } from '../../src/stats/wilson';
import { expectClose, golden, reportWorstErrors } from './outcome-golden';

afterAll(reportWorstErrors);

test('z is scipy norm.isf(0.025), as statsmodels uses', () => {
  expect(Z_95).toBe(golden.z95);
});

describe('golden vectors (statsmodels proportion_confint method="wilson", its formula in numpy)', () => {
  for (const c of golden.wilson) {
    test(`${c.successes} of ${c.n}`, () => {
      const [low, high] = wilsonInterval(c.successes, c.n);
      expectClose('wilson lower', low, c.expected[0]);
      expectClose('wilson upper', high, c.expected[1]);
    });
  }
});

test('no trials: [0, 1]', () => {
  expect(wilsonInterval(0, 0)).toEqual([0, 1]);
});

test('property: the interval lies in [0, 1] and contains the point estimate', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10_000_000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
      ([k, n]) => {
        const [low, high] = wilsonInterval(k, n);
        return 0 <= low && low <= k / n && k / n <= high && high <= 1;
      },
    ),
  );
});
