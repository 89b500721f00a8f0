import fc from 'fast-check';
import { seededRandom } from '@vigil/core';
import {
  surrogatePermutationImportanceColumns,
  surrogatePermutationImportanceColumnsInJs,
  type SurrogateDesign,
  type SurrogateFeature,
  type SurrogateFit,
} from '../../src/stats/surrogate';

/** Values that show a different arithmetic, put at a few places of x or y: NaN, ±Infinity, −0, huge, any double. */
const special = fc.oneof(fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1e300, -1e-300), fc.double());

/**
 * A design of numeric (one column) and categorical (one to three columns) features; the fit's coefficients and the
 * columns are drawn from `values` (magnitudes far apart, some zeros), with a few special values put in x or y.
 */
const problem = fc.record({
  kinds: fc.array(
    fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    { minLength: 1, maxLength: 7 },
  ),
  n: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 300 })),
  repeats: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  values: fc.integer(),
  specials: fc.array(fc.tuple(fc.boolean(), fc.nat(), special), { maxLength: 3 }),
});

function drawn(values: number): () => number {
  const random = seededRandom(values);
  return () => (random() < 0.05 ? 0 : (random() * 2 - 1) * 10 ** Math.floor(random() * 8 - 3));
}

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
    let numeric = 0;
    fc.assert(
      fc.property(problem, ({ kinds, n, repeats, seed, values, specials }) => {
        const design = designOf(kinds);
        const p = design.columns.length;
        const next = drawn(values);
        const coefficients = Array.from({ length: p }, next);
        const fit: SurrogateFit = { n, intercept: next(), coefficients, importances: [], r2: 0, ridge: false };
        const x = Float64Array.from({ length: p * n }, next);
        const ys = Float64Array.from({ length: n }, next);
        for (const [inY, at, v] of specials) {
          const into = inY ? ys : x;
          if (into.length > 0) into[at % into.length] = v;
        }
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
        for (const [i, g] of got.entries())
          if (design.features[i]!.kind === 'numeric' && Number.isFinite(g.importance) && g.importance !== 0) numeric++;
      }),
      { numRuns: 300 },
    );
    // Most numeric features' importances are finite and not 0: a wrong shuffle or sum would show in them.
    expect(numeric).toBeGreaterThan(150);
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
    const fit: SurrogateFit = {
      n,
      intercept: 0.1,
      coefficients: [1, -2, 0.5, 3],
      importances: [],
      r2: 0,
      ridge: false,
    };
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
