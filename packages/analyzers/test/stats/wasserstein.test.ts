import fc from 'fast-check';
import { ksStatistic } from '../../src/stats/ks';
import { ksAndWasserstein1, wasserstein1 } from '../../src/stats/wasserstein';
import { expectClose, golden, reportWorstErrors, samplesOf, sorted } from './drift-golden';

afterAll(reportWorstErrors);

describe('golden vectors: scipy.stats.wasserstein_distance(u, v)', () => {
  for (const c of golden.samples) {
    test(`${c.name} (${c.n1} vs ${c.n2})`, () => {
      const u = sorted(samplesOf(c.ref));
      const v = sorted(samplesOf(c.cur));
      expectClose('wasserstein1', wasserstein1(u, v), c.wasserstein);
    });
  }
});

test('empty samples give NaN', () => {
  expect(wasserstein1(new Float64Array(0), new Float64Array([1, 2]))).toBeNaN();
});

test('a 1M-row pair is one linear pass', () => {
  const n = 1_000_000;
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = i / n;
    v[i] = i / n + 0.25;
  }
  wasserstein1(u.subarray(0, 10_000), v.subarray(0, 10_000)); // let V8 optimise first
  const start = process.hrtime.bigint();
  const w = wasserstein1(u, v);
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  expect(w).toBeCloseTo(0.25, 12);
  // ~10 ms on an idle core; loose because the cores are shared, it only catches a quadratic slip.
  expect(elapsedMs).toBeLessThan(3000);
});

const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -3, max: 3 }).map((v) => v / 4),
);
const sample = fc.array(value, { minLength: 1, maxLength: 60 });

describe('properties', () => {
  test('symmetric and ≥ 0, 0 on identical samples', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const u = sorted(Float64Array.from(a));
        const v = sorted(Float64Array.from(b));
        const w = wasserstein1(u, v);
        expect(w).toBeGreaterThanOrEqual(0);
        expect(wasserstein1(v, u)).toBe(w);
        expect(wasserstein1(u, u.slice())).toBe(0);
      }),
    );
  });

  test('translating one sample by c moves it by |c| from its copy', () => {
    fc.assert(
      fc.property(sample, fc.double({ min: -1e3, max: 1e3, noNaN: true }), (a, c) => {
        // Integers keep the shifted values exact, so the only rounding is in the sum.
        const u = sorted(Float64Array.from(a, (x) => Math.round(x)));
        const v = u.map((x) => x + Math.round(c));
        expect(wasserstein1(u, v)).toBeCloseTo(Math.abs(Math.round(c)), 6);
      }),
    );
  });

  test('translating both samples by c changes nothing', () => {
    fc.assert(
      fc.property(sample, sample, fc.integer({ min: -1000, max: 1000 }), (a, b, c) => {
        const u = sorted(Float64Array.from(a, (x) => Math.round(x)));
        const v = sorted(Float64Array.from(b, (x) => Math.round(x)));
        expect(
          wasserstein1(
            u.map((x) => x + c),
            v.map((x) => x + c),
          ),
        ).toBeCloseTo(wasserstein1(u, v), 6);
      }),
    );
  });

  test('does not depend on the order of rows before sorting', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const reversed = [...a].reverse();
        const v = sorted(Float64Array.from(b));
        expect(wasserstein1(sorted(Float64Array.from(reversed)), v)).toBe(
          wasserstein1(sorted(Float64Array.from(a)), v),
        );
      }),
    );
  });
});

describe('ksAndWasserstein1: both statistics from one merge pass', () => {
  test('equal to ksStatistic and wasserstein1 to the bit on the golden samples', () => {
    // The 1M-row case is left out: sorting it twice more made this test 40 s on a loaded machine.
    for (const c of golden.samples.filter((g) => g.n1 + g.n2 <= 500_000)) {
      const u = sorted(samplesOf(c.ref));
      const v = sorted(samplesOf(c.cur));
      const both = ksAndWasserstein1(u, v);
      expect({ name: c.name, ...both }).toEqual({
        name: c.name,
        ks: ksStatistic(u, v),
        wasserstein: wasserstein1(u, v),
      });
    }
  });

  test('equal to both to the bit on samples with ties within and across them, ±Infinity and empty sides', () => {
    const value = fc.oneof(
      fc.integer({ min: -4, max: 4 }),
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 60 }), fc.array(value, { maxLength: 60 }), (a, b) => {
        const u = Float64Array.from(a.map((x) => x + 0)).sort();
        const v = Float64Array.from(b.map((x) => x + 0)).sort();
        expect(ksAndWasserstein1(u, v)).toEqual({ ks: ksStatistic(u, v), wasserstein: wasserstein1(u, v) });
      }),
      { numRuns: 500 },
    );
  });

  test('a tie across the samples is not a step of the CDFs: identical samples have KS 0', () => {
    const u = Float64Array.from([1, 2, 2, 3]);
    expect(ksAndWasserstein1(u, u.slice())).toEqual({ ks: 0, wasserstein: 0 });
  });
});

/**
 * The merge pass as it was before it stepped over runs of ties (decision 0028), kept verbatim as the reference the
 * run-wise pass must equal to the bit: one step, one compensated add and one KS state check per element.
 */
function ksAndWasserstein1PerElement(
  sortedU: Float64Array,
  sortedV: Float64Array,
): { ks: number; wasserstein: number } {
  const nu = sortedU.length;
  const nv = sortedV.length;
  if (nu === 0 || nv === 0) return { ks: NaN, wasserstein: NaN };
  let i = 0;
  let j = 0;
  let sum = 0;
  let compensation = 0;
  let maxDifference = 0;
  let previous = Math.min(sortedU[0]!, sortedV[0]!);
  while (i < nu || j < nv) {
    const takeU = j === nv || (i < nu && sortedU[i]! <= sortedV[j]!);
    const x = takeU ? sortedU[i]! : sortedV[j]!;
    const difference = Math.abs(i * nv - j * nu);
    if (x > previous && difference > maxDifference) maxDifference = difference;
    const term = difference * (x - previous);
    const total = sum + term;
    compensation += sum >= term ? sum - total + term : term - total + sum;
    sum = total;
    previous = x;
    if (takeU) i++;
    else j++;
  }
  return { ks: maxDifference / (nu * nv), wasserstein: (sum + compensation) / (nu * nv) };
}

describe('ksAndWasserstein1 steps over runs of ties: the per-element merge to the bit', () => {
  test('on samples of few distinct values (long runs within and across the samples), ±Infinity, empty sides', () => {
    const value = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }).map((k) => k / 4) },
      { weight: 2, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e300) },
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.array(value, { maxLength: 200 }), (a, b) => {
        const u = Float64Array.from(a.map((x) => x + 0)).sort();
        const v = Float64Array.from(b.map((x) => x + 0)).sort();
        expect(ksAndWasserstein1(u, v)).toEqual(ksAndWasserstein1PerElement(u, v));
      }),
      { numRuns: 1000 },
    );
  });

  test('on rounded columns of thousands of values, as the wide reports have (4 decimals, counts)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom(1, 10, 1000, 100_000),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.integer(),
        (n1, n2, levels, shift, seed) => {
          let x = seed >>> 0;
          const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
          const column = (n: number, by: number): Float64Array =>
            Float64Array.from({ length: n }, () => Math.round((next() + next() - 1 + by) * levels) / levels).sort();
          const u = column(n1, 0);
          const v = column(n2, shift);
          expect(ksAndWasserstein1(u, v)).toEqual(ksAndWasserstein1PerElement(u, v));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('an infinity (one, or a run whose ties are ∞ − ∞, not 0) makes the sum NaN, as it did per element', () => {
    const finite = Float64Array.from([0, 1, 2]);
    const twoInfinities = ksAndWasserstein1(finite, Float64Array.from([1, Infinity, Infinity]));
    expect(twoInfinities.wasserstein).toBeNaN();
    expect(twoInfinities).toEqual(ksAndWasserstein1PerElement(finite, Float64Array.from([1, Infinity, Infinity])));
    const oneEach = [Float64Array.from([0, Infinity]), Float64Array.from([1, Infinity])] as const;
    expect(ksAndWasserstein1(...oneEach)).toEqual(ksAndWasserstein1PerElement(...oneEach));
    const one = ksAndWasserstein1(finite, Float64Array.from([1, 2, Infinity]));
    expect(one.wasserstein).toBeNaN();
    expect(one.ks).toBe(1 / 3);
    expect(one).toEqual(ksAndWasserstein1PerElement(finite, Float64Array.from([1, 2, Infinity])));
  });
});
