import {
  accumulate,
  analyzeSurrogateWindow,
  analyzeWindow,
  benjaminiHochberg,
  emptyAccumulator,
  fitReferenceProfile,
  type ReferenceProfile,
  type SurrogateWindow,
  type WindowAccumulator,
} from '@vigil/analyzers';
import { ATTRIBUTION_COLUMN_PREFIX, BATCH_COLUMNS } from '@vigil/collector';
import { parseConfig } from '@vigil/core';
import { batchSpec } from '../../src/pipeline/batch-buckets';
import { fitModelTable } from '../../src/pipeline/fit-reference';
import { windowMetricRows } from '../../src/pipeline/window-metrics';
import { makeEvents, readerTable } from '@vigil/test-kit';

const model = parseConfig(
  `
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region]
`,
  'test.yaml',
  {},
).models[0]!;

describe('window metric rows', () => {
  it('the deciding test’s p-value row carries its Benjamini–Hochberg adjusted p-value, for p-value rules', () => {
    const spec = batchSpec(model);
    const profile = fitReferenceProfile(readerTable(makeEvents({ n: 2000, start: 0, seed: 1 }), model), spec);
    // 400 rows (a test decides `drifted` at or below 1,000), ages shifted.
    const table = readerTable(makeEvents({ n: 400, start: 0, seed: 2, shift: 1 }), model);
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, table);
    const analysis = analyzeWindow(profile, acc, spec);
    const rows = windowMetricRows({ model: model.id, version: 'unversioned', start: 0, end: 1 }, acc, analysis);
    const row = (metric: string, feature: string) => rows.find((r) => r.metric === metric && r.feature === feature)!;

    for (const [feature, metric] of [
      ['age', 'ksPValue'],
      ['income', 'ksPValue'],
      ['region', 'chi2PValue'],
    ] as const) {
      const decided = row('drifted', feature).details as { method: string; pValue: number; pValueAdjusted: number };
      expect(decided.method).toBe(metric === 'ksPValue' ? 'ks' : 'chi2');
      const p = row(metric, feature);
      expect(p.value).toBe(decided.pValue);
      expect(p.details).toEqual({ pValueAdjusted: decided.pValueAdjusted });
      expect(decided.pValueAdjusted).toBeGreaterThanOrEqual(decided.pValue);
    }
    // The shifted feature is found; the adjustment over four tests is visible on at least one.
    expect(row('drifted', 'age').value).toBe(1);
    expect(
      rows.some((r) => r.metric === 'ksPValue' && (r.details as { pValueAdjusted: number }).pValueAdjusted > r.value!),
    ).toBe(true);
  });

  // Before: [null, null] (NaN sampling error) and a point band [0.3, 0.3] (sampling error 0) were stored and served
  // where `vigil report` says "no band: <reason>".
  it('an estimate whose sampling error the reference cannot measure is stored with the report’s reason, not a band', () => {
    const spec = batchSpec(model);
    const profile = fitReferenceProfile(readerTable(makeEvents({ n: 500, start: 0, seed: 1 }), model), spec);
    const table = readerTable(makeEvents({ n: 200, start: 0, seed: 2 }), model);
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, table);
    const estimate = (value: number, samplingError: number) => ({
      value,
      samplingError,
      band: [value - 3 * samplingError, value + 3 * samplingError] as [number, number],
    });
    const analysis = {
      ...analyzeWindow(profile, acc, spec),
      estimated: {
        estimatedAccuracy: estimate(0.8, 0.01),
        estimatedPrecision: estimate(0.6, NaN),
        estimatedRecall: estimate(0.3, 0),
        estimatedF1: estimate(0.4, NaN),
        estimatedAuc: estimate(0.7, NaN),
        rows: 200,
      },
    };
    const rows = windowMetricRows({ model: model.id, version: 'unversioned', start: 0, end: 1 }, acc, analysis);
    const details = (metric: string) => rows.find((r) => r.metric === metric && r.group === '')?.details;
    expect(details('estimatedAccuracy')).toEqual({ samplingError: 0.01, band: [0.8 - 0.03, 0.8 + 0.03], rows: 200 });
    expect(details('estimatedPrecision')).toEqual({
      samplingError: null,
      noBand: 'no reference row is predicted positive',
      rows: 200,
    });
    expect(details('estimatedRecall')).toEqual({
      samplingError: 0,
      noBand: 'every reference row it counts came out alike',
      rows: 200,
    });
    expect(details('estimatedF1')).toMatchObject({ noBand: 'no reference row is predicted or labelled positive' });
    expect(details('estimatedAuc')).toMatchObject({ noBand: 'the reference has one class only' });
    // What is stored is JSON: nothing in it turns into null on the way.
    expect(JSON.parse(JSON.stringify(details('estimatedPrecision')))).toEqual(details('estimatedPrecision'));
  });

  it('writes unknownFeatureRate (events with unconfigured feature keys / rows) for a window, none for a report', () => {
    const spec = batchSpec(model);
    const profile = fitReferenceProfile(readerTable(makeEvents({ n: 500, start: 0, seed: 1 }), model), spec);
    const table = readerTable(makeEvents({ n: 200, start: 0, seed: 3 }), model);
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, table);
    acc.unknownFeatures = { rows: 50, names: ['tenure', 'zip'] };
    const analysis = analyzeWindow(profile, acc, spec);
    const key = { model: model.id, version: 'unversioned', start: 0, end: 1 };
    const row = windowMetricRows(key, acc, analysis).find((r) => r.metric === 'unknownFeatureRate');
    expect(row).toMatchObject({ feature: '', group: '', value: 0.25, rows: 200 });
    expect(row!.details).toEqual({ rows: 50, names: ['tenure', 'zip'] });
    const report = windowMetricRows(key, { rows: 200, outcome: { labelled: 0 } }, analysis);
    expect(report.some((r) => r.metric === 'unknownFeatureRate')).toBe(false);
  });

  it('the score’s KS p-value (prediction drift) is adjusted in the same family as the features’ tests', () => {
    const spec = batchSpec(model);
    const profile = fitReferenceProfile(readerTable(makeEvents({ n: 2000, start: 0, seed: 1 }), model), spec);
    const acc = accumulate(
      emptyAccumulator(profile, spec),
      profile,
      spec,
      readerTable(makeEvents({ n: 400, start: 0, seed: 2, shift: 1 }), model),
    );
    const rows = windowMetricRows(
      { model: model.id, version: 'unversioned', start: 0, end: 1 },
      acc,
      analyzeWindow(profile, acc, spec),
    );
    const row = (metric: string, feature: string) => rows.find((r) => r.metric === metric && r.feature === feature)!;
    const tests = [
      row('ksPValue', 'age'),
      row('ksPValue', 'income'),
      row('chi2PValue', 'region'),
      row('ksPValue', '$score'),
    ];
    const { adjusted } = benjaminiHochberg(
      tests.map((r) => r.value!),
      spec.fdr,
    );
    tests.forEach((r, i) => expect(r.details).toEqual({ pValueAdjusted: adjusted[i] }));
    // Before, the score's p-value was judged raw and the features' family had three tests.
    expect((row('ksPValue', '$score').details as { pValueAdjusted: number }).pValueAdjusted).toBeGreaterThan(
      row('ksPValue', '$score').value!,
    );
  });

  it('writes the attribution rows of a model with an explain section, keyed as rules and dashboards read them', () => {
    const explained = { ...model, explain: { protected: ['region'], proxies: ['income'] } };
    const spec = batchSpec(explained);
    const withAttributions = (events: ReturnType<typeof makeEvents>, sex: number) => {
      const table = readerTable(events, model);
      // The decoder's $attr columns: dyadic values, so every mean below is exact.
      const column = (name: string, f: (i: number) => number) => ({
        name: `$attr.${name}`,
        kind: 'numeric' as const,
        values: Float64Array.from({ length: table.rowCount }, (_, i) => f(i)),
      });
      const extra = [
        column('age', (i) => (i % 2 === 0 ? 0.25 : -0.25)),
        column('income', () => 0.125),
        column('region', () => sex),
      ];
      return { ...table, columns: new Map([...table.columns, ...extra.map((c) => [c.name, c] as const)]) };
    };
    const profile = fitReferenceProfile(withAttributions(makeEvents({ n: 400, start: 0, seed: 1 }), 0.0625), spec);
    const table = withAttributions(makeEvents({ n: 200, start: 0, seed: 2 }), 0.5);
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, table);
    const rows = windowMetricRows(
      { model: model.id, version: 'v', start: 0, end: 1 },
      acc,
      analyzeWindow(profile, acc, spec),
    );
    const at = (metric: string, feature = '', group = '') =>
      rows.find((r) => r.metric === metric && r.feature === feature && r.group === group);
    expect(at('attributionRows')?.value).toBe(200);
    expect([at('attributionMean', 'age')?.value, at('attributionMeanAbs', 'age')?.value]).toEqual([0, 0.25]);
    // Region overtakes age and income: rank 1, against 0.0625 (last) in the reference.
    expect(at('attributionMeanAbs', 'region')?.details).toEqual({ rows: 200, rank: 1, referenceMeanAbs: 0.0625 });
    expect(at('attributionNdcg')?.details as { ranking: string[]; referenceRanking: string[] }).toMatchObject({
      ranking: ['region', 'age', 'income'],
      referenceRanking: ['age', 'income', 'region'],
    });
    expect(at('protectedAttributionShare')?.value).toBe(0.5 / 0.875);
    expect(at('proxyAttributionShare')?.value).toBe(0.125 / 0.875);
    expect(at('protectedAttributionShareRatio')?.value).toBeCloseTo(0.5 / 0.875 / (0.0625 / 0.4375), 12);
    // Per group of each group attribute, the protected feature's mean |attribution|.
    const groups = rows.filter((r) => r.metric === 'protectedAttributionMeanAbs');
    expect(groups.length).toBeGreaterThan(0);
    // (Named here by the decoder's group columns; the runner analyses stored buckets under the attributes' names.)
    for (const r of groups)
      expect([r.feature, /^\$group\.(sex|region)=/.test(r.group), r.value]).toEqual(['region', true, 0.5]);
    // Without an explain section, none of them.
    const plain = batchSpec(model);
    const plainAcc = accumulate(emptyAccumulator(profile, plain), profile, plain, table);
    expect(
      windowMetricRows(
        { model: model.id, version: 'v', start: 0, end: 1 },
        plainAcc,
        analyzeWindow(profile, plainAcc, plain),
      ).some((r) => r.metric.includes('ttribution')),
    ).toBe(false);
  });
});

describe('surrogate rows (a model with an explain section)', () => {
  const explained = parseConfig(
    `
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex]
    explain: { protected: [region], proxies: [income] }
`,
    'test.yaml',
    {},
  ).models[0]!;
  const spec = batchSpec(explained);
  let profile: ReferenceProfile;
  let acc: WindowAccumulator;
  let surrogate: SurrogateWindow;
  beforeAll(async () => {
    profile = await fitModelTable(
      explained,
      readerTable(makeEvents({ n: 2000, start: 0, seed: 1 }), explained),
      BATCH_COLUMNS.score,
      ATTRIBUTION_COLUMN_PREFIX,
    );
    acc = accumulate(
      emptyAccumulator(profile, spec),
      profile,
      spec,
      readerTable(makeEvents({ n: 500, start: 0, seed: 2 }), explained),
    );
    surrogate = analyzeSurrogateWindow(profile, acc.surrogate, spec.task, explained.explain!)!;
  });
  const key = { model: explained.id, version: 'unversioned', start: 0, end: 1 };

  it('the daemon fits the reference surrogate for explain models and accumulates it per bucket', async () => {
    expect(profile.surrogate!.features).toEqual(['age', 'income', 'region']);
    // Every 50th event has no age: left out of the surrogate.
    expect(acc.surrogate!.rows).toBe(490);
    expect(
      (
        await fitModelTable(
          model,
          readerTable(makeEvents({ n: 200, start: 0, seed: 1 }), model),
          BATCH_COLUMNS.score,
          ATTRIBUTION_COLUMN_PREFIX,
        )
      ).surrogate,
    ).toBeUndefined();
  });

  it('writes surrogateR2, surrogateImportance per feature, and the ranking rows marked as the surrogate’s', () => {
    const rows = windowMetricRows(key, acc, analyzeWindow(profile, acc, spec), undefined, {
      window: surrogate,
      rankingRows: true,
    });
    const row = (metric: string, feature = '') => rows.filter((r) => r.metric === metric && r.feature === feature);
    expect(row('surrogateR2')).toEqual([
      expect.objectContaining({ value: surrogate.r2, details: { source: 'surrogate', rows: 490, ridge: false } }),
    ]);
    for (const f of ['age', 'income', 'region'])
      expect(row('surrogateImportance', f).map((r) => r.value)).toEqual([surrogate.importances[f]]);
    expect(row('attributionNdcg').map((r) => [r.value, r.details])).toEqual([
      [surrogate.ndcg, { source: 'surrogate', rows: 490 }],
    ]);
    expect(row('protectedAttributionShare').map((r) => r.value)).toEqual([surrogate.protectedShare]);
    expect(row('protectedAttributionShareRatio').map((r) => r.value)).toEqual([surrogate.protectedShareRatio]);
    expect(row('proxyAttributionShare').map((r) => r.value)).toEqual([surrogate.proxyShare]);
    // The score here is random: the surrogate explains almost none of it, which its R² says.
    expect(surrogate.r2).toBeLessThan(0.05);
  });

  it('leaves the ranking rows to logged attributions when the window has them', () => {
    const rows = windowMetricRows(key, acc, analyzeWindow(profile, acc, spec), undefined, {
      window: surrogate,
      rankingRows: false,
    });
    expect(rows.filter((r) => r.metric === 'surrogateR2')).toHaveLength(1);
    expect(
      rows.filter((r) =>
        [
          'attributionNdcg',
          'protectedAttributionShare',
          'protectedAttributionShareRatio',
          'proxyAttributionShare',
        ].includes(r.metric),
      ),
    ).toEqual([]);
  });
});
