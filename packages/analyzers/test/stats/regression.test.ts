import fc from 'fast-check';
import { regressionMetrics } from '../../src/stats/regression';
import { expectClose, f64, golden, reportWorstErrors } from './outcome-golden';

afterAll(reportWorstErrors);

describe('golden vectors (scikit-learn mean_absolute_error, mean_squared_error; numpy mean for bias)', () => {
  for (const c of golden.regression) {
    test(c.name, () => {
      const m = regressionMetrics(f64(c.predictions), f64(c.labels));
      expect(m.n).toBe(c.expected.n);
      expectClose('mae', m.mae, c.expected.mae);
      expectClose('rmse', m.rmse, c.expected.rmse);
      expectClose('bias', m.bias, c.expected.bias);
    });
  }
});

test('unlabelled rows are skipped; no labelled row gives NaN metrics with n 0', () => {
  expect(regressionMetrics(Float64Array.of(3, 10), Float64Array.of(1, Number.NaN))).toEqual({
    mae: 2,
    rmse: 2,
    bias: 2,
    n: 1,
  });
  const none = regressionMetrics(Float64Array.of(3), Float64Array.of(Number.NaN));
  expect(none.n).toBe(0);
  expect(none.mae).toBeNaN();
});

test('property: |bias| ≤ mae ≤ rmse', () => {
  const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });
  fc.assert(
    fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 100 }), (r) => {
      const m = regressionMetrics(
        Float64Array.from(r, (x) => x[0]),
        Float64Array.from(r, (x) => x[1]),
      );
      const slack = 1e-9 * (m.rmse + 1);
      return Math.abs(m.bias) <= m.mae + slack && m.mae <= m.rmse + slack;
    }),
  );
});
