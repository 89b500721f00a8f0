import fc from 'fast-check';
import type { Column, Table } from '@vigil/core';
import {
  accumulate,
  analyzeWindow,
  emptyAccumulator,
  fitReferenceProfile,
  mergeAccumulators,
  type AnalysisSpec,
  type WindowAccumulator,
} from '@vigil/analyzers';

const spec: AnalysisSpec = {
  task: 'binary',
  features: [
    { name: 'x', kind: 'numeric' },
    { name: 'sex', kind: 'categorical' },
    { name: 'zip', kind: 'categorical' },
  ],
  score: 'score',
  groups: ['g'],
  threshold: 0.5,
  minGroupSize: 5,
  fdr: 0.05,
  attributions: { prefix: 'attr.', protected: ['sex'], proxies: ['zip'] },
};

interface Row {
  x: number;
  sex: number;
  zip: number;
  score: number;
  g: number;
  ax: number | null;
  asex: number | null;
  azip: number | null;
}

// Multiples of 1/64 in a small range keep every sum exact, so a merge must equal the union bit for bit.
const attribution = fc.option(
  fc.integer({ min: -64, max: 64 }).map((k) => k / 64),
  { freq: 5 },
);
const row = fc.record({
  x: fc.integer({ min: 0, max: 9 }),
  sex: fc.integer({ min: 0, max: 1 }),
  zip: fc.integer({ min: 0, max: 2 }),
  score: fc.integer({ min: 0, max: 8 }).map((k) => k / 8),
  g: fc.integer({ min: 0, max: 2 }),
  ax: attribution,
  asex: attribution,
  azip: attribution,
});

function table(rows: readonly Row[], withAttributions = true): Table {
  const num = (name: string, f: (r: Row) => number | null): Column => ({
    name,
    kind: 'numeric',
    values: Float64Array.from(rows, (r) => f(r) ?? Number.NaN),
  });
  const cat = (name: string, categories: string[], f: (r: Row) => number): Column => ({
    name,
    kind: 'categorical',
    categories,
    codes: Int32Array.from(rows, f),
  });
  const columns: Column[] = [
    num('x', (r) => r.x),
    cat('sex', ['F', 'M'], (r) => r.sex),
    cat('zip', ['z1', 'z2', 'z3'], (r) => r.zip),
    num('score', (r) => r.score),
    cat('g', ['p', 'q', 'r'], (r) => r.g),
    ...(withAttributions
      ? [num('attr.x', (r) => r.ax), num('attr.sex', (r) => r.asex), num('attr.zip', (r) => r.azip)]
      : []),
  ];
  return { source: 'generated', rowCount: rows.length, columns: new Map(columns.map((c) => [c.name, c])) };
}

const sorted = (v: unknown): unknown =>
  JSON.parse(
    JSON.stringify(v, (_k, x) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
        : x,
    ),
  );

const accOf = (rows: readonly Row[], profile: ReturnType<typeof fitReferenceProfile>): WindowAccumulator =>
  accumulate(emptyAccumulator(profile, spec), profile, spec, table(rows));

describe('attribution accumulators', () => {
  it('property: merging the accumulators of two batches equals accumulating their union, exactly', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 5, maxLength: 40 }),
        fc.array(row, { maxLength: 60 }),
        fc.array(row, { maxLength: 60 }),
        (ref, a, b) => {
          const profile = fitReferenceProfile(table(ref), spec);
          const union = accOf([...a, ...b], profile);
          const merged = mergeAccumulators(accOf(a, profile), accOf(b, profile));
          expect(sorted(merged.attributions)).toEqual(sorted(union.attributions));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts, sums and |a| sums per feature and per group of the protected features, as plain loops give them', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 5, maxLength: 40 }),
        fc.array(row, { minLength: 1, maxLength: 80 }),
        (ref, rows) => {
          const acc = accOf(rows, fitReferenceProfile(table(ref), spec)).attributions!;
          for (const [feature, key] of [
            ['x', 'ax'],
            ['sex', 'asex'],
            ['zip', 'azip'],
          ] as const) {
            const values = rows.map((r) => r[key]).filter((v): v is number => v !== null);
            const expected =
              values.length === 0
                ? undefined
                : {
                    count: values.length,
                    sum: values.reduce((s, v) => s + v, 0),
                    sumAbs: values.reduce((s, v) => s + Math.abs(v), 0),
                  };
            expect(acc.features[feature]).toEqual(expected);
          }
          expect(acc.rows).toBe(rows.filter((r) => r.ax !== null || r.asex !== null || r.azip !== null).length);
          for (const [code, group] of ['p', 'q', 'r'].entries()) {
            const values = rows.filter((r) => r.g === code && r.asex !== null).map((r) => Math.abs(r.asex!));
            expect(acc.groups.g?.[group]?.sex?.sumAbs).toBe(
              values.length === 0 ? undefined : values.reduce((s, v) => s + v, 0),
            );
            // Proxies and other features are not kept per group.
            expect(acc.groups.g?.[group]?.zip).toBeUndefined();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reads nothing when the spec has no attributions or the table no attribution columns', () => {
    const rows: Row[] = Array.from({ length: 10 }, (_, i) => ({
      x: i,
      sex: i % 2,
      zip: i % 3,
      score: 0.5,
      g: i % 3,
      ax: 1,
      asex: 1,
      azip: 1,
    }));
    const { attributions: _, ...plain } = spec;
    const profile = fitReferenceProfile(table(rows), plain);
    expect(profile.attributions).toBeUndefined();
    expect(accumulate(emptyAccumulator(profile, plain), profile, plain, table(rows)).attributions).toBeUndefined();
    expect(accumulate(emptyAccumulator(profile, spec), profile, spec, table(rows, false)).attributions).toEqual({
      rows: 0,
      features: {},
      groups: {},
    });
    expect(fitReferenceProfile(table(rows, false), spec).attributions).toBeUndefined();
  });
});

describe('the window analysis of attributions', () => {
  const make = (n: number, f: (i: number) => Partial<Row>): Row[] =>
    Array.from({ length: n }, (_, i) => ({
      x: i % 10,
      sex: i % 2,
      zip: i % 3,
      score: 0.5,
      g: i % 3,
      ax: null,
      asex: null,
      azip: null,
      ...f(i),
    }));

  it('means, ranking, NDCG against the reference ranking, shares and per-group protected means', () => {
    // Reference: x carries most, then zip, then sex. Window: sex overtakes everything.
    // Dyadic values: every sum below is exact.
    const reference = make(100, () => ({ ax: 0.5, azip: -0.25, asex: 0.125 }));
    const current = make(60, (i) => ({ ax: i % 2 === 0 ? 0.5 : -0.5, azip: 0.25, asex: i % 3 === 0 ? 1.5 : 0.375 }));
    const profile = fitReferenceProfile(table(reference), spec);
    expect(profile.attributions).toEqual({
      x: { count: 100, sum: 50, sumAbs: 50 },
      zip: { count: 100, sum: -25, sumAbs: 25 },
      sex: { count: 100, sum: 12.5, sumAbs: 12.5 },
    });
    const a = analyzeWindow(profile, accOf(current, profile), spec).attributions!;
    expect(a.rows).toBe(60);
    expect(a.features.map((f) => [f.feature, f.rank])).toEqual([
      ['sex', 1],
      ['x', 2],
      ['zip', 3],
    ]);
    const x = a.features.find((f) => f.feature === 'x')!;
    expect(x.mean).toBe(0);
    expect(x.meanAbs).toBe(0.5);
    const sex = a.features.find((f) => f.feature === 'sex')!;
    expect(sex.meanAbs).toBe((20 * 1.5 + 40 * 0.375) / 60);
    expect(sex.referenceMeanAbs).toBe(0.125);
    expect(a.referenceRanking).toEqual(['x', 'zip', 'sex']);
    // Clarify's NDCG by hand: the current order sex, x, zip has relevances 0.125, 0.5, 0.25.
    const dcg = 0.125 / Math.log2(2) + 0.5 / Math.log2(3) + 0.25 / Math.log2(4);
    const idcg = 0.5 / Math.log2(2) + 0.25 / Math.log2(3) + 0.125 / Math.log2(4);
    expect(a.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(a.k).toBe(3);
    const total = 0.5 + 0.25 + sex.meanAbs;
    expect(a.protectedShare).toBeCloseTo(sex.meanAbs / total, 12);
    expect(a.proxyShare).toBeCloseTo(0.25 / total, 12);
    expect(a.referenceProtectedShare).toBeCloseTo(0.125 / 0.875, 12);
    expect(a.protectedShareRatio).toBeCloseTo(a.protectedShare! / a.referenceProtectedShare!, 12);
    // Per group of g: rows i % 3 === 0 are group p, where sex's attribution is 1.5.
    expect(a.groups.map((g) => [g.attribute, g.group, g.feature, g.rows])).toEqual([
      ['g', 'p', 'sex', 20],
      ['g', 'q', 'sex', 20],
      ['g', 'r', 'sex', 20],
    ]);
    expect(a.groups[0]!.meanAbs).toBe(1.5);
    expect(a.groups[1]!.meanAbs).toBe(0.375);
  });

  it('k from the spec; without reference attributions no NDCG and no ratio; a window without attributions has no analysis', () => {
    const current = make(20, () => ({ ax: 0.4, azip: 0.2, asex: 0.1 }));
    const bare = fitReferenceProfile(table(make(20, () => ({}))), spec);
    const a = analyzeWindow(bare, accOf(current, bare), {
      ...spec,
      attributions: { ...spec.attributions!, k: 1 },
    }).attributions!;
    expect([a.ndcg, a.protectedShareRatio, a.referenceProtectedShare, a.k]).toEqual([null, null, null, 1]);
    expect(a.protectedShare).toBeCloseTo(0.1 / 0.7, 12);
    expect(
      analyzeWindow(
        bare,
        accOf(
          make(20, () => ({})),
          bare,
        ),
        spec,
      ).attributions,
    ).toBeUndefined();
  });
});
