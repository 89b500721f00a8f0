import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, type Column, type SpilledColumn, type Table } from '@vigil/core';
import type { AnalysisSpec } from '../../src/profile/analysis-spec';
import { fitReferenceProfile } from '../../src/profile/reference-profile';
import { reportExplanations, shareChange, surrogateFitRows } from '../../src/report/report-explanations';
import type * as ReportExplanations from '../../src/report/report-explanations';
import { analyzeReport } from '../../src/report/analyze-report';

/**
 * Rows of a scored population: the score's logit is 0.8·z(age) + 0.4·z(hours) + `sexWeight`·[sex = m] plus noise,
 * so the surrogate recovers those weights (up to the noise) and a larger `sexWeight` plants reliance on `sex`.
 */
function population(
  seed: number,
  n: number,
  sexWeight: number,
  extra: Record<string, (i: number, row: { age: number; hours: number; male: boolean }) => number> = {},
): Table {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const age = new Float64Array(n);
  const hours = new Float64Array(n);
  const score = new Float64Array(n);
  const codes = new Int32Array(n);
  const more: Record<string, Float64Array> = Object.fromEntries(
    Object.keys(extra).map((k) => [k, new Float64Array(n)]),
  );
  for (let i = 0; i < n; i++) {
    age[i] = 40 + 10 * normal();
    hours[i] = 40 + 5 * normal();
    const male = random() < 0.5;
    codes[i] = male ? 1 : 0;
    const logit = 0.08 * (age[i]! - 40) + 0.08 * (hours[i]! - 40) + (male ? sexWeight : 0) + 0.3 * normal();
    score[i] = 1 / (1 + Math.exp(-logit));
    for (const [k, f] of Object.entries(extra)) more[k]![i] = f(i, { age: age[i]!, hours: hours[i]!, male });
  }
  const columns: Column[] = [
    { name: 'age', kind: 'numeric', values: age },
    { name: 'hours', kind: 'numeric', values: hours },
    { name: 'sex', kind: 'categorical', codes, categories: ['f', 'm'] },
    { name: 'score', kind: 'numeric', values: score },
    ...Object.entries(more).map(([name, values]): Column => ({ name, kind: 'numeric', values })),
  ];
  return { source: `population-${seed}`, rowCount: n, columns: new Map(columns.map((c) => [c.name, c])) };
}

const spec: AnalysisSpec = {
  task: 'binary',
  features: [
    { name: 'age', kind: 'numeric' },
    { name: 'hours', kind: 'numeric' },
    { name: 'sex', kind: 'categorical' },
  ],
  score: 'score',
  groups: [],
  threshold: 0.5,
  minGroupSize: 30,
  fdr: 0.05,
};

describe('the surrogate (no attributions logged)', () => {
  const reference = population(1, 3000, 0.05);
  const current = population(2, 3000, 2);
  const profile = fitReferenceProfile(reference, spec);
  const { explanations: x, status } = reportExplanations(reference, current, spec, profile, {
    protected: ['sex'],
    proxies: [],
  });

  test('ranks sex first once the model leans on it, and says the protected share grew', () => {
    expect(status).toEqual({ computed: true });
    expect(x!.source).toBe('surrogate');
    expect(x!.features.map((f) => f.feature)).toEqual(['sex', 'age', 'hours']);
    expect(x!.features.find((f) => f.feature === 'sex')!.referenceRank).toBe(3);
    expect(x!.ndcg).toBeLessThan(0.9);
    const share = x!.protectedShare!;
    expect(share.features).toEqual(['sex']);
    expect(share.current!).toBeGreaterThan(2 * share.reference!);
    expect(share.ratio).toBeCloseTo(share.current! / share.reference!, 12);
    expect(share.grew).toBe(true);
  });

  test('importances recover the planted weights: |β|·σ = 0.8 for age, 0.4 for hours, 2·σ(sex) for sex', () => {
    const byName = Object.fromEntries(x!.features.map((f) => [f.feature, f]));
    expect(byName.age!.current!).toBeCloseTo(0.8, 1);
    expect(byName.hours!.current!).toBeCloseTo(0.4, 1);
    expect(byName.sex!.current!).toBeCloseTo(1, 1); // 2 × σ of a fair coin (0.5)
    // The noise (σ 0.3) is a small part of the logit's variance.
    expect(x!.surrogateR2!.current).toBeGreaterThan(0.85);
    expect(x!.surrogateR2!.reference).toBeGreaterThan(0.8);
  });

  test('permutation importance is seeded (equal on a second run) and ranks like the importances', () => {
    const again = reportExplanations(reference, current, spec, profile, {
      protected: ['sex'],
      proxies: [],
    }).explanations!;
    expect(again.features.map((f) => f.permutationCurrent)).toEqual(x!.features.map((f) => f.permutationCurrent));
    const permutation = x!.features.map((f) => f.permutationCurrent!);
    expect(permutation[0]).toBeGreaterThan(permutation[1]!);
    expect(permutation[1]).toBeGreaterThan(permutation[2]!);
    // For a linear model the expected rise is 2·importance².
    for (const f of x!.features) expect(f.permutationCurrent! / (2 * f.current! ** 2)).toBeGreaterThan(0.8);
    expect(x!.surrogate!.permutation).toEqual({ seed: 15, repeats: 5, rows: { reference: 3000, current: 3000 } });
  });

  test('unchanged model: NDCG near 1 and the share not flagged', () => {
    const same = reportExplanations(reference, population(3, 3000, 0.05), spec, profile, {
      protected: ['sex'],
      proxies: [],
    }).explanations!;
    expect(same.ndcg!).toBeGreaterThan(0.99);
    expect(same.protectedShare!.grew).toBe(false);
  });

  test('no score in one file and no attributions: not computed, with the reason', () => {
    const noScore: Table = { ...current, columns: new Map([...current.columns].filter(([k]) => k !== 'score')) };
    expect(reportExplanations(reference, noScore, spec, profile, { protected: [], proxies: [] })).toEqual({
      status: {
        computed: false,
        reason: 'needs attributions (attributions.<feature> columns) or a score column in both files for the surrogate',
      },
    });
  });
});

describe('the surrogate of a wide and long file: fitted on a seeded sample of rows', () => {
  const reference = population(1, 3000, 0.05);
  const current = population(2, 3000, 2);
  const profile = fitReferenceProfile(reference, spec);
  // 4 design columns (age, hours, sex=m, sex=(other)): 10 products a row, so 10,000 products are 1,000 rows.
  const options = { protected: ['sex'], proxies: [], surrogateFitProducts: 10_000 };
  const whole = reportExplanations(reference, current, spec, profile, { protected: ['sex'], proxies: [] });
  const sampled = reportExplanations(reference, current, spec, profile, options);

  test('the report says it sampled, fits that many rows, and still recovers the planted ranking', () => {
    expect(surrogateFitRows(4, 10_000)).toBe(1000);
    expect(whole.explanations!.surrogate!.fitSample).toBeUndefined();
    expect(whole.explanations!.surrogate!.rows).toEqual({ reference: 3000, current: 3000 });
    const x = sampled.explanations!;
    expect(x.surrogate!.fitSample).toEqual({ seed: 15, completeRows: 1000 });
    expect(x.surrogate!.rows).toEqual({ reference: 1000, current: 1000 });
    expect(x.features[0]!.feature).toBe('sex');
    // A sample of a third of the rows estimates the same weights: age's importance 0.8 within sampling error.
    const age = (e: typeof x): number => e.features.find((f) => f.feature === 'age')!.reference!;
    expect(age(x)).not.toBe(age(whole.explanations!));
    expect(Math.abs(age(x) - age(whole.explanations!))).toBeLessThan(0.05);
  });

  test('never fewer than 4 rows a design column, and the sample is the same on a second run', () => {
    expect(surrogateFitRows(1000)).toBe(4000);
    expect(surrogateFitRows(30)).toBe(Math.floor(2e9 / 465));
    expect(surrogateFitRows(4, 1)).toBe(16);
    expect(reportExplanations(reference, current, spec, profile, options)).toEqual(sampled);
  });

  test('rows with a missing feature do not count: the draw grows until it holds about the complete rows aimed at', () => {
    // Half the rows miss `extra`: a first draw of 1,000 rows holds ~500 complete ones, so a second draw of ~2,000.
    const gappy = (t: Table, seed: number): Table => {
      const random = seededRandom(seed);
      const extra = Float64Array.from({ length: t.rowCount }, () => (random() < 0.5 ? Number.NaN : random()));
      return { ...t, columns: new Map([...t.columns, ['extra', { name: 'extra', kind: 'numeric', values: extra }]]) };
    };
    const wider: AnalysisSpec = { ...spec, features: [...spec.features, { name: 'extra', kind: 'numeric' }] };
    const ref = gappy(reference, 3);
    const cur = gappy(current, 4);
    // 5 design columns: 15 products a row, so 15,000 products are 1,000 complete rows.
    const x = reportExplanations(ref, cur, wider, fitReferenceProfile(ref, wider), {
      ...options,
      surrogateFitProducts: 15_000,
    }).explanations!;
    expect(x.surrogate!.fitSample).toEqual({ seed: 15, completeRows: 1000 });
    for (const rows of [x.surrogate!.rows.reference, x.surrogate!.rows.current]) {
      expect(rows).toBeGreaterThan(900);
      expect(rows).toBeLessThan(1100);
    }
  });

  test('spilled numeric columns give the same section to the bit (the sample is read back from the spill file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-surrogate-'));
    try {
      const spill = (t: Table, name: string): SpilledColumn => {
        const values = (t.columns.get(name) as { values: Float64Array }).values;
        const path = join(dir, `${t.source}-${name}`);
        writeFileSync(path, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
        return { path, rows: t.rowCount, segments: [0, t.rowCount] };
      };
      const without = (t: Table): Table => ({
        ...t,
        columns: new Map([...t.columns].filter(([name]) => name !== 'age' && name !== 'hours')),
      });
      const spilled = reportExplanations(without(reference), without(current), spec, profile, options, {
        reference: { age: spill(reference, 'age'), hours: spill(reference, 'hours') },
        current: { age: spill(current, 'age'), hours: spill(current, 'hours') },
      });
      expect(spilled).toEqual(sampled);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logged attributions', () => {
  // attributions.<f> = the feature's own term of the logit: what SHAP gives for a linear logistic model.
  const attributions = (sexWeight: number) => ({
    'attributions.age': (_: number, r: { age: number }) => 0.08 * (r.age - 40),
    'attributions.hours': (i: number, r: { hours: number }) => (i % 10 === 0 ? Number.NaN : 0.08 * (r.hours - 40)),
    'attributions.sex': (_: number, r: { male: boolean }) => (r.male ? sexWeight / 2 : -sexWeight / 2),
  });
  const reference = population(1, 2000, 0.05, attributions(0.05));
  const current = population(2, 2000, 1.5, attributions(1.5));
  const profile = fitReferenceProfile(reference, spec);

  test('are used instead of the surrogate: mean |attribution| over the rows that carry one, shares of Σ|a|', () => {
    const { explanations: x } = reportExplanations(reference, current, spec, profile, {
      protected: ['sex'],
      proxies: ['hours'],
    });
    expect(x!.source).toBe('attributions');
    expect(x!.surrogateR2).toBeUndefined();
    const sums: Record<string, [number, number]> = {};
    for (const f of ['age', 'hours', 'sex']) {
      const values = (current.columns.get(`attributions.${f}`) as { values: Float64Array }).values;
      let s = 0;
      let n = 0;
      for (const v of values) {
        if (Number.isNaN(v)) continue;
        s += Math.abs(v);
        n++;
      }
      sums[f] = [s, n];
    }
    for (const f of x!.features) expect(f.current).toBeCloseTo(sums[f.feature]![0] / sums[f.feature]![1], 12);
    expect(sums.hours![1]).toBe(1800);
    const total = sums.age![0] + sums.hours![0] + sums.sex![0];
    expect(x!.protectedShare!.current).toBeCloseTo(sums.sex![0] / total, 12);
    expect(x!.proxyShare!.current).toBeCloseTo(sums.hours![0] / total, 12);
    expect(x!.features[0]!.feature).toBe('sex');
    expect(x!.protectedShare!.grew).toBe(true);
  });

  test('in analyzeReport: the section and its status are in the report, the drift is of the features only', async () => {
    const report = await analyzeReport({
      reference,
      current,
      spec,
      parallelism: 1,
      explain: { protected: ['sex'], proxies: [] },
    });
    expect(report.sections.explanations).toEqual({ computed: true });
    expect(report.explanations!.source).toBe('attributions');
    expect(report.drift.map((d) => d.feature)).toEqual(['age', 'hours', 'sex']);
  });
});

describe('shareChange: a share grew only when it is material', () => {
  test('a fivefold rise of a share near 0 is noise, not growth', () => {
    expect(shareChange(['zip'], 1.3e-7, 6.9e-7)).toMatchObject({ ratio: 6.9e-7 / 1.3e-7, grew: false });
    expect(shareChange(['zip'], 0, 0.009).grew).toBe(false);
  });

  test('a rise to 0.01 or more by at least 1.5 times grew; less than 1.5 times did not', () => {
    expect(shareChange(['sex'], 0.006, 0.01).grew).toBe(true);
    expect(shareChange(['sex'], 0, 0.01).grew).toBe(true);
    expect(shareChange(['sex'], 0.2, 0.29).grew).toBe(false);
    expect(shareChange(['sex'], 0.2, 0.31).grew).toBe(true);
    expect(shareChange(['sex'], null, 0.5)).toEqual({
      features: ['sex'],
      reference: null,
      current: 0.5,
      ratio: null,
      grew: false,
    });
  });
});

describe('the two files’ surrogates on two threads (the compiled module, where the worker file exists)', () => {
  // The compiled module: from TypeScript sources the parallel function runs everything on this thread.
  let compiled: typeof ReportExplanations;
  beforeAll(async () => {
    compiled = (await import(join(__dirname, '../../dist/report/report-explanations.js'))) as typeof ReportExplanations;
  });
  // More rows than the permutation's sample (20,000), so its generator has drawn before the shuffles.
  const reference = population(1, 25_000, 0.05);
  const current = population(2, 25_000, 2);
  const profile = fitReferenceProfile(reference, spec);

  test('a sampled fit: the reference’s on a worker gives the same section to the last bit as one thread', async () => {
    const options = { protected: ['sex'], proxies: [], surrogateFitProducts: 10_000 };
    const one = reportExplanations(reference, current, spec, profile, options);
    const two = await compiled.reportExplanationsInParallel(reference, current, spec, profile, options, {}, 2);
    expect(two.explanations!.surrogate!.fitSample).toEqual({ seed: 15, completeRows: 1000 });
    expect(two).toEqual(one);
    // The permutation's shuffles in the worker go on from the generator past the sample's draw, as on one thread.
    expect(two.explanations!.features.map((f) => f.permutationReference)).toEqual(
      one.explanations!.features.map((f) => f.permutationReference),
    );
  });

  test('a reference in shared memory is sampled by the worker itself: the same section to the last bit', async () => {
    // The file readers put numeric columns in shared memory; the worker then draws the samples from the same memory.
    const shared = new Map<string, Column>();
    for (const [name, c] of reference.columns) {
      if (c.kind !== 'numeric') shared.set(name, c);
      else {
        const values = new Float64Array(new SharedArrayBuffer(c.values.byteLength));
        values.set(c.values);
        shared.set(name, { name, kind: 'numeric', values });
      }
    }
    const inShared: Table = { ...reference, columns: shared };
    const options = { protected: ['sex'], proxies: [], surrogateFitProducts: 10_000 };
    const one = reportExplanations(reference, current, spec, profile, options);
    const two = await compiled.reportExplanationsInParallel(inShared, current, spec, profile, options, {}, 2);
    expect(two.explanations!.surrogate!.fitSample).toEqual({ seed: 15, completeRows: 1000 });
    expect(two).toEqual(one);
  });

  test('a fit on every row stays on this thread and is unchanged', async () => {
    // 4 design columns: 25,000 rows are far below the products at which a fit is sampled.
    const options = { protected: ['sex'], proxies: [] };
    const one = reportExplanations(reference, current, spec, profile, options);
    expect(await compiled.reportExplanationsInParallel(reference, current, spec, profile, options, {}, 2)).toEqual(one);
  });
});
