import { DEFAULT_RULES, RULE_METRICS } from '@vigil/core';
import { MINIMAL, parse, problemAt, problemsOf, withModel } from './config-test-helpers';

const rules = (yaml: string, extra = '') => parse(withModel(`${extra}\nrules:\n${yaml}`)).models[0]!.rules;
const ruleProblem = (yaml: string, path: string) => problemAt(withModel(`rules:\n${yaml}`), path).message;

describe('rules', () => {
  it('fills defaults: comparison by direction, clear = threshold, warning, 1-of-1, 100 samples', () => {
    expect(rules('  - { metric: psi, feature: age, threshold: 0.2 }\n  - { metric: auc, threshold: 0.7 }')).toEqual([
      {
        metric: 'psi',
        feature: 'age',
        comparison: '>',
        threshold: 0.2,
        clearThreshold: 0.2,
        severity: 'warning',
        breachesOfWindows: { n: 1, m: 1 },
        minSamples: 100,
      },
      {
        metric: 'auc',
        comparison: '<',
        threshold: 0.7,
        clearThreshold: 0.7,
        severity: 'warning',
        breachesOfWindows: { n: 1, m: 1 },
        minSamples: 100,
      },
    ]);
  });

  it('refuses an unknown metric, suggesting the one meant', () => {
    expect(ruleProblem('  - { metric: pis, threshold: 0.2 }', 'models[0].rules[0].metric')).toBe(
      '"pis" is not a metric (did you mean "psi"?)',
    );
    expect(ruleProblem('  - { metric: loss, threshold: 0.2 }', 'models[0].rules[0].metric')).toBe(
      '"loss" is not a metric (see docs/metrics.md)',
    );
  });

  it('refuses metrics and features named like members of Object.prototype (found by test/chaos/config-fuzz)', () => {
    // Plain lookups found Object.prototype.constructor, so these rules were accepted.
    expect(ruleProblem('  - { metric: constructor, threshold: 1 }', 'models[0].rules[0].metric')).toMatch(
      '"constructor" is not a metric',
    );
    expect(ruleProblem('  - { metric: toString, threshold: 1 }', 'models[0].rules[0].metric')).toMatch(
      '"toString" is not a metric',
    );
    expect(ruleProblem('  - { metric: psi, feature: constructor, threshold: 1 }', 'models[0].rules[0].feature')).toBe(
      '"constructor" is not a feature of this model (age, region)',
    );
  });

  it('refuses a metric of the other task', () => {
    const text = withModel('rules: [ { metric: ece, threshold: 0.1 } ]')
      .replace('task: binary', 'task: regression')
      .replace('groups: [sex]', 'groups: []');
    expect(problemAt(text, 'models[0].rules[0].metric').message).toBe(
      '"ece" is defined for binary models only, and this model is regression',
    );
  });

  it('checks that a feature exists, fits the metric and is only given to per-feature metrics', () => {
    expect(ruleProblem('  - { metric: psi, feature: agee, threshold: 0.2 }', 'models[0].rules[0].feature')).toBe(
      '"agee" is not a feature of this model (did you mean "age"?)',
    );
    expect(ruleProblem('  - { metric: ks, feature: region, threshold: 0.2 }', 'models[0].rules[0].feature')).toBe(
      '"ks" applies to numeric features, and "region" is categorical',
    );
    expect(ruleProblem('  - { metric: ece, feature: age, threshold: 0.2 }', 'models[0].rules[0].feature')).toBe(
      '"ece" is not a per-feature metric, so it has no feature',
    );
  });

  it('checks that a group exists and is only given to fairness metrics', () => {
    expect(
      ruleProblem(
        '  - { metric: statisticalParityDifference, group: race, threshold: 0.1 }',
        'models[0].rules[0].group',
      ),
    ).toBe('"race" is not a group of this model (sex)');
    expect(ruleProblem('  - { metric: psi, group: sex, threshold: 0.1 }', 'models[0].rules[0].group')).toBe(
      '"psi" is not a fairness metric, so it has no group',
    );
    const noGroups = withModel('rules: [ { metric: equalOpportunityDifference, threshold: 0.1 } ]').replace(
      'groups: [sex]',
      'groups: []',
    );
    expect(problemAt(noGroups, 'models[0].rules[0].metric').message).toBe(
      '"equalOpportunityDifference" is a fairness metric, and this model has no groups',
    );
  });

  it('requires the clear threshold on the healthy side', () => {
    expect(
      ruleProblem('  - { metric: psi, threshold: 0.2, clearThreshold: 0.25 }', 'models[0].rules[0].clearThreshold'),
    ).toBe('must be at most the threshold 0.2 (the healthy side of ">"), not 0.25');
    expect(
      ruleProblem(
        '  - { metric: auc, comparison: "<=", threshold: 0.7, clearThreshold: 0.65 }',
        'models[0].rules[0].clearThreshold',
      ),
    ).toBe('must be at least the threshold 0.7 (the healthy side of "<="), not 0.65');
    expect(rules('  - { metric: auc, threshold: 0.7, clearThreshold: 0.75 }')[0]?.clearThreshold).toBe(0.75);
  });

  it('checks comparison, severity, N-of-M and minSamples', () => {
    const problems = problemsOf(
      withModel(
        'rules:\n  - { metric: psi, comparison: "=>", threshold: 0.2, severity: page, breachesOfWindows: { n: 4, m: 3 }, minSamples: 0 }',
      ),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['models[0].rules[0].comparison', 'must be one of >, >=, <, <=, not "=>" (did you mean ">="?)'],
      ['models[0].rules[0].severity', 'must be one of warning, critical, not "page"'],
      ['models[0].rules[0].breachesOfWindows', 'n (4) must not exceed m (3)'],
      ['models[0].rules[0].minSamples', 'must be at least 1, not 0'],
    ]);
    expect(ruleProblem('  - { metric: psi }', 'models[0].rules[0].threshold')).toBe('is required');
  });

  it('refuses a repeated rule, allows the same metric at two severities', () => {
    expect(
      ruleProblem('  - { metric: psi, threshold: 0.2 }\n  - { metric: psi, threshold: 0.3 }', 'models[0].rules[1]'),
    ).toBe('repeats models[0].rules[0] (same metric, feature, group and severity)');
    expect(
      rules('  - { metric: psi, threshold: 0.2 }\n  - { metric: psi, threshold: 0.3, severity: critical }'),
    ).toHaveLength(2);
  });

  it('uses the default rules of the risk tier when rules are omitted, and none for rules: []', () => {
    const high = parse(withModel('riskTier: high')).models[0]!.rules;
    expect(
      high.map(
        (r) =>
          `${r.metric}${r.comparison}${r.reference ? `reference ${r.reference.sigmas}σ` : r.threshold}/${r.severity}`,
      ),
    ).toEqual([
      'psi>0.1/warning',
      'psi>0.25/critical',
      'ece>0.05/warning',
      'statisticalParityDifference>0.1/critical',
      'accuracy<reference 3σ/warning',
      'estimatedAccuracy<reference 3σ/warning',
    ]);
    const ungrouped = parse(
      MINIMAL.replace('groups: [sex]', 'groups: []').replace('task: binary', 'task: binary\n    riskTier: high'),
    ).models[0]!;
    expect(ungrouped.rules.map((r) => r.metric)).toEqual(['psi', 'psi', 'ece', 'accuracy', 'estimatedAccuracy']);
    const regression = parse(
      MINIMAL.replace('groups: [sex]', 'groups: []').replace('task: binary', 'task: regression\n    riskTier: high'),
    ).models[0]!;
    expect(regression.rules.map((r) => r.metric)).toEqual(['psi', 'psi']);
    expect(parse(withModel('rules: []')).models[0]?.rules).toEqual([]);
  });

  it('takes the estimated metrics (CBPE) of binary models, lower is worse, and refuses them for regression', () => {
    expect(rules('  - { metric: estimatedAccuracy, threshold: 0.8, clearThreshold: 0.82 }')[0]).toMatchObject({
      metric: 'estimatedAccuracy',
      comparison: '<',
      threshold: 0.8,
      clearThreshold: 0.82,
    });
    for (const m of ['estimatedPrecision', 'estimatedRecall', 'estimatedF1', 'estimatedAuc'])
      expect(rules(`  - { metric: ${m}, threshold: 0.5 }`)[0]?.comparison).toBe('<');
    expect(
      problemAt(
        withModel('rules: [ { metric: estimatedAuc, threshold: 0.7 } ]')
          .replace('task: binary', 'task: regression')
          .replace('groups: [sex]', 'groups: []'),
        'models[0].rules[0].metric',
      ).message,
    ).toBe('"estimatedAuc" is defined for binary models only, and this model is regression');
  });

  it('takes threshold: reference with sigmas (default 3) for performance metrics, without a clear threshold', () => {
    expect(
      rules(
        '  - { metric: estimatedAccuracy, threshold: reference }\n  - { metric: auc, threshold: reference, sigmas: 2, severity: critical }',
      ),
    ).toEqual([
      {
        metric: 'estimatedAccuracy',
        comparison: '<',
        threshold: NaN,
        clearThreshold: NaN,
        reference: { sigmas: 3 },
        severity: 'warning',
        breachesOfWindows: { n: 1, m: 1 },
        minSamples: 100,
      },
      {
        metric: 'auc',
        comparison: '<',
        threshold: NaN,
        clearThreshold: NaN,
        reference: { sigmas: 2 },
        severity: 'critical',
        breachesOfWindows: { n: 1, m: 1 },
        minSamples: 100,
      },
    ]);
    expect(ruleProblem('  - { metric: psi, threshold: reference }', 'models[0].rules[0].threshold')).toMatch(
      /^"psi" has no reference threshold; `threshold: reference` applies to accuracy, precision, recall, auc, estimatedAccuracy.*, reconstructionError$/,
    );
    // The reconstruction error too (before: refused): higher is worse, so the rule judges mean + kσ.
    expect(rules('  - { metric: reconstructionError, threshold: reference }')).toEqual([
      {
        metric: 'reconstructionError',
        comparison: '>',
        threshold: NaN,
        clearThreshold: NaN,
        reference: { sigmas: 3 },
        severity: 'warning',
        breachesOfWindows: { n: 1, m: 1 },
        minSamples: 100,
      },
    ]);
    expect(
      ruleProblem(
        '  - { metric: accuracy, threshold: reference, clearThreshold: 0.8 }',
        'models[0].rules[0].clearThreshold',
      ),
    ).toMatch(/does not apply to `threshold: reference`/);
    expect(ruleProblem('  - { metric: accuracy, threshold: reference, sigmas: 0 }', 'models[0].rules[0].sigmas')).toBe(
      'must be greater than 0, not 0',
    );
    expect(ruleProblem('  - { metric: accuracy, threshold: 0.8, sigmas: 2 }', 'models[0].rules[0].sigmas')).toBe(
      'applies to `threshold: reference` only',
    );
    expect(ruleProblem('  - { metric: accuracy, threshold: median }', 'models[0].rules[0].threshold')).toBe(
      'must be a number, not "median"',
    );
  });

  it('names only metrics that exist in the catalogue in its defaults', () => {
    for (const tier of Object.values(DEFAULT_RULES))
      for (const rule of tier.rules) expect(RULE_METRICS[rule.metric]).toBeDefined();
  });
});
