import fc from 'fast-check';
import { seededRandom } from '@vigil/core';
import {
  surrogatePermutationImportanceColumns,
  surrogatePermutationImportanceColumnsInJs,
  type SurrogateDesign,
  type SurrogateFeature,
  type SurrogateFit,
} from '../../src/stats/surrogate';

/** Doubles with the values that show a different arithmetic: NaN, ±Infinity, −0, 0, huge and tiny magnitudes. */
const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1e300, -1e-300) },
);

/** A design of numeric (one column) and categorical (one to three columns) features, its fit and its columns. */
const problem = fc
  .record({
    kinds: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 7 }),
    n: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 300 })),
    repeats: fc.integer({ min: 1, max: 6 }),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    intercept: value,
  })
  .chain(({ kinds, n, repeats, seed, intercept }) => {
    const p = kinds.reduce((s, k) => s + Math.max(1, k), 0);
    return fc.record({
      kinds: fc.constant(kinds),
      n: fc.constant(n),
      repeats: fc.constant(repeats),
      seed: fc.constant(seed),
      intercept: fc.constant(intercept),
      coefficients: fc.array(value, { minLength: p, maxLength: p }),
      xt: fc.array(value, { minLength: p * n, maxLength: p * n }),
      y: fc.array(value, { minLength: n, maxLength: n }),
    });
  });

function designOf(kinds: readonly number[]): SurrogateDesign {
  const features: SurrogateFeature[] = [];
  const columns: string[] = [];
  const offsets: number[] = [];
  kinds.forEach((k, f) => {
    offsets.push(columns.length);
    if (k === 0) {
      features.push({ name: `n${f}`, kind: 'numeric', mean: 0, scale: 1 });
      columns.push(`n${f}`);
    } else {
      const indicators = Array.from({ length: k }, (_, c) => `c${c}`);
      features.push({ name: `c${f}`, kind: 'categorical', baseline: 'b', indicators });
      for (const i of indicators) columns.push(`c${f}=${i}`);
    }
  });
  return { target: 'identity', features, columns, offsets };
}

describe("the surrogate's permutation importance in WebAssembly (numeric features)", () => {
  test('every importance is the TypeScript one to the bit, and the generator is left in the same state', () => {
    fc.assert(
      fc.property(problem, ({ kinds, n, repeats, seed, intercept, coefficients, xt, y }) => {
        const design = designOf(kinds);
        const fit: SurrogateFit = { n, intercept, coefficients, importances: [], r2: 0, ridge: false };
        const x = Float64Array.from(xt);
        const ys = Float64Array.from(y);
        const inJs = seededRandom(seed);
        const inWasm = seededRandom(seed);
        const expected = surrogatePermutationImportanceColumnsInJs(fit, design, x, ys, inJs, repeats);
        const got = surrogatePermutationImportanceColumns(fit, design, x, ys, inWasm, repeats);
        expect(got.map((g) => g.feature)).toEqual(expected.map((e) => e.feature));
        got.forEach((g, i) => {
          if (!Object.is(g.importance, expected[i]!.importance))
            throw new Error(`feature ${i}: ${g.importance} where the TypeScript gives ${expected[i]!.importance}`);
        });
        expect(inWasm.getState()).toBe(inJs.getState());
        expect(inWasm()).toBe(inJs());
      }),
      { numRuns: 300 },
    );
  });

  test('7,300 rows of 40 numeric features, five repeats, as a wide report runs it: the same doubles', () => {
    const n = 7300;
    const kinds = Array.from({ length: 40 }, (_, f) => (f % 9 === 4 ? 3 : 0));
    const design = designOf(kinds);
    const p = design.columns.length;
    const random = seededRandom(5);
    const xt = Float64Array.from({ length: p * n }, () => random() * 4 - 2);
    const y = Float64Array.from({ length: n }, () => random() - 0.5);
    const coefficients = Array.from({ length: p }, () => random() - 0.5);
    const fit: SurrogateFit = { n, intercept: 0.25, coefficients, importances: [], r2: 0, ridge: false };
    const expected = surrogatePermutationImportanceColumnsInJs(fit, design, xt, y, seededRandom(9), 5);
    const got = surrogatePermutationImportanceColumns(fit, design, xt, y, seededRandom(9), 5);
    expect(got.map((g) => g.importance)).toEqual(expected.map((e) => e.importance));
    expect(got.every((g) => Number.isFinite(g.importance) && g.importance !== 0)).toBe(true);
  });

  test('a generator that is not a SeededRandom takes the TypeScript: the same importances as its draws give', () => {
    const design = designOf([0, 2, 0]);
    const n = 50;
    const random = seededRandom(17);
    const xt = Float64Array.from({ length: 4 * n }, () => random());
    const y = Float64Array.from({ length: n }, () => random());
    const fit: SurrogateFit = { n, intercept: 0.1, coefficients: [1, -2, 0.5, 3], importances: [], r2: 0, ridge: false };
    const calls = seededRandom(23);
    let drawn = 0;
    const plain = (): number => {
      drawn++;
      return calls();
    };
    const got = surrogatePermutationImportanceColumns(fit, design, xt, y, plain, 3);
    // Every shuffle drawn through the function: three repeats of n − 1 draws for each of the three features.
    expect(drawn).toBe(3 * 3 * (n - 1));
    const expected = surrogatePermutationImportanceColumnsInJs(fit, design, xt, y, seededRandom(23), 3);
    expect(got.map((g) => g.importance)).toEqual(expected.map((e) => e.importance));
  });
});
