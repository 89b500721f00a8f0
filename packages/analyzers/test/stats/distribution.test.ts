import fc from 'fast-check';
import { EMPTY_PROPORTION, hellingerDistance, jensenShannonDistance, psi } from '../../src/stats/distribution';
import { expectClose, golden, reportWorstErrors } from './drift-golden';

afterAll(reportWorstErrors);

describe('golden vectors (PSI by its definition in numpy; scipy jensenshannon; Hellinger via scipy euclidean)', () => {
  for (const c of golden.counts) {
    test(c.name, () => {
      expectClose('psi', psi(c.ref, c.cur), c.psi);
      expectClose('jensenShannonDistance', jensenShannonDistance(c.ref, c.cur), c.js);
      expectClose('hellingerDistance', hellingerDistance(c.ref, c.cur), c.hellinger);
    });
  }
});

test('an empty bin counts as 1e-4 of its side', () => {
  expect(EMPTY_PROPORTION).toBe(1e-4);
  // r = (0.5, 0.5, 0 → 1e-4), c = (0.5, 0.25, 0.25)
  const expected = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.25 - 1e-4) * Math.log(0.25 / 1e-4);
  expect(psi([1, 1, 0], [2, 1, 1])).toBeCloseTo(expected, 14);
});

test('bins empty on both sides contribute nothing', () => {
  expect(psi([1, 0, 3], [2, 0, 2])).toBe(psi([1, 3], [2, 2]));
  expect(jensenShannonDistance([1, 0, 3], [2, 0, 2])).toBe(jensenShannonDistance([1, 3], [2, 2]));
  expect(hellingerDistance([1, 0, 3], [2, 0, 2])).toBe(hellingerDistance([1, 3], [2, 2]));
});

test('disjoint supports reach the maxima: JS = √(ln 2), Hellinger = 1', () => {
  expect(jensenShannonDistance([3, 0], [0, 5])).toBeCloseTo(Math.sqrt(Math.LN2), 15);
  expect(hellingerDistance([3, 0], [0, 5])).toBe(1);
});

test('a side without counts gives NaN; mismatched bins and negative counts throw', () => {
  expect(psi([0, 0], [1, 2])).toBeNaN();
  expect(jensenShannonDistance([1, 2], [0, 0])).toBeNaN();
  expect(hellingerDistance([0, 0], [0, 0])).toBeNaN();
  expect(() => psi([1, 2], [1, 2, 3])).toThrow(expect.objectContaining({ code: 'VIGIL_INTERNAL' }));
  expect(() => hellingerDistance([1, -2], [1, 2])).toThrow(expect.objectContaining({ code: 'VIGIL_INTERNAL' }));
  expect(() => jensenShannonDistance([1, Number.NaN], [1, 2])).toThrow(
    expect.objectContaining({ code: 'VIGIL_INTERNAL' }),
  );
});

const counts = (length: number) => fc.array(fc.nat({ max: 1_000_000 }), { minLength: length, maxLength: length });
const pair = fc
  .integer({ min: 1, max: 30 })
  .chain((k) => fc.tuple(counts(k), counts(k)))
  .filter(([r, c]) => r.some((v) => v > 0) && c.some((v) => v > 0));

describe('properties', () => {
  test('PSI(x, x) = 0, and PSI of proportional counts is 0', () => {
    fc.assert(
      fc.property(pair, fc.integer({ min: 1, max: 7 }), ([r], factor) => {
        expect(psi(r, r)).toBe(0);
        expect(
          Math.abs(
            psi(
              r,
              r.map((v) => v * factor),
            ),
          ),
        ).toBeLessThanOrEqual(1e-12);
      }),
    );
  });

  test('PSI ≥ 0 and symmetric', () => {
    fc.assert(
      fc.property(pair, ([r, c]) => {
        const value = psi(r, c);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(psi(c, r)).toBeCloseTo(value, 9);
      }),
    );
  });

  test('JS is symmetric, in [0, √(ln 2)], and 0 on identical inputs', () => {
    fc.assert(
      fc.property(pair, ([r, c]) => {
        const value = jensenShannonDistance(r, c);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(Math.sqrt(Math.LN2) * (1 + 1e-15));
        expect(jensenShannonDistance(c, r)).toBe(value);
        expect(jensenShannonDistance(r, r)).toBe(0);
      }),
    );
  });

  test('Hellinger is symmetric, in [0, 1], 0 on identical inputs, and equals √(1 − Σ√(pq))', () => {
    fc.assert(
      fc.property(pair, ([r, c]) => {
        const value = hellingerDistance(r, c);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
        expect(hellingerDistance(c, r)).toBe(value);
        expect(hellingerDistance(r, r)).toBe(0);
        const rt = r.reduce((a, b) => a + b, 0);
        const ct = c.reduce((a, b) => a + b, 0);
        const bc = r.reduce((acc, v, k) => acc + Math.sqrt((v / rt) * (c[k]! / ct)), 0);
        // The textbook form loses half its digits to cancellation near 0, hence the absolute 1e-7.
        expect(Math.abs(value - Math.sqrt(Math.max(0, 1 - bc)))).toBeLessThanOrEqual(1e-7);
      }),
    );
  });

  test('invariant to the order of the bins (the same permutation on both sides)', () => {
    fc.assert(
      fc.property(pair, fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), ([r, c], keys) => {
        const order = r.map((_, k) => k).sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0) || a - b);
        const rp = order.map((k) => r[k]!);
        const cp = order.map((k) => c[k]!);
        expect(psi(rp, cp)).toBeCloseTo(psi(r, c), 9);
        expect(jensenShannonDistance(rp, cp)).toBeCloseTo(jensenShannonDistance(r, c), 12);
        expect(hellingerDistance(rp, cp)).toBeCloseTo(hellingerDistance(r, c), 12);
      }),
    );
  });
});
