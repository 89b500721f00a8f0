/**
 * Which metric rows each rule of a model judges (the naming contract of the window analysis, docs/metrics.md, "Metric rows"):
 * feature metrics have a feature and no group (`$score` is the prediction's own drift and counts as a feature);
 * model metrics have neither; fairness differences have no feature and the group attribute (`sex`, `sex*race`)
 * as group key. Per-group rates (`sex=female`) are evidence, not alert subjects.
 */
import { RULE_METRICS, type MetricName, type MetricRowKind, type ModelConfig, type RuleConfig } from '@vigil/core';
import type { MetricRow } from '@vigil/store';
import { classifyWindow, type WindowOutcome } from './rule-evaluation';

/** Metrics computed from labelled rows only: their minimum sample size counts labelled rows. */
export const LABEL_BASED_METRICS: ReadonlySet<string> = new Set<MetricName>([
  'ece',
  'eceEqualMass',
  'mce',
  'brier',
  'accuracy',
  'precision',
  'recall',
  'auc',
  'logLoss',
  'mae',
  'rmse',
  'bias',
  'tpr',
  'fpr',
  'fnr',
  'ppv',
  'equalOpportunityDifference',
  'equalizedOddsDifference',
  'predictiveParityDifference',
]);

const P_VALUE_METRICS: ReadonlySet<string> = new Set(['ksPValue', 'chi2PValue']);

/** One rule applied to one metric row of a window. */
export interface RuleEvaluation {
  rule: RuleConfig;
  metric: string;
  feature: string;
  group: string;
  value: number | null;
  samples: number;
  outcome: WindowOutcome;
}

/** Applies every rule of the model to the window's metric rows. */
export function matchRules(model: Pick<ModelConfig, 'rules'>, rows: readonly MetricRow[]): RuleEvaluation[] {
  const out: RuleEvaluation[] = [];
  for (const row of rows) {
    const scope = RULE_METRICS[row.metric]?.scope;
    if (scope === undefined || !inScope(scope, row)) continue;
    const candidates = model.rules.filter((r) => r.metric === row.metric);
    for (const configured of candidates) {
      if (!ruleCovers(configured, row, candidates)) continue;
      const details = (row.details ?? {}) as { sufficient?: unknown; pValueAdjusted?: unknown; reference?: unknown };
      const rule = configured.reference ? withReferenceThreshold(configured, details.reference) : configured;
      // p-value rules judge the Benjamini–Hochberg adjusted p-value when the analysis provides it (docs/configuration.md, "Rules").
      const value =
        P_VALUE_METRICS.has(row.metric) && typeof details.pValueAdjusted === 'number'
          ? details.pValueAdjusted
          : row.value;
      // Traffic itself has no minimum: a window with too few rows is exactly what a `rows` rule looks for.
      const samples =
        row.metric === 'rows'
          ? Number.POSITIVE_INFINITY
          : LABEL_BASED_METRICS.has(row.metric)
            ? row.labelledRows
            : row.rows;
      // A reference rule on a row without the band (a profile without labelled reference) cannot judge it.
      const outcome = Number.isNaN(rule.threshold)
        ? 'insufficient_data'
        : classifyWindow(rule, { value, samples, ...(details.sufficient === false ? { sufficient: false } : {}) });
      out.push({
        rule,
        metric: row.metric,
        feature: row.feature,
        group: row.group,
        value,
        samples: Number.isFinite(samples) ? samples : row.rows,
        outcome,
      });
    }
  }
  return out;
}

/**
 * A `threshold: reference` rule with this window's threshold: mean − sigmas·σ of the reference chunks of the
 * window's size for `<`/`<=` (lower is worse), mean + sigmas·σ for `>`/`>=`; it clears within the band (clear
 * threshold = threshold). NaN when the row carries no band.
 */
function withReferenceThreshold(rule: RuleConfig, band: unknown): RuleConfig {
  const b = band as { mean?: unknown; std?: unknown } | undefined;
  if (typeof b?.mean !== 'number' || typeof b.std !== 'number')
    return { ...rule, threshold: Number.NaN, clearThreshold: Number.NaN };
  const k = rule.reference!.sigmas;
  const threshold = rule.comparison === '<' || rule.comparison === '<=' ? b.mean - k * b.std : b.mean + k * b.std;
  return { ...rule, threshold, clearThreshold: threshold };
}

function inScope(scope: MetricRowKind, row: MetricRow): boolean {
  if (scope === 'feature') return row.feature !== '' && row.group === '';
  if (scope === 'model') return row.feature === '' && row.group === '';
  return row.feature === '' && row.group !== '' && !row.group.includes('=');
}

/**
 * A rule naming a feature (group) covers only that one; a rule naming none covers the others, unless a rule of
 * the same severity names this one (the specific rule overrides the general one).
 */
function ruleCovers(rule: RuleConfig, row: MetricRow, sameMetric: readonly RuleConfig[]): boolean {
  if (rule.feature !== undefined && rule.feature !== row.feature) return false;
  if (rule.group !== undefined && rule.group !== row.group) return false;
  if (
    rule.feature === undefined &&
    row.feature !== '' &&
    sameMetric.some((r) => r !== rule && r.severity === rule.severity && r.feature === row.feature)
  )
    return false;
  if (
    rule.group === undefined &&
    row.group !== '' &&
    sameMetric.some((r) => r !== rule && r.severity === rule.severity && r.group === row.group)
  )
    return false;
  return true;
}
