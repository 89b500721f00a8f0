import { DEFAULT_RULES, RULE_METRICS } from '@vigil/core';
import { parse, problemAt, problemsOf, withModel } from './config-test-helpers';

const model = (extra: string) => parse(withModel(extra)).models[0]!;

describe('models[].explain', () => {
  it('is absent unless configured', () => {
    expect(model('threshold: 0.5').explain).toBeUndefined();
  });

  it('compiles protected features, proxies (default none) and k (default absent: all features)', () => {
    expect(model('explain: { protected: [age] }').explain).toEqual({ protected: ['age'], proxies: [] });
    expect(model('explain: { protected: [age], proxies: [region], k: 5 }').explain).toEqual({
      protected: ['age'],
      proxies: ['region'],
      k: 5,
    });
  });

  it('lists every problem of the section at once', () => {
    const problems = problemsOf(withModel('explain: { protected: [sexx, age], proxies: [age, zip], k: 0, kk: 1 }'));
    expect(problems.map((p) => [p.path, p.message])).toEqual(
      expect.arrayContaining([
        ['models[0].explain.protected[0]', '"sexx" is not a feature of this model (age, region)'],
        ['models[0].explain.proxies[1]', '"zip" is not a feature of this model (age, region)'],
        ['models[0].explain.proxies', '"age" is already listed as protected'],
        ['models[0].explain.k', 'must be at least 1, not 0'],
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problemAt(withModel('explain: { proxies: [age] }'), 'models[0].explain.protected').message).toBe(
      'is required',
    );
    expect(problemAt(withModel('explain: { protected: [] }'), 'models[0].explain.protected').message).toBe(
      'must not be empty',
    );
  });
});

describe('rules on attribution metrics', () => {
  it('accepts them on a model with an explain section; lower NDCG and R² are worse', () => {
    const m = model(`explain: { protected: [age] }
rules:
  - { metric: attributionNdcg, threshold: 0.8 }
  - { metric: protectedAttributionShare, threshold: 0.2 }
  - { metric: protectedAttributionShareRatio, threshold: 3 }
  - { metric: proxyAttributionShare, threshold: 0.3 }
  - { metric: surrogateR2, threshold: 0.5 }`);
    expect(m.rules.map((r) => [r.metric, r.comparison])).toEqual([
      ['attributionNdcg', '<'],
      ['protectedAttributionShare', '>'],
      ['protectedAttributionShareRatio', '>'],
      ['proxyAttributionShare', '>'],
      ['surrogateR2', '<'],
    ]);
  });

  it('refuses them on a model without an explain section', () => {
    expect(
      problemAt(withModel('rules: [{ metric: attributionNdcg, threshold: 0.9 }]'), 'models[0].rules[0].metric').message,
    ).toBe('"attributionNdcg" is computed for models with an explain section, and this model has none');
  });

  it('high tier defaults: NDCG < 0.9 and the protected share doubling, only with an explain section', () => {
    const explained = model('riskTier: high\nexplain: { protected: [age] }').rules;
    const ndcg = explained.find((r) => r.metric === 'attributionNdcg')!;
    expect([ndcg.comparison, ndcg.threshold, ndcg.clearThreshold]).toEqual(['<', 0.9, 0.92]);
    const ratio = explained.find((r) => r.metric === 'protectedAttributionShareRatio')!;
    expect([ratio.comparison, ratio.threshold, ratio.severity]).toEqual(['>', 2, 'critical']);
    expect(model('riskTier: high').rules.some((r) => RULE_METRICS[r.metric]!.explain)).toBe(false);
    expect(
      model('riskTier: low\nexplain: { protected: [age] }').rules.some((r) => RULE_METRICS[r.metric]!.explain),
    ).toBe(false);
    expect(DEFAULT_RULES.high.rules.filter((r) => RULE_METRICS[r.metric]!.explain)).toHaveLength(2);
  });
});
