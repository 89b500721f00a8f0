import { seededRandom, selectRows, type Column, type Table } from '@vigil/core';
import {
  accumulate,
  emptyAccumulator,
  mergeAccumulators,
  type WindowAccumulator,
} from '../../src/accumulator/window-accumulator';
import type { AnalysisSpec } from '../../src/profile/analysis-spec';
import { fitReferenceProfile } from '../../src/profile/reference-profile';
import { accumulateSurrogate, emptySurrogate, solveSurrogate, surrogateDesign } from '../../src/stats/surrogate';
import { analyzeSurrogateWindow, fitReferenceSurrogate } from '../../src/window/window-surrogate';

/** Scored rows whose logit leans on `sex` with weight `sexWeight` (and on zip code 'z1' with `zipWeight`). */
function rows(seed: number, n: number, sexWeight: number, zipWeight = 0): Table {
  const random = seededRandom(seed);
  const age = new Float64Array(n);
  const score = new Float64Array(n);
  const sex = new Int32Array(n);
  const zip = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    age[i] = 20 + 50 * random();
    sex[i] = random() < 0.4 ? 1 : 0;
    zip[i] = Math.floor(random() * 3);
    // Every 50th score is missing: such rows are left out of the surrogate, never a NaN in its sums.
    const logit = 0.05 * (age[i]! - 45) + sexWeight * sex[i]! + (zip[i] === 1 ? zipWeight : 0) + 0.2 * (random() - 0.5);
    score[i] = i % 50 === 0 ? Number.NaN : 1 / (1 + Math.exp(-logit));
  }
  const columns: Column[] = [
    { name: 'age', kind: 'numeric', values: age },
    { name: 'sex', kind: 'categorical', codes: sex, categories: ['f', 'm'] },
    { name: 'zip', kind: 'categorical', codes: zip, categories: ['z0', 'z1', 'z2'] },
    { name: 'score', kind: 'numeric', values: score },
  ];
  return { source: `rows-${seed}`, rowCount: n, columns: new Map(columns.map((c) => [c.name, c])) };
}

const spec: AnalysisSpec = {
  task: 'binary',
  features: [
    { name: 'age', kind: 'numeric' },
    { name: 'sex', kind: 'categorical' },
    { name: 'zip', kind: 'categorical' },
  ],
  score: 'score',
  groups: [],
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
};
const explain = { protected: ['sex'], proxies: ['zip'] };

const referenceTable = rows(1, 4000, 0.1);
const fitted = fitReferenceProfile(referenceTable, spec);
const profile = { ...fitted, surrogate: fitReferenceSurrogate(referenceTable, fitted, spec)! };

/** A window of `table` as the daemon builds it: one accumulator per bucket, stored as JSON, merged. */
function windowOf(table: Table, buckets: number): WindowAccumulator {
  let acc = emptyAccumulator(profile, spec);
  const size = Math.ceil(table.rowCount / buckets);
  for (let b = 0; b < buckets; b++) {
    const part = selectRows(
      table,
      Array.from({ length: Math.min(size, table.rowCount - b * size) }, (_, i) => b * size + i),
    );
    const bucket = accumulate(emptyAccumulator(profile, spec), profile, spec, part);
    acc = mergeAccumulators(acc, JSON.parse(JSON.stringify(bucket)) as WindowAccumulator);
  }
  return acc;
}

test('the reference surrogate is stored in the profile, with every feature', () => {
  expect(profile.surrogate.features).toEqual(['age', 'sex', 'zip']);
  expect(profile.surrogate.rows).toBe(4000 - 80);
  expect(profile.surrogate.r2).toBeGreaterThan(0.9);
});

test('a window solved from merged buckets equals the surrogate fitted to all its rows at once', () => {
  const current = rows(2, 3000, 0.1);
  const acc = windowOf(current, 7);
  expect(acc.surrogate!.rows).toBe(3000 - 60);
  expect(acc.surrogate!.skipped).toBe(60);
  const design = surrogateDesign(profile, 'binary', ['age', 'sex', 'zip']);
  const whole = solveSurrogate(accumulateSurrogate(emptySurrogate(design), design, current, 'score'), design)!;
  const window = analyzeSurrogateWindow(profile, acc.surrogate, 'binary', explain)!;
  expect(window.rows).toBe(whole.n);
  for (const i of whole.importances)
    expect(Math.abs(window.importances[i.feature]! - i.importance)).toBeLessThanOrEqual(1e-12 * i.importance);
  expect(Math.abs(window.r2 - whole.r2)).toBeLessThan(1e-12);
  // Same model: the ranking holds and the shares stay near the reference's.
  expect(window.ndcg!).toBeGreaterThan(0.99);
  expect(window.protectedShareRatio!).toBeGreaterThan(0.7);
  expect(window.protectedShareRatio!).toBeLessThan(1.4);
});

test('a planted reliance on sex raises the protected share past twice the reference', () => {
  const window = analyzeSurrogateWindow(profile, windowOf(rows(3, 3000, 1.5), 4).surrogate, 'binary', explain)!;
  expect(window.protectedShareRatio!).toBeGreaterThan(2);
  expect(window.protectedShare!).toBeGreaterThan(0.5);
  expect(window.ndcg!).toBeLessThan(0.9);
});

test('a proxy that starts to matter shows in the proxy share', () => {
  const before = analyzeSurrogateWindow(profile, windowOf(rows(4, 3000, 0.1), 3).surrogate, 'binary', explain)!;
  const after = analyzeSurrogateWindow(profile, windowOf(rows(4, 3000, 0.1, 1.5), 3).surrogate, 'binary', explain)!;
  expect(after.proxyShare!).toBeGreaterThan(3 * before.proxyShare!);
});

test('no reference surrogate: no accumulator and no analysis', () => {
  const acc = emptyAccumulator(fitted, spec);
  expect(acc.surrogate).toBeUndefined();
  expect(accumulate(acc, fitted, spec, rows(5, 100, 0)).surrogate).toBeUndefined();
  expect(analyzeSurrogateWindow(fitted, undefined, 'binary', explain)).toBeUndefined();
});

test('a bucket stored before the surrogate existed merges as if empty', () => {
  const current = rows(6, 1000, 0.1);
  const old = accumulate(emptyAccumulator(fitted, spec), fitted, spec, current);
  const fresh = accumulate(emptyAccumulator(profile, spec), profile, spec, current);
  const merged = mergeAccumulators(old, fresh);
  expect(merged.surrogate).toEqual(fresh.surrogate);
  expect(merged.surrogate).not.toBe(fresh.surrogate);
  expect(merged.rows).toBe(2000);
});
