import { compositeKey } from '../composite-key';
import { type MetricName, type MetricRowKind } from '../metric-names';
import { type FeatureKind } from '../table';
import { didYouMean } from './config-problems';
import { type ConfigReader } from './config-reader';
import { type Comparison, type RiskTier, type RuleConfig, type Severity } from './vigil-config';

/** What a rule's metric is computed over, and for which models (docs/metrics.md). */
export interface RuleMetric {
  /** `feature`: one value per feature; `group`: one per group attribute or intersection; `model`: one per window. */
  readonly scope: MetricRowKind;
  readonly task?: 'binary' | 'regression';
  /** Feature metrics defined for one kind of feature only. */
  readonly kind?: FeatureKind;
  /** Lower values are worse (p-values, AUC, traffic): the default comparison is `<` instead of `>`. */
  readonly lowerIsWorse?: boolean;
  /**
   * A rule may say `threshold: reference`: the window's rows carry the band of reference chunks (performance
   * metrics) or of the reference rows (the reconstruction error).
   */
  readonly reference?: boolean;
  /** Computed for models with an `explain` section only (docs/explanations.md). */
  readonly explain?: boolean;
}

const feature = (kind?: FeatureKind, lowerIsWorse?: boolean): RuleMetric => ({
  scope: 'feature',
  ...(kind ? { kind } : {}),
  ...(lowerIsWorse ? { lowerIsWorse } : {}),
});
const binary = (lowerIsWorse?: boolean): RuleMetric => ({
  scope: 'model',
  task: 'binary',
  ...(lowerIsWorse ? { lowerIsWorse } : {}),
});
/** A binary performance metric, lower is worse, that `threshold: reference` applies to. */
const performance: RuleMetric = { scope: 'model', task: 'binary', lowerIsWorse: true, reference: true };
const explained = (lowerIsWorse?: boolean): RuleMetric => ({
  scope: 'model',
  explain: true,
  ...(lowerIsWorse ? { lowerIsWorse } : {}),
});
const fairness = (lowerIsWorse?: boolean): RuleMetric => ({
  scope: 'group',
  task: 'binary',
  ...(lowerIsWorse ? { lowerIsWorse } : {}),
});

/**
 * The metrics a rule may name: the window metrics of docs/metrics.md, plus `rows` (traffic). Each key is a
 * {@link MetricName} (checked by `satisfies`); the table is read by the name a config gives, a plain string.
 */
export const RULE_METRICS: Readonly<Record<string, RuleMetric>> = {
  psi: feature(),
  js: feature(),
  hellinger: feature(),
  missingRate: feature(),
  ks: feature('numeric'),
  ksPValue: feature('numeric', true),
  wasserstein: feature('numeric'),
  wassersteinNormed: feature('numeric'),
  outOfRangeRate: feature('numeric'),
  // Events carrying `features` keys the model does not configure (docs/metrics.md, "Data quality in the windows").
  unknownFeatureRate: { scope: 'model' },
  chi2: feature('categorical'),
  chi2PValue: feature('categorical', true),
  newCategoryRate: feature('categorical'),
  ece: binary(),
  eceEqualMass: binary(),
  mce: binary(),
  brier: binary(),
  accuracy: performance,
  precision: performance,
  recall: performance,
  auc: performance,
  logLoss: binary(),
  // Estimated without labels (CBPE): judged on the window's rows, not its labelled rows.
  estimatedAccuracy: performance,
  estimatedPrecision: performance,
  estimatedRecall: performance,
  estimatedF1: performance,
  estimatedAuc: performance,
  mae: { scope: 'model', task: 'regression' },
  rmse: { scope: 'model', task: 'regression' },
  bias: { scope: 'model', task: 'regression' },
  rows: { scope: 'model', lowerIsWorse: true },
  // Multivariate drift (docs/metrics.md, "Reconstruction error"): models with two features or more. Higher is worse;
  // `threshold: reference` is the band the row's `drifted` is judged by.
  reconstructionError: { scope: 'model', reference: true },
  // Human review (docs/review.md): rows of models with a review section.
  overrideRate: { scope: 'model' },
  auditErrorRate: { scope: 'model' },
  notQueuedRows: { scope: 'model' },
  reviewBacklog: { scope: 'model' },
  oldestPendingAge: { scope: 'model' },
  groupOverrideRate: { scope: 'group' },
  statisticalParityDifference: fairness(),
  disparateImpactRatio: fairness(true),
  equalOpportunityDifference: fairness(),
  equalizedOddsDifference: fairness(),
  predictiveParityDifference: fairness(),
  // Explanations (docs/explanations.md): models with an explain section. surrogateR2 is the fit of the linear
  // surrogate computed when events carry no attributions.
  attributionNdcg: explained(true),
  protectedAttributionShare: explained(),
  protectedAttributionShareRatio: explained(),
  proxyAttributionShare: explained(),
  surrogateR2: explained(true),
} satisfies Partial<Record<MetricName, RuleMetric>>;

const COMPARISONS: readonly Comparison[] = ['>', '>=', '<', '<='];
/** Standard deviations of the reference chunks a `threshold: reference` rule allows either side of their mean. */
export const DEFAULT_REFERENCE_SIGMAS = 3;
const SEVERITIES: readonly Severity[] = ['warning', 'critical'];
export const DEFAULT_MIN_SAMPLES = 100;

interface DefaultRule {
  metric: MetricName;
  /** NaN when `reference` is set: the threshold comes from the reference chunks, per window. */
  threshold: number;
  clearThreshold: number;
  severity: Severity;
  reference?: { sigmas: number };
}

/**
 * A default rule judging a performance metric against reference chunks (mean − 3σ): what accuracy is normal
 * depends on the model, so any fixed number would be arbitrary.
 */
const belowReference = (metric: MetricName): DefaultRule => ({
  metric,
  threshold: Number.NaN,
  clearThreshold: Number.NaN,
  severity: 'warning',
  reference: { sigmas: DEFAULT_REFERENCE_SIGMAS },
});

/**
 * Rules of a model whose config has no `rules` key. A higher tier alerts earlier, more severely and after fewer
 * windows. PSI 0.1/0.2/0.25 are the usual "watch/significant" marks of model-risk practice; ECE and parity marks
 * follow the same spirit. `rules: []` turns alerting off for a model.
 */
export const DEFAULT_RULES: Readonly<
  Record<RiskTier, { breachesOfWindows: { n: number; m: number }; rules: readonly DefaultRule[] }>
> = {
  high: {
    breachesOfWindows: { n: 1, m: 1 },
    rules: [
      { metric: 'psi', threshold: 0.1, clearThreshold: 0.05, severity: 'warning' },
      { metric: 'psi', threshold: 0.25, clearThreshold: 0.2, severity: 'critical' },
      { metric: 'ece', threshold: 0.05, clearThreshold: 0.03, severity: 'warning' },
      { metric: 'statisticalParityDifference', threshold: 0.1, clearThreshold: 0.08, severity: 'critical' },
      belowReference('accuracy'),
      belowReference('estimatedAccuracy'),
      // Clarify's attribution-drift mark; and the protected attributes' share of |attribution| doubling against
      // the reference. Only for models with an explain section.
      { metric: 'attributionNdcg', threshold: 0.9, clearThreshold: 0.92, severity: 'warning' },
      { metric: 'protectedAttributionShareRatio', threshold: 2, clearThreshold: 1.5, severity: 'critical' },
    ],
  },
  medium: {
    breachesOfWindows: { n: 2, m: 3 },
    rules: [
      { metric: 'psi', threshold: 0.2, clearThreshold: 0.1, severity: 'warning' },
      { metric: 'ece', threshold: 0.1, clearThreshold: 0.07, severity: 'warning' },
      { metric: 'statisticalParityDifference', threshold: 0.2, clearThreshold: 0.15, severity: 'warning' },
      belowReference('accuracy'),
      belowReference('estimatedAccuracy'),
    ],
  },
  low: {
    breachesOfWindows: { n: 3, m: 5 },
    rules: [
      { metric: 'psi', threshold: 0.25, clearThreshold: 0.2, severity: 'warning' },
      { metric: 'ece', threshold: 0.15, clearThreshold: 0.1, severity: 'warning' },
    ],
  },
};

export interface RuleContext {
  readonly task: 'binary' | 'regression';
  readonly riskTier: RiskTier;
  readonly features: Readonly<Record<string, FeatureKind>>;
  readonly groups: readonly string[];
  /** Whether the model has an `explain` section. @defaultValue false */
  readonly explain?: boolean;
}

export function compileRules(value: unknown, path: string, r: ConfigReader, model: RuleContext): RuleConfig[] {
  if (value === undefined || value === null) return defaultRules(model);
  const out: RuleConfig[] = [];
  const seen = new Map<string, number>();
  (r.list(value, path) ?? []).forEach((item, index) => {
    const rulePath = `${path}[${index}]`;
    const rule = compileRule(item, rulePath, r, model);
    if (!rule) return;
    const key = compositeKey(rule.metric, rule.feature ?? '', rule.group ?? '', rule.severity);
    const first = seen.get(key);
    if (first !== undefined)
      r.problems.add(rulePath, `repeats ${path}[${first}] (same metric, feature, group and severity)`);
    else seen.set(key, index);
    out.push(rule);
  });
  return out;
}

export function defaultRules(model: RuleContext): RuleConfig[] {
  const tier = DEFAULT_RULES[model.riskTier];
  return tier.rules
    .filter((rule) => {
      const metric = RULE_METRICS[rule.metric];
      if (!metric || (metric.task !== undefined && metric.task !== model.task)) return false;
      if (metric.explain && !model.explain) return false;
      if (metric.scope === 'group') return model.groups.length > 0;
      if (metric.scope === 'feature') return Object.keys(model.features).length > 0;
      return true;
    })
    .map((rule) => ({
      ...rule,
      comparison: RULE_METRICS[rule.metric]!.lowerIsWorse ? '<' : '>',
      breachesOfWindows: { ...tier.breachesOfWindows },
      minSamples: DEFAULT_MIN_SAMPLES,
    }));
}

function compileRule(item: unknown, path: string, r: ConfigReader, model: RuleContext): RuleConfig | undefined {
  const keys = [
    'metric',
    'feature',
    'group',
    'comparison',
    'threshold',
    'sigmas',
    'clearThreshold',
    'severity',
    'breachesOfWindows',
    'minSamples',
  ];
  const rule = r.object(item, path, keys, { required: true });
  if (!rule) return undefined;
  const metricName = r.string(rule.metric, `${path}.metric`, { required: true });
  // Own metrics only: `metric: constructor` must not find Object.prototype.constructor.
  const metric =
    metricName === undefined || !Object.hasOwn(RULE_METRICS, metricName) ? undefined : RULE_METRICS[metricName];
  if (metricName !== undefined && metric === undefined) {
    const suggestion = didYouMean(metricName, Object.keys(RULE_METRICS));
    r.problems.add(
      `${path}.metric`,
      `"${metricName}" is not a metric${suggestion === undefined ? ' (see docs/metrics.md)' : ` (did you mean "${suggestion}"?)`}`,
    );
  }
  if (metric?.task !== undefined && metric.task !== model.task) {
    r.problems.add(
      `${path}.metric`,
      `"${metricName}" is defined for ${metric.task} models only, and this model is ${model.task}`,
    );
  }
  if (metric?.explain && !model.explain) {
    r.problems.add(
      `${path}.metric`,
      `"${metricName}" is computed for models with an explain section, and this model has none`,
    );
  }
  const featureName = r.string(rule.feature, `${path}.feature`);
  if (featureName !== undefined && metric !== undefined)
    checkFeature(featureName, metricName!, metric, `${path}.feature`, r, model);
  if (featureName === undefined && metric?.scope === 'feature' && Object.keys(model.features).length === 0) {
    r.problems.add(`${path}.metric`, `"${metricName}" is a feature metric, and this model has no features`);
  }
  const group = r.string(rule.group, `${path}.group`);
  if (group !== undefined && metric !== undefined) {
    if (metric.scope !== 'group')
      r.problems.add(`${path}.group`, `"${metricName}" is not a fairness metric, so it has no group`);
    else if (!model.groups.includes(group)) r.problems.add(`${path}.group`, unknownName('group', group, model.groups));
  }
  if (group === undefined && metric?.scope === 'group' && model.groups.length === 0) {
    r.problems.add(`${path}.metric`, `"${metricName}" is a fairness metric, and this model has no groups`);
  }

  const comparison = r.oneOf(rule.comparison, `${path}.comparison`, COMPARISONS) ?? (metric?.lowerIsWorse ? '<' : '>');
  const fromReference = rule.threshold === 'reference';
  const reference = fromReference ? compileReferenceThreshold(rule, path, r, metricName, metric) : undefined;
  if (!fromReference && rule.sigmas !== undefined)
    r.problems.add(`${path}.sigmas`, 'applies to `threshold: reference` only');
  const threshold = fromReference ? Number.NaN : r.number(rule.threshold, `${path}.threshold`, { required: true });
  const clearThreshold = fromReference
    ? Number.NaN
    : (r.number(rule.clearThreshold, `${path}.clearThreshold`) ?? threshold);
  // The clear threshold must sit on the healthy side, or an incident would clear while still breaching.
  if (!fromReference && threshold !== undefined && clearThreshold !== undefined) {
    const upward = comparison === '>' || comparison === '>=';
    if (upward ? clearThreshold > threshold : clearThreshold < threshold) {
      const side = upward ? 'at most' : 'at least';
      r.problems.add(
        `${path}.clearThreshold`,
        `must be ${side} the threshold ${threshold} (the healthy side of "${comparison}"), not ${clearThreshold}`,
      );
    }
  }
  const severity = r.oneOf(rule.severity, `${path}.severity`, SEVERITIES) ?? 'warning';
  const breachesOfWindows = compileNOfM(rule.breachesOfWindows, `${path}.breachesOfWindows`, r);
  const minSamples = r.number(rule.minSamples, `${path}.minSamples`, { integer: true, min: 1 }) ?? DEFAULT_MIN_SAMPLES;
  if (metricName === undefined || metric === undefined || threshold === undefined || clearThreshold === undefined)
    return undefined;
  if (fromReference && reference === undefined) return undefined;
  return {
    metric: metricName,
    ...(featureName === undefined ? {} : { feature: featureName }),
    ...(group === undefined ? {} : { group }),
    comparison,
    threshold,
    clearThreshold,
    ...(reference ? { reference } : {}),
    severity,
    breachesOfWindows,
    minSamples,
  };
}

/**
 * `threshold: reference` with its optional `sigmas`: for performance metrics and the reconstruction error, without a
 * clear threshold of its own.
 */
function compileReferenceThreshold(
  rule: Record<string, unknown>,
  path: string,
  r: ConfigReader,
  metricName: string | undefined,
  metric: RuleMetric | undefined,
): { sigmas: number } | undefined {
  let ok = true;
  if (metric !== undefined && !metric.reference) {
    const which = Object.keys(RULE_METRICS).filter((m) => RULE_METRICS[m]!.reference);
    r.problems.add(
      `${path}.threshold`,
      `"${metricName}" has no reference threshold; \`threshold: reference\` applies to ${which.join(', ')}`,
    );
    ok = false;
  }
  if (rule.clearThreshold !== undefined) {
    r.problems.add(
      `${path}.clearThreshold`,
      'does not apply to `threshold: reference`, which clears at the reference band itself',
    );
    ok = false;
  }
  const sigmas =
    rule.sigmas === undefined
      ? DEFAULT_REFERENCE_SIGMAS
      : r.number(rule.sigmas, `${path}.sigmas`, { above: 0, max: 10 });
  return ok && sigmas !== undefined ? { sigmas } : undefined;
}

function checkFeature(
  name: string,
  metricName: string,
  metric: RuleMetric,
  path: string,
  r: ConfigReader,
  model: RuleContext,
): void {
  if (metric.scope !== 'feature') {
    r.problems.add(path, `"${metricName}" is not a per-feature metric, so it has no feature`);
    return;
  }
  const kind = Object.hasOwn(model.features, name) ? model.features[name] : undefined;
  if (kind === undefined) r.problems.add(path, unknownName('feature', name, Object.keys(model.features)));
  else if (metric.kind !== undefined && metric.kind !== kind)
    r.problems.add(path, `"${metricName}" applies to ${metric.kind} features, and "${name}" is ${kind}`);
}

function compileNOfM(value: unknown, path: string, r: ConfigReader): { n: number; m: number } {
  const nm = r.object(value, path, ['n', 'm']);
  if (!nm) return { n: 1, m: 1 };
  const n = r.number(nm.n, `${path}.n`, { required: true, integer: true, min: 1 });
  const m = r.number(nm.m, `${path}.m`, { required: true, integer: true, min: 1, max: 1000 });
  if (n !== undefined && m !== undefined && n > m) r.problems.add(path, `n (${n}) must not exceed m (${m})`);
  return { n: n ?? 1, m: m ?? 1 };
}

export function unknownName(what: string, name: string, known: readonly string[]): string {
  const suggestion = didYouMean(name, known);
  if (suggestion !== undefined) return `"${name}" is not a ${what} of this model (did you mean "${suggestion}"?)`;
  return known.length === 0
    ? `"${name}" is not a ${what} of this model (it has none)`
    : `"${name}" is not a ${what} of this model (${known.join(', ')})`;
}
