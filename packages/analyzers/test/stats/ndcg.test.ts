import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { attributionNdcg, rankFeatures } from '../../src/stats/ndcg';

interface AttributionCase {
  name: string;
  note: string;
  reference: Record<string, number>;
  current: Record<string, number>;
  k: number | null;
  expected: { ndcg: number | null };
  sklearnNdcg: number | null;
  currentHasTies: boolean;
}

const golden = JSON.parse(readFileSync(join(__dirname, '../golden/attribution.json'), 'utf8')) as {
  cases: AttributionCase[];
};

describe('golden vectors (Clarify NDCG written out in Python, scripts/golden/attribution_vectors.py)', () => {
  for (const c of golden.cases) {
    test(`${c.name}: ${c.note}`, () => {
      const ndcg = attributionNdcg(c.reference, c.current, c.k ?? undefined);
      if (c.expected.ndcg === null) expect(ndcg).toBeNull();
      else expect(Math.abs(ndcg! - c.expected.ndcg)).toBeLessThanOrEqual(1e-12);
    });
  }
  test('the vectors include tie-free cases checked against sklearn ndcg_score and tied cases where it differs', () => {
    const tieFree = golden.cases.filter((c) => !c.currentHasTies && c.sklearnNdcg !== null && c.expected.ndcg !== null);
    expect(tieFree.length).toBeGreaterThan(20);
    for (const c of tieFree) expect(Math.abs(c.sklearnNdcg! - c.expected.ndcg!)).toBeLessThanOrEqual(1e-12);
    expect(
      golden.cases.some(
        (c) => c.currentHasTies && c.sklearnNdcg !== null && Math.abs(c.sklearnNdcg - c.expected.ndcg!) > 1e-3,
      ),
    ).toBe(true);
  });
});

test('rankFeatures: descending, ties by name whatever the insertion order', () => {
  expect(rankFeatures({ b: 1, a: 1, c: 2 })).toEqual(['c', 'a', 'b']);
  expect(rankFeatures({ c: 2, a: 1, b: 1 })).toEqual(['c', 'a', 'b']);
});

test('bad k and bad importances are refused', () => {
  expect(() => attributionNdcg({ a: 1 }, { a: 1 }, 0)).toThrow(RangeError);
  expect(() => attributionNdcg({ a: 1 }, { a: 1 }, 1.5)).toThrow(RangeError);
  expect(() => attributionNdcg({ a: -1 }, { a: 1 })).toThrow(/reference importance of "a"/);
  expect(() => attributionNdcg({ a: 1 }, { a: Number.NaN })).toThrow(/current importance of "a"/);
});

const importances = fc.dictionary(
  fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
  fc.double({ min: 0, max: 100, noNaN: true }),
  { minKeys: 1 },
);

test('property: NDCG lies in [0, 1], equals 1 against itself, and does not depend on the key order', () => {
  fc.assert(
    fc.property(
      importances,
      importances,
      fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      (ref, cur, k) => {
        const ndcg = attributionNdcg(ref, cur, k);
        const self = attributionNdcg(ref, ref, k);
        if (Object.values(ref).every((v) => v === 0)) {
          expect(ndcg).toBeNull();
          return;
        }
        expect(ndcg).not.toBeNull();
        expect(ndcg!).toBeGreaterThanOrEqual(0);
        expect(ndcg!).toBeLessThanOrEqual(1 + 1e-12);
        if (self !== null) expect(self).toBeCloseTo(1, 12);
        const reversed = Object.fromEntries(Object.entries(cur).reverse());
        expect(attributionNdcg(ref, reversed, k)).toBe(ndcg);
      },
    ),
  );
});

test('property: scaling the current importances does not change the NDCG (only the ranking counts)', () => {
  fc.assert(
    fc.property(importances, importances, fc.double({ min: 0.001, max: 1000, noNaN: true }), (ref, cur, scale) => {
      const scaled = Object.fromEntries(Object.entries(cur).map(([f, v]) => [f, v * scale]));
      // Over the union: a reference feature absent now ranks at 0 among them.
      const union = (side: Record<string, number>) => ({
        ...Object.fromEntries(Object.keys(ref).map((f) => [f, 0])),
        ...side,
      });
      fc.pre(rankFeatures(union(scaled)).join() === rankFeatures(union(cur)).join());
      expect(attributionNdcg(ref, scaled)).toBe(attributionNdcg(ref, cur));
    }),
  );
});
