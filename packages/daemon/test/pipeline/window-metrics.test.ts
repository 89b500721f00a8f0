import { accumulate, analyzeWindow, benjaminiHochberg, emptyAccumulator, fitReferenceProfile } from '@vigil/analyzers';
import { parseConfig } from '@vigil/core';
import { batchSpec } from '../../src/pipeline/batch-buckets';
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

    for (const [feature, metric] of [['age', 'ksPValue'], ['income', 'ksPValue'], ['region', 'chi2PValue']] as const) {
      const decided = row('drifted', feature).details as { method: string; pValue: number; pValueAdjusted: number };
      expect(decided.method).toBe(metric === 'ksPValue' ? 'ks' : 'chi2');
      const p = row(metric, feature);
      expect(p.value).toBe(decided.pValue);
      expect(p.details).toEqual({ pValueAdjusted: decided.pValueAdjusted });
      expect(decided.pValueAdjusted).toBeGreaterThanOrEqual(decided.pValue);
    }
    // The shifted feature is found; the adjustment over four tests is visible on at least one.
    expect(row('drifted', 'age').value).toBe(1);
    expect(rows.some((r) => r.metric === 'ksPValue' && (r.details as { pValueAdjusted: number }).pValueAdjusted > r.value!)).toBe(true);
  });

  it('the score’s KS p-value (prediction drift) is adjusted in the same family as the features’ tests', () => {
    const spec = batchSpec(model);
    const profile = fitReferenceProfile(readerTable(makeEvents({ n: 2000, start: 0, seed: 1 }), model), spec);
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, readerTable(makeEvents({ n: 400, start: 0, seed: 2, shift: 1 }), model));
    const rows = windowMetricRows({ model: model.id, version: 'unversioned', start: 0, end: 1 }, acc, analyzeWindow(profile, acc, spec));
    const row = (metric: string, feature: string) => rows.find((r) => r.metric === metric && r.feature === feature)!;
    const tests = [row('ksPValue', 'age'), row('ksPValue', 'income'), row('chi2PValue', 'region'), row('ksPValue', '$score')];
    const { adjusted } = benjaminiHochberg(tests.map((r) => r.value!), spec.fdr);
    tests.forEach((r, i) => expect(r.details).toEqual({ pValueAdjusted: adjusted[i] }));
    // Before, the score's p-value was judged raw and the features' family had three tests.
    expect((row('ksPValue', '$score').details as { pValueAdjusted: number }).pValueAdjusted).toBeGreaterThan(row('ksPValue', '$score').value!);
  });
});
