import fc from 'fast-check';
import {
  kolmogorov,
  kolmogorovSmirnovSf,
  ksTwoSampleExactSf,
  logGamma,
  regularizedGammaP,
  regularizedGammaQ,
  smirnov,
  smirnovEveryTerm,
} from '../../src/stats/special-functions';
import { expectClose, golden, reportWorstErrors } from './drift-golden';

afterAll(reportWorstErrors);

describe('golden vectors: scipy.special and scipy.stats.kstwo', () => {
  test('kolmogorov = scipy.special.kolmogorov', () => {
    for (const c of golden.special.kolmogorov) expectClose('kolmogorov', kolmogorov(c.x), c.sf, { abs: 0 });
  });
  test('smirnov = scipy.special.smirnov', () => {
    for (const c of golden.special.smirnov) expectClose('smirnov', smirnov(c.n, c.x), c.sf, { abs: 0 });
  });
  test('kolmogorovSmirnovSf = scipy.stats.kstwo.sf', () => {
    for (const c of golden.special.kstwo) {
      expectClose('kolmogorovSmirnovSf', kolmogorovSmirnovSf(c.n, c.x), c.sf, { abs: 0 });
    }
  });
  test('regularized incomplete gamma = scipy.special.gammaincc / gammainc', () => {
    for (const c of golden.special.gammaincc) {
      expectClose('regularizedGammaQ', regularizedGammaQ(c.a, c.x), c.q, { abs: 0 });
      expectClose('regularizedGammaP', regularizedGammaP(c.a, c.x), c.p, { abs: 0 });
    }
  });
  test('logGamma = scipy.special.gammaln (absolute: it is used inside exp)', () => {
    for (const c of golden.special.gammaln) expectClose('logGamma', logGamma(c.x), c.value, { rel: 1e-13, abs: 1e-13 });
  });
});

test('the exact two-sample distribution is a distribution: P(D ≥ 0) = 1, P(D ≥ 1) = 2/C(m+n, n)', () => {
  expect(ksTwoSampleExactSf(4, 6, 0)).toBe(1);
  // D = 1 only for the two paths that separate the samples completely.
  expectClose('ksTwoSampleExactSf', ksTwoSampleExactSf(4, 6, 12), 2 / 210, { abs: 0 });
  expectClose('ksTwoSampleExactSf', ksTwoSampleExactSf(5, 5, 5), 2 / 252, { abs: 0 });
});

test('the exact two-sample distribution matches brute-force path counting', () => {
  // Enumerate all C(m+n, m) orderings of m reference and n current values for a few small m, n.
  for (const [m, n] of [
    [3, 4],
    [4, 6],
    [5, 5],
    [2, 7],
  ] as const) {
    const g = gcd(m, n);
    const lcm = (m / g) * n;
    const counts = new Map<number, number>();
    let total = 0;
    const walk = (i: number, j: number, max: number): void => {
      const diff = Math.abs(i * n - j * m) / g; // D·lcm at (i, j)
      const best = Math.max(max, diff);
      if (i === m && j === n) {
        counts.set(best, (counts.get(best) ?? 0) + 1);
        total++;
        return;
      }
      if (i < m) walk(i + 1, j, best);
      if (j < n) walk(i, j + 1, best);
    };
    walk(0, 0, 0);
    for (let h = 1; h <= lcm; h++) {
      let atLeast = 0;
      for (const [d, count] of counts) if (d >= h) atLeast += count;
      expectClose('ksTwoSampleExactSf (brute force)', ksTwoSampleExactSf(m, n, h), atLeast / total, { abs: 1e-15 });
    }
  }
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

describe('properties', () => {
  test('P + Q = 1 for the incomplete gamma ratios', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 1e5, noNaN: true }),
        fc.double({ min: 0, max: 2e5, noNaN: true }),
        (a, x) => {
          expect(Math.abs(regularizedGammaP(a, x) + regularizedGammaQ(a, x) - 1)).toBeLessThanOrEqual(1e-12);
        },
      ),
    );
  });

  test('kstwo sf is in [0, 1] and non-increasing in d', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, d1, d2) => {
          const [low, high] = d1 <= d2 ? [d1, d2] : [d2, d1];
          const pLow = kolmogorovSmirnovSf(n, low);
          const pHigh = kolmogorovSmirnovSf(n, high);
          expect(pLow).toBeGreaterThanOrEqual(0);
          expect(pLow).toBeLessThanOrEqual(1);
          expect(pHigh).toBeLessThanOrEqual(pLow * (1 + 1e-6) + 1e-15);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('smirnov sums every h-th term where that is the full sum to rounding', () => {
  test('equals the term-by-term series over n = 100 … 100,003 and the whole smirnov region of kstwo', () => {
    let compared = 0;
    for (const n of [100, 141, 500, 1_000, 2_999, 6_000, 15_000, 40_000, 100_003]) {
      for (let t = 0; t <= 20; t++) {
        // n·x² from 2.2 to 370: where kstwo.sf takes 2·smirnov for n > 140.
        const x0 = Math.sqrt((2.2 * (370 / 2.2) ** (t / 20)) / n);
        // Also n·x an integer (a zero last term) and a half-integer.
        for (const x of [x0, Math.round(x0 * n) / n, (Math.floor(x0 * n) + 0.5) / n]) {
          if (!(x > 0 && x < 1)) continue;
          const expected = smirnovEveryTerm(n, x);
          if (expected < 1e-280) continue;
          expectClose('smirnov (sampled) vs every term', smirnov(n, x), expected, { rel: 1e-12, abs: 0 });
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(400);
  });
});
