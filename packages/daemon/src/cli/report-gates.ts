/**
 * The CI gates of `vigil report --fail-on` (docs/report.md, "CI gates"). Each gate judges one section of the
 * report: without a configuration by the documented defaults below, with `--config --model` by the model's own
 * rules, applied to the report's metric rows exactly as the daemon applies them to a window's.
 */
import type { Report } from '@vigil/analyzers';
import { DEFAULT_RULES, didYouMean, VigilError, type ModelConfig } from '@vigil/core';
import { NO_COLOR, type Palette } from './palette';
import { scoreShifted, SCORE_PSI_THRESHOLD } from './summarize-report';

/** The subject of the score's metrics in gate results and the model's rules (the daemon's pseudo-feature). */
export const SCORE_SUBJECT = '$score';

export const GATES = ['drift', 'multivariate', 'score', 'calibration', 'performance', 'fairness'] as const;
export type Gate = (typeof GATES)[number];

/** One breach: the metric, where, its value and the threshold it crossed. */
export interface GateFailure {
  metric: string;
  /** A feature, `$score`, or a group attribute; empty for a model metric. */
  subject: string;
  value: number;
  comparison: '>' | '>=' | '<' | '<=';
  threshold: number;
}

export interface GateResult {
  gate: Gate;
  status: 'passed' | 'failed' | 'not judged';
  failures: GateFailure[];
  /** Why a gate was not judged (its section could not be computed). */
  reason?: string;
  /** What judged it: `defaults` or `rules of MODEL`. */
  by: string;
}

/**
 * The defaults: a medium-risk model's default rules (PSI 0.2 for features and the score, ECE 0.1, statistical
 * parity difference 0.2 — the thresholds `vigil run` alerts on), with drift decided as the report decides it, and
 * performance judged against the reference's own (a drop of more than 20%, Evidently's default test condition).
 */
const MEDIUM = Object.fromEntries(DEFAULT_RULES.medium.rules.map((r) => [r.metric, r.threshold]));
export const GATE_DEFAULTS = {
  /** Fails at or above it, as a feature's PSI drifts and the summary and the HTML call the score shifted. */
  scorePsi: SCORE_PSI_THRESHOLD,
  ece: MEDIUM.ece ?? 0.1,
  statisticalParityDifference: MEDIUM.statisticalParityDifference ?? 0.2,
  /** Current performance below (1 − this) × the reference's fails. */
  performanceDrop: 0.2,
} as const;

/** `--fail-on drift,score` → the gates, in their canonical order; `all` is every gate. */
export function parseGates(raw: string): Gate[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0)
    throw new VigilError('VIGIL_USAGE', `vigil report: --fail-on needs a list of gates: ${GATES.join(', ')} or all`);
  const wanted = new Set<Gate>();
  for (const name of names) {
    if (name === 'all') GATES.forEach((g) => wanted.add(g));
    else if ((GATES as readonly string[]).includes(name)) wanted.add(name as Gate);
    else {
      const near = didYouMean(name, [...GATES, 'all']);
      throw new VigilError(
        'VIGIL_USAGE',
        `vigil report: --fail-on: unknown gate "${name}"${near === undefined ? '' : ` (did you mean "${near}"?)`}; the gates are ${GATES.join(', ')} and all`,
      );
    }
  }
  return GATES.filter((g) => wanted.has(g));
}

/** Reference performance the `performance` gate compares with; absent when the reference has no scores and labels. */
export type ReferencePerformance = { auc: number; accuracy: number } | { mae: number; rmse: number };

export function judgeByDefaults(
  report: Report,
  gates: readonly Gate[],
  reference: ReferencePerformance | undefined,
): GateResult[] {
  return gates.map((gate) => {
    const result = (failures: GateFailure[]): GateResult => ({
      gate,
      status: failures.length > 0 ? 'failed' : 'passed',
      failures,
      by: 'defaults',
    });
    const notJudged = (reason: string): GateResult => ({
      gate,
      status: 'not judged',
      failures: [],
      reason,
      by: 'defaults',
    });
    switch (gate) {
      case 'drift':
        return result(
          report.drift
            .filter((d) => d.drifted)
            .map((d) =>
              d.method === 'psi'
                ? { metric: 'psi', subject: d.feature, value: d.value, comparison: '>=', threshold: d.threshold }
                : {
                    metric: `${d.method} adjusted p`,
                    subject: d.feature,
                    value: d.pValueAdjusted ?? Number.NaN,
                    comparison: '<=',
                    threshold: d.threshold,
                  },
            ),
        );
      case 'multivariate': {
        // Drift across features that the per-feature gate cannot see (a correlation that flips keeps every
        // marginal): the report's own decision, the reconstruction error outside its reference band.
        const m = report.multivariate;
        if (!m?.computed) return notJudged(`no multivariate drift: ${m?.reason ?? 'not computed'}`);
        if (!m.drifted) return result([]);
        const band = m.referenceReconstructionError;
        const above = m.reconstructionError > band.upper;
        return result([
          {
            metric: 'reconstructionError',
            subject: '',
            value: m.reconstructionError,
            comparison: above ? '>' : '<',
            threshold: above ? band.upper : band.lower,
          },
        ]);
      }
      case 'score': {
        const p = report.prediction;
        if (!p) return notJudged('no prediction drift: it needs a score column in both files');
        return result(
          scoreShifted(p.metrics.psi)
            ? [
                {
                  metric: 'psi',
                  subject: SCORE_SUBJECT,
                  value: p.metrics.psi,
                  comparison: '>=',
                  threshold: GATE_DEFAULTS.scorePsi,
                },
              ]
            : [],
        );
      }
      case 'calibration': {
        if (report.task === 'regression') return notJudged('calibration applies to binary models only');
        const c = report.calibration;
        if (!c || !Number.isFinite(c.ece))
          return notJudged('no calibration: it needs scores and labels in the current file');
        return result(
          c.ece > GATE_DEFAULTS.ece
            ? [{ metric: 'ece', subject: '', value: c.ece, comparison: '>', threshold: GATE_DEFAULTS.ece }]
            : [],
        );
      }
      case 'performance': {
        const p = report.performance;
        if (!p || 'estimatedAccuracy' in p)
          return notJudged('no performance: it needs scores and labels in the current file');
        if (!reference)
          return notJudged(
            "the reference has no scores and labels to compare with (--config --model judges by the model's rules)",
          );
        const keep = 1 - GATE_DEFAULTS.performanceDrop;
        const failures: GateFailure[] = [];
        const lower = (metric: string, value: number, ref: number): void => {
          if (Number.isFinite(value) && Number.isFinite(ref) && value < keep * ref)
            failures.push({ metric, subject: '', value, comparison: '<', threshold: keep * ref });
        };
        const higher = (metric: string, value: number, ref: number): void => {
          const limit = ref / keep;
          if (Number.isFinite(value) && Number.isFinite(ref) && value > limit)
            failures.push({ metric, subject: '', value, comparison: '>', threshold: limit });
        };
        if ('auc' in p && 'auc' in reference) {
          lower('auc', p.auc, reference.auc);
          lower('accuracy', p.accuracy, reference.accuracy);
        } else if ('mae' in p && 'mae' in reference) {
          higher('mae', p.mae, reference.mae);
          higher('rmse', p.rmse, reference.rmse);
        }
        return result(failures);
      }
      case 'fairness': {
        if (report.task === 'regression') return notJudged('fairness of selection rates applies to binary models only');
        const judged = report.fairness.filter((f) => f.statisticalParityDifference !== null);
        if (judged.length === 0) {
          return notJudged(
            report.fairness.length === 0
              ? 'no group columns (--group-columns) or no predicted class'
              : 'no attribute has two groups large enough to compare',
          );
        }
        const limit = GATE_DEFAULTS.statisticalParityDifference;
        return result(
          judged
            .filter((f) => (f.statisticalParityDifference as number) > limit)
            .map((f) => ({
              metric: 'statisticalParityDifference',
              subject: f.attribute,
              value: f.statisticalParityDifference as number,
              comparison: '>',
              threshold: limit,
            })),
        );
      }
    }
  });
}

/** Which gate a rule's metric belongs to; `$score` metrics are the score gate's. */
export function gateOfMetric(metric: string, feature: string): Gate | undefined {
  if (feature === SCORE_SUBJECT) return 'score';
  if (feature !== '') return 'drift';
  if (metric === 'reconstructionError') return 'multivariate';
  if (['ece', 'eceEqualMass', 'mce', 'brier'].includes(metric)) return 'calibration';
  if (['accuracy', 'precision', 'recall', 'auc', 'logLoss', 'mae', 'rmse', 'bias'].includes(metric))
    return 'performance';
  if (
    [
      'statisticalParityDifference',
      'disparateImpactRatio',
      'equalOpportunityDifference',
      'equalizedOddsDifference',
      'predictiveParityDifference',
    ].includes(metric)
  )
    return 'fairness';
  return undefined;
}

/** One judged rule of a model (`matchRules` of @vigil/alerts, given here as data so this module stays pure). */
export interface RuleOutcome {
  metric: string;
  feature: string;
  group: string;
  value: number | null;
  outcome: 'breach' | 'elevated' | 'ok' | 'insufficient_data';
  rule: Pick<ModelConfig['rules'][number], 'comparison' | 'threshold'>;
}

export function judgeByRules(
  gates: readonly Gate[],
  evaluations: readonly RuleOutcome[],
  modelId: string,
): GateResult[] {
  return gates.map((gate) => {
    const mine = evaluations.filter((e) => gateOfMetric(e.metric, e.feature) === gate);
    const by = `rules of ${modelId}`;
    const judged = mine.filter((e) => e.outcome !== 'insufficient_data');
    if (judged.length === 0) {
      const reason =
        mine.length === 0
          ? `model ${modelId} has no rule for this section, or its metrics could not be computed`
          : "too few rows (or labelled rows) for the rules' minimum sample size";
      return { gate, status: 'not judged', failures: [], reason, by };
    }
    const failures = judged
      .filter((e) => e.outcome === 'breach')
      .map((e) => ({
        metric: e.metric,
        subject: e.feature || e.group,
        value: e.value as number,
        comparison: e.rule.comparison,
        threshold: e.rule.threshold,
      }));
    return { gate, status: failures.length > 0 ? 'failed' : 'passed', failures, by };
  });
}

/**
 * `gate calibration failed: ece 0.375 > 0.1` — one line per failure, or one line per gate that passed or was not
 * judged. The score's metrics are named by the score column (`psi(score)`), not by the internal `$score`.
 */
export function gateLines(
  results: readonly GateResult[],
  fmt: (x: number) => string,
  color: Palette = NO_COLOR,
  scoreColumn = 'score',
): string[] {
  const lines: string[] = [];
  for (const r of results) {
    if (r.status === 'failed') {
      for (const f of r.failures) {
        const subject = f.subject === SCORE_SUBJECT ? scoreColumn : f.subject;
        const where = subject === '' ? f.metric : `${f.metric}(${subject})`;
        lines.push(
          `gate ${r.gate} ${color.red('failed')}: ${where} ${fmt(f.value)} ${f.comparison} ${fmt(f.threshold)} (${r.by})`,
        );
      }
    } else if (r.status === 'passed') {
      lines.push(`gate ${r.gate} ${color.green('passed')} (${r.by})`);
    } else {
      lines.push(`gate ${r.gate} ${color.yellow('not judged')}: ${r.reason ?? ''}`);
    }
  }
  return lines;
}
