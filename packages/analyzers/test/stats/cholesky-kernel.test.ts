import fc from 'fast-check';
import { seededRandom } from '@vigil/core';
import { choleskySolve, choleskySolveInJs } from '../../src/stats/surrogate';

/**
 * A k × k correlation matrix GᵀG of `rows` random rows scaled to a unit diagonal: positive definite with rows ≥ k,
 * singular with fewer, and near-singular when `copies` columns are another's plus `noise`.
 */
function correlation(k: number, rows: number, copies: number, noise: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const g = Float64Array.from({ length: rows * k }, () => random() * 2 - 1);
  for (let c = 0; c < Math.min(copies, k - 1); c++) {
    const to = k - 1 - c;
    const from = Math.floor(random() * to);
    for (let r = 0; r < rows; r++) g[r * k + to] = g[r * k + from]! + noise * (random() - 0.5);
  }
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += g[r * k + i]! * g[r * k + j]!;
      m[i * k + j] = s;
    }
  return m.map((v, idx) => v / Math.sqrt(m[Math.floor(idx / k) * (k + 1)]! * m[(idx % k) * (k + 1)]!));
}

function sameBits(got: Float64Array | null, expected: Float64Array | null): void {
  if (expected === null) {
    expect(got).toBeNull();
    return;
  }
  expect(got).not.toBeNull();
  expect(got!.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    if (!Object.is(got![i], expected[i]))
      throw new Error(`x[${i}] = ${got![i]} where the TypeScript gives ${expected[i]}`);
}

describe("the surrogate's Cholesky factorisation in WebAssembly", () => {
  test('solves as the TypeScript does to the bit, null where it is null, k = 0 … 70, definite and near-singular', () => {
    let solved = 0;
    let collinear = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: -3, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(0, 1e-14, 1e-9, 1e-6, 1e-3),
        fc.boolean(),
        fc.integer(),
        (k, extraRows, copies, noise, ridge, seed) => {
          const a = correlation(k, Math.max(1, k + extraRows), copies, noise, seed);
          const random = seededRandom(seed ^ 0x5bd1e995);
          const b = Float64Array.from({ length: k }, () => random() - 0.5);
          const lambda = ridge ? 1e-9 : 0;
          const expected = choleskySolveInJs(a, b, k, lambda);
          sameBits(choleskySolve(a, b, k, lambda), expected);
          if (expected === null) collinear++;
          else solved++;
        },
      ),
      { numRuns: 200 },
    );
    // Both outcomes were compared many times.
    expect(solved).toBeGreaterThan(40);
    expect(collinear).toBeGreaterThan(10);
  });

  test('a matrix with -0, NaN and exact zeros off the diagonal: the same doubles or the same null', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer(), (k, seed) => {
        const a = correlation(k, k + 4, 0, 0, seed);
        const random = seededRandom(seed);
        for (let t = 0; t < 3; t++) {
          const i = Math.floor(random() * k);
          const j = Math.floor(random() * k);
          if (i === j) continue;
          const v = [-0, 0, Number.NaN][t]!;
          a[i * k + j] = v;
          a[j * k + i] = v;
        }
        const b = Float64Array.from({ length: k }, () => random() - 0.5);
        sameBits(choleskySolve(a, b, k, 0), choleskySolveInJs(a, b, k, 0));
      }),
      { numRuns: 100 },
    );
  });

  test('300 columns, as a wide surrogate solves them: every coefficient to the bit', () => {
    const k = 300;
    const a = correlation(k, 400, 0, 0, 7);
    const b = Float64Array.from({ length: k }, (_, i) => Math.sin(i));
    const expected = choleskySolveInJs(a, b, k, 0);
    expect(expected).not.toBeNull();
    sameBits(choleskySolve(a, b, k, 0), expected);
  });
});
