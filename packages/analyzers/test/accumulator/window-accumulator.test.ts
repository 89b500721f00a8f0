import fc from 'fast-check';
import { seededRandom, selectRows, type Column, type Table } from '@vigil/core';
import {
  accumulate,
  analyzeWindow,
  emptyAccumulator,
  fitCbpe,
  fitDataReconstruction,
  fitReferenceProfile,
  fitReferenceSurrogate,
  mergeAccumulators,
  mergeAccumulatorsInto,
  mergeUnknownFeatures,
  UNKNOWN_FEATURE_NAMES_KEPT,
  type AnalysisSpec,
  type NumericProfile,
  type ReferenceProfile,
  type WindowAccumulator,
} from '@vigil/analyzers';
import { roughly } from '@vigil/test-kit/roughly';
import { numericAccumulatorFromSorted } from '../../src/accumulator/window-accumulator';

const CATEGORIES = ['a', 'b', 'c', 'd'];
const spec: AnalysisSpec = {
  task: 'binary',
  features: [
    { name: 'x', kind: 'numeric' },
    { name: 'c', kind: 'categorical' },
  ],
  score: 'score',
  label: 'label',
  groups: ['g', 'g*c'],
  threshold: 0.5,
  minGroupSize: 5,
  fdr: 0.05,
};

interface Row {
  x: number | null;
  c: number;
  score: number;
  label: number | null;
  g: number;
}

const row = fc.record({
  // Integers keep every sum exact, so a merge must equal the union bit for bit.
  x: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 8 }),
  c: fc.integer({ min: -1, max: 3 }),
  score: fc.integer({ min: 0, max: 16 }).map((k) => k / 16),
  label: fc.option(fc.constantFrom(0, 1), { freq: 4 }),
  g: fc.integer({ min: 0, max: 2 }),
});

function table(rows: readonly Row[]): Table {
  const num = (name: string, f: (r: Row) => number | null): Column => ({
    name,
    kind: 'numeric',
    values: Float64Array.from(rows, (r) => f(r) ?? Number.NaN),
  });
  const columns: Column[] = [
    num('x', (r) => r.x),
    { name: 'c', kind: 'categorical', categories: CATEGORIES, codes: Int32Array.from(rows, (r) => r.c) },
    num('score', (r) => r.score),
    num('label', (r) => r.label),
    { name: 'g', kind: 'categorical', categories: ['p', 'q', 'r'], codes: Int32Array.from(rows, (r) => r.g) },
  ];
  return { source: 'generated', rowCount: rows.length, columns: new Map(columns.map((c) => [c.name, c])) };
}

/**
 * Group maps compare regardless of key insertion order. Compared through `roughly` (numbers to a relative 1e-12,
 * which holds every count exactly), because the log-loss sums are sums of floats whose last bit depends on the order
 * of addition. (Rounding both sides to 12 digits instead fails whenever the two sums straddle a rounding boundary.)
 */
const canonical = (acc: WindowAccumulator): unknown =>
  JSON.parse(
    JSON.stringify(acc, (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
    ),
  );

describe('window accumulators', () => {
  it('unknown feature keys: merging counts adds them and keeps the smallest names, whatever the order', () => {
    // Each part: the events with unknown keys it counted and their names (an accumulator's name set).
    const part = fc.record({
      rows: fc.nat(50),
      names: fc.uniqueArray(fc.string({ maxLength: 3 }), { maxLength: UNKNOWN_FEATURE_NAMES_KEPT }),
    });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 8 }), fc.nat(), (parts, rotate) => {
        const asKept = parts.map((p) => mergeUnknownFeatures(undefined, p));
        const merged = asKept.reduce((a, b) => mergeUnknownFeatures(a, b));
        const k = rotate % parts.length;
        const reordered = [...asKept.slice(k), ...asKept.slice(0, k)].reverse();
        const nested = reordered.reduceRight((a, b) => mergeUnknownFeatures(b, a));
        const direct = [...new Set(parts.flatMap((p) => p.names))].sort().slice(0, UNKNOWN_FEATURE_NAMES_KEPT);
        expect(merged).toEqual({ rows: parts.reduce((s, p) => s + p.rows, 0), names: direct });
        expect(nested).toEqual(merged);
      }),
      { numRuns: 300, seed: 20261205 },
    );
  });

  it('unknown feature keys ride the accumulator: empty counts 0, a bucket stored without them merges as 0', () => {
    const t = table([{ x: 1, c: 0, score: 0.5, label: 1, g: 0 }]);
    const profile = fitReferenceProfile(t, spec);
    const empty = emptyAccumulator(profile, spec);
    expect(empty.unknownFeatures).toEqual({ rows: 0, names: [] });
    const stored: WindowAccumulator = { ...empty, unknownFeatures: { rows: 3, names: ['zip'] } };
    const old: WindowAccumulator = { ...empty };
    delete old.unknownFeatures;
    expect(mergeAccumulators(old, stored).unknownFeatures).toEqual({ rows: 3, names: ['zip'] });
    expect(mergeAccumulators(old, old).unknownFeatures).toEqual({ rows: 0, names: [] });
  });

  it('merging the accumulators of two batches equals accumulating their union', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 20, maxLength: 120 }),
        fc.array(row, { maxLength: 80 }),
        fc.array(row, { maxLength: 80 }),
        (ref, a, b) => {
          const profile = fitReferenceProfile(table(ref), spec);
          const union = accumulate(emptyAccumulator(profile, spec), profile, spec, table([...a, ...b]));
          const merged = mergeAccumulators(
            accumulate(emptyAccumulator(profile, spec), profile, spec, table(a)),
            accumulate(emptyAccumulator(profile, spec), profile, spec, table(b)),
          );
          expect(canonical(merged)).toEqual(roughly(canonical(union)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('merging is associative: (a + b) + c equals a + (b + c)', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 20, maxLength: 80 }),
        fc.array(row, { maxLength: 60 }),
        fc.array(row, { maxLength: 60 }),
        fc.array(row, { maxLength: 60 }),
        (ref, a, b, c) => {
          const profile = fitReferenceProfile(table(ref), spec);
          const [x, y, z] = [a, b, c].map((rows) =>
            accumulate(emptyAccumulator(profile, spec), profile, spec, table(rows)),
          ) as [WindowAccumulator, WindowAccumulator, WindowAccumulator];
          expect(canonical(mergeAccumulators(mergeAccumulators(x, y), z))).toEqual(
            roughly(canonical(mergeAccumulators(x, mergeAccumulators(y, z)))),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('summing a window into its own accumulator gives the pure merge to the bit, and leaves the shared buckets as they were', async () => {
    // Every part a window carries: CBPE estimate state, data reconstruction, the linear surrogate, groups, unseen
    // categories, unknown features. Fitted once on a fixed reference; the buckets are generated.
    const random = seededRandom(7);
    const referenceRows: Row[] = Array.from({ length: 400 }, () => {
      const score = Math.floor(random() * 17) / 16;
      return {
        x: random() < 0.05 ? null : Math.floor(random() * 60) - 30,
        c: Math.floor(random() * 4),
        score,
        label: random() < score ? 1 : 0,
        g: Math.floor(random() * 3),
      };
    });
    const reference = table(referenceRows);
    const base = fitReferenceProfile(reference, spec);
    const values = (name: string): Float64Array => (reference.columns.get(name) as { values: Float64Array }).values;
    const cbpe = fitCbpe(
      values('score'),
      values('label'),
      values('score').map((s) => (s >= 0.5 ? 1 : 0)),
    );
    const profile: ReferenceProfile = {
      ...base,
      cbpe: cbpe!,
      surrogate: fitReferenceSurrogate(reference, base, spec)!,
      reconstruction: (await fitDataReconstruction(reference, spec.features)).model,
    };
    expect(profile.cbpe && profile.surrogate && profile.reconstruction).toBeTruthy();
    fc.assert(
      fc.property(fc.array(fc.array(row, { maxLength: 60 }), { minLength: 1, maxLength: 6 }), (parts) => {
        const buckets = parts.map((rows, i) => {
          const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, table(rows));
          acc.unknownFeatures = { rows: i, names: i % 2 ? ['extra'] : [] };
          return acc;
        });
        expect(buckets[0]!.outcome.estimate && buckets[0]!.surrogate && buckets[0]!.reconstruction).toBeTruthy();
        const before = JSON.stringify(buckets);
        const pure = buckets.reduce(mergeAccumulators, emptyAccumulator(profile, spec));
        const owned = buckets.reduce(mergeAccumulatorsInto, emptyAccumulator(profile, spec));
        expect(owned).toEqual(pure);
        // The buckets are shared by overlapping windows: unchanged, and summed again into a second window alike.
        expect(JSON.stringify(buckets)).toBe(before);
        expect(buckets.reduce(mergeAccumulatorsInto, emptyAccumulator(profile, spec))).toEqual(pure);
      }),
      { numRuns: 100 },
    );
  });

  it('beyond the cap of group values, merges in any grouping keep every total, the bound, and never overcount a group', () => {
    // Up to 300 distinct values of g over three batches: above MAX_GROUP_VALUES, so the cap folds values into (other).
    const wide = fc.record({
      g: fc.integer({ min: 0, max: 299 }),
      score: fc.integer({ min: 0, max: 8 }).map((k) => k / 8),
      label: fc.constantFrom(0, 1),
    });
    type Wide = { g: number; score: number; label: number };
    const groupSpec: AnalysisSpec = { ...spec, features: [], groups: ['g'] };
    const names = Array.from({ length: 300 }, (_, i) => `v${i}`);
    const wideTable = (rows: readonly Wide[]): Table => ({
      source: 'generated',
      rowCount: rows.length,
      columns: new Map<string, Column>([
        ['score', { name: 'score', kind: 'numeric', values: Float64Array.from(rows, (r) => r.score) }],
        ['label', { name: 'label', kind: 'numeric', values: Float64Array.from(rows, (r) => r.label) }],
        ['g', { name: 'g', kind: 'categorical', categories: names, codes: Int32Array.from(rows, (r) => r.g) }],
      ]),
    });
    const profile = fitReferenceProfile(
      wideTable([
        { g: 0, score: 0.25, label: 0 },
        { g: 1, score: 0.75, label: 1 },
      ]),
      groupSpec,
    );
    const acc = (rows: readonly Wide[]) =>
      accumulate(emptyAccumulator(profile, groupSpec), profile, groupSpec, wideTable(rows));
    const sum = (
      byGroup: WindowAccumulator['groups'][string],
      field: 'n' | 'tp' | 'fp' | 'tn' | 'fn' | 'predictedPositive',
    ) => Object.values(byGroup).reduce((s, c) => s + c[field], 0);
    fc.assert(
      fc.property(
        fc.array(wide, { maxLength: 250 }),
        fc.array(wide, { maxLength: 250 }),
        fc.array(wide, { maxLength: 250 }),
        (a, b, c) => {
          const [x, y, z] = [acc(a), acc(b), acc(c)];
          const union = acc([...a, ...b, ...c]);
          const exact = new Map<string, number>();
          for (const r of [...a, ...b, ...c]) exact.set(names[r.g]!, (exact.get(names[r.g]!) ?? 0) + 1);
          for (const merged of [
            mergeAccumulators(mergeAccumulators(x, y), z),
            mergeAccumulators(x, mergeAccumulators(y, z)),
          ]) {
            const groups = merged.groups.g!;
            // Everything but the choice of names is exactly associative.
            expect(canonical({ ...merged, groups: {} })).toEqual(roughly(canonical({ ...union, groups: {} })));
            for (const field of ['n', 'tp', 'fp', 'tn', 'fn', 'predictedPositive'] as const)
              expect(sum(groups, field)).toBe(sum(union.groups.g!, field));
            const named = Object.keys(groups).filter((k) => k !== '(other)');
            expect(named.length).toBeLessThanOrEqual(100);
            for (const k of named) expect(groups[k]!.n).toBeLessThanOrEqual(exact.get(k)!);
            // Within the cap nothing is folded, whatever the grouping: equal to the union.
            if (exact.size <= 100) expect(canonical(merged)).toEqual(roughly(canonical(union)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('does not depend on the order of rows', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 20, maxLength: 100 }),
        fc.array(row, { minLength: 1, maxLength: 100 }),
        fc.integer(),
        (ref, cur, seed) => {
          const profile = fitReferenceProfile(table(ref), spec);
          const t = table(cur);
          const order = cur
            .map((_, i) => i)
            .sort((i, j) => ((i * 2654435761 + seed) % 997) - ((j * 2654435761 + seed) % 997));
          const a = accumulate(emptyAccumulator(profile, spec), profile, spec, t);
          const b = accumulate(emptyAccumulator(profile, spec), profile, spec, selectRows(t, order));
          expect(canonical(b)).toEqual(roughly(canonical(a)));
        },
      ),
    );
  });

  it('round-trips through JSON, the form the store persists', () => {
    const rows = fc.sample(row, { numRuns: 200, seed: 1 });
    const profile = fitReferenceProfile(table(rows), spec);
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, table(rows));
    expect(JSON.parse(JSON.stringify(acc))).toEqual(acc);
    expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
  });

  it('counts every row: missing values, unseen categories and the (missing) group', () => {
    const ref: Row[] = [
      { x: 1, c: 0, score: 0.2, label: 0, g: 0 },
      { x: 2, c: 1, score: 0.8, label: 1, g: 1 },
    ];
    const cur: Row[] = [
      { x: null, c: 3, score: 0.9, label: 1, g: 0 },
      { x: 99, c: -1, score: 0.1, label: null, g: 2 },
    ];
    const profile = fitReferenceProfile(table(ref), spec);
    const curTable = table(cur);
    (curTable.columns.get('g') as { codes: Int32Array }).codes[1] = -1;
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, curTable);
    const [x, c] = acc.features;
    expect(x).toMatchObject({ missing: 1, rows: 2 });
    expect(x!.kind === 'numeric' && x!.counts.reduce((s, n) => s + n, 0)).toBe(1);
    expect(c).toMatchObject({ kind: 'categorical', missing: 1, unseen: { d: 1 } });
    expect(Object.keys(acc.groups.g!).sort()).toEqual(['(missing)', 'p']);
    expect(acc.outcome.labelled).toBe(1);
  });
});

describe('numeric accumulators computed from sorted values', () => {
  it('give the same window accumulator as binning each value', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 20, maxLength: 100 }), fc.array(row, { maxLength: 100 }), (ref, cur) => {
        const profile = fitReferenceProfile(table(ref), spec);
        const t = table(cur);
        const x = (t.columns.get('x') as { values: Float64Array }).values;
        const score = (t.columns.get('score') as { values: Float64Array }).values;
        const fromSorted = new Map([
          [
            'x',
            numericAccumulatorFromSorted(
              profile.features[0] as NumericProfile,
              x.filter((v) => !Number.isNaN(v)).sort(),
              x.length,
            ),
          ],
          [
            'score',
            numericAccumulatorFromSorted(profile.score!, score.filter((v) => !Number.isNaN(v)).sort(), score.length),
          ],
        ]);
        const plain = accumulate(emptyAccumulator(profile, spec), profile, spec, t);
        const fast = accumulate(emptyAccumulator(profile, spec), profile, spec, t, fromSorted);
        expect(canonical(fast)).toEqual(roughly(canonical(plain)));
      }),
    );
  });

  it('a reference without scores still takes labelled windows: merges, calibration, no AUC', () => {
    const rows = (n: number, seed: number): Row[] =>
      Array.from({ length: n }, (_, i) => ({
        x: (i * seed) % 40,
        c: i % 4,
        score: ((i * 7 + seed) % 17) / 16,
        label: i % 3 === 0 ? null : (i + seed) % 2,
        g: i % 3,
      }));
    // The reference file has the features only (no score column): the profile has no score bins.
    const profile = fitReferenceProfile(table(rows(200, 1)), { ...spec, score: undefined, label: undefined });
    expect(profile.score).toBeUndefined();
    const a = accumulate(emptyAccumulator(profile, spec), profile, spec, table(rows(60, 2)));
    const b = accumulate(emptyAccumulator(profile, spec), profile, spec, table(rows(50, 3)));
    // As a window is analysed: an empty accumulator, then each stored bucket merged in.
    const merged = mergeAccumulators(mergeAccumulators(emptyAccumulator(profile, spec), a), b);
    expect(merged.outcome.labelled).toBe(a.outcome.labelled + b.outcome.labelled);
    const performance = analyzeWindow(profile, merged, spec).performance as { auc: number; accuracy: number };
    expect(performance.auc).toBeNaN();
    expect(performance.accuracy).toBeGreaterThan(0);
  });
});
