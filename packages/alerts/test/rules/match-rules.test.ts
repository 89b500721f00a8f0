import { parseConfig, type MetricName } from '@vigil/core';
import type { MetricRow } from '@vigil/store';
import { matchRules } from '../../src/rules/match-rules';

const modelWith = (rules: string) =>
  parseConfig(
    `
models:
  - id: m
    task: binary
    owner: { name: Team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric }
    rules:
${rules}
`,
    'vigil.yaml',
    {},
  ).models[0]!;

const row = (metric: MetricName, value: number | null, details?: unknown): MetricRow => ({
  model: 'm',
  version: '1',
  windowStart: 0,
  windowEnd: 1,
  rows: 1000,
  labelledRows: 500,
  metric,
  feature: '',
  group: '',
  value,
  ...(details === undefined ? {} : { details }),
});

describe('threshold: reference', () => {
  const model = modelWith(`      - { metric: estimatedAccuracy, threshold: reference }
      - { metric: auc, threshold: reference, sigmas: 2, comparison: '>' }`);
  const band = { reference: { mean: 0.8, std: 0.02, chunkRows: 1000 } };

  it('judges the window against mean − 3σ of its row’s band (lower is worse), clearing within it', () => {
    const [breach] = matchRules(model, [row('estimatedAccuracy', 0.739, band)]);
    expect(breach).toMatchObject({
      outcome: 'breach',
      rule: { threshold: 0.8 - 3 * 0.02, clearThreshold: 0.8 - 3 * 0.02 },
    });
    expect(matchRules(model, [row('estimatedAccuracy', 0.741, band)])[0]!.outcome).toBe('ok');
  });

  it('takes sigmas and the comparison’s side: mean + 2σ for `>`', () => {
    expect(matchRules(model, [row('auc', 0.841, band)])[0]).toMatchObject({
      outcome: 'breach',
      rule: { threshold: 0.8 + 2 * 0.02 },
    });
    expect(matchRules(model, [row('auc', 0.839, band)])[0]!.outcome).toBe('ok');
  });

  it('is insufficient_data on a row without a band (a profile without a labelled reference), never a breach', () => {
    expect(matchRules(model, [row('estimatedAccuracy', 0.1)])[0]!.outcome).toBe('insufficient_data');
    expect(matchRules(model, [row('estimatedAccuracy', 0.1, { reference: { mean: 0.8 } })])[0]!.outcome).toBe(
      'insufficient_data',
    );
  });

  it('judges reconstructionError above mean + 3σ of its row’s band: the band’s upper edge, where `drifted` starts', () => {
    const mv = modelWith('      - { metric: reconstructionError, threshold: reference }');
    // As window-metrics writes it: σ of the window's mean error, (upper − mean) / 3.
    const details = { upper: 1.3, drifted: false, reference: { mean: 1, std: 0.1, chunkRows: 400 } };
    expect(matchRules(mv, [row('reconstructionError', 1.31, details)])[0]).toMatchObject({
      outcome: 'breach',
      rule: { comparison: '>', threshold: 1 + 3 * 0.1, clearThreshold: 1 + 3 * 0.1 },
    });
    expect(matchRules(mv, [row('reconstructionError', 1.29, details)])[0]!.outcome).toBe('ok');
    expect(matchRules(mv, [row('reconstructionError', 9)])[0]!.outcome).toBe('insufficient_data');
  });

  it('leaves the configured rule as it was', () => {
    matchRules(model, [row('estimatedAccuracy', 0.5, band)]);
    expect(model.rules[0]!.threshold).toBeNaN();
  });
});
