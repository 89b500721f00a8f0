/**
 * `vigil report`: one window. The reference file is fitted into a profile, the current file is accumulated like
 * any streaming window, and the window's metrics are computed by the same functions the daemon uses. Because a
 * report holds the raw values, the statistics that need them are exact here: KS and Wasserstein (sorted
 * samples, one worker thread per core), AUC and equal-mass ECE.
 */
import { VigilError, type Table } from '@vigil/core';
import { accumulate, emptyAccumulator, type WindowAccumulator } from '../accumulator/window-accumulator';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { binLabels } from '../profile/binning';
import { asNumeric, fitReferenceProfile, requireColumn, type ReferenceProfile } from '../profile/reference-profile';
import { calibrationFromBins, eceEqualMass } from '../stats/calibration';
import { classificationRates, rocAuc } from '../stats/classification';
import { fairnessDifferences, groupRates } from '../stats/fairness';
import { benjaminiHochberg } from '../stats/multiple-testing';
import { categoricalDrift, numericDrift, type NumericDrift } from '../window/feature-drift';
import { DRIFT_DEFAULTS, driftMethod, type DriftMethod } from './drift-decision';
import type { NumericColumnResult } from './numeric-column';
import { analyzeNumericColumns } from './parallel-columns';
import type { Calibration, FairnessResult, FeatureDrift, Report } from './report-types';

export interface ReportInput {
  reference: Table;
  current: Table;
  spec: AnalysisSpec;
  /** Feature names whose kind was inferred rather than given (shown in the report). */
  inferred?: ReadonlySet<string>;
  /** Worker threads for the numeric columns. @defaultValue the machine's available parallelism */
  parallelism?: number;
  now?: () => Date;
}

export async function analyzeReport(input: ReportInput): Promise<Report> {
  const { reference, current, spec } = input;
  const numericNames = [...spec.features.filter((f) => f.kind === 'numeric').map((f) => f.name), ...(spec.score !== undefined ? [spec.score] : [])];
  const columns = await analyzeNumericColumns(
    numericNames.map((name) => ({
      name,
      reference: asNumeric(reference, requireColumn(reference, name)).values,
      current: asNumeric(current, requireColumn(current, name)).values,
    })),
    input.parallelism,
  );
  const numeric = new Map(columns.map((c) => [c.name, c]));
  const profile = fitReferenceProfile(reference, spec, new Map(columns.map((c) => [c.name, c.profile])));
  const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, current, new Map(columns.map((c) => [c.name, c.accumulator])));

  const drift = profile.features.map((p, i): FeatureDrift => {
    const a = acc.features[i]!;
    if (p.kind === 'numeric' && a.kind === 'numeric') {
      const metrics = numericDrift(p, a, numeric.get(p.name));
      const method = driftMethod('numeric', metrics.referenceRows, metrics.currentRows);
      return {
        feature: p.name,
        kind: 'numeric',
        ...decidingMetric(method, metrics.ks, metrics.ksPValue, metrics.psi, spec.fdr),
        drifted: false,
        metrics: pickNumeric(metrics),
        histogram: { labels: binLabels(p.edges), reference: p.counts, current: a.counts },
      };
    }
    if (p.kind === 'categorical' && a.kind === 'categorical') {
      const m = categoricalDrift(p, a);
      const method = driftMethod('categorical', m.referenceRows, m.currentRows);
      return {
        feature: p.name,
        kind: 'categorical',
        ...decidingMetric(method, m.chi2, m.chi2PValue, m.psi, spec.fdr),
        drifted: false,
        metrics: {
          chi2: m.chi2,
          chi2PValue: m.chi2PValue,
          psi: m.psi,
          js: m.js,
          hellinger: m.hellinger,
          newCategoryRate: m.newCategoryRate,
          missingRate: m.missingRate,
          referenceMissingRate: m.referenceMissingRate,
        },
        histogram: { labels: m.labels, reference: m.referenceCounts, current: m.currentCounts },
      };
    }
    throw new VigilError('VIGIL_INTERNAL', `profile and accumulator disagree on the kind of "${p.name}"`);
  });

  decideDrift(drift, spec.fdr);

  return {
    rows: { reference: reference.rowCount, current: current.rowCount },
    task: spec.task,
    drift,
    ...predictionDrift(profile, acc, spec.score !== undefined ? numeric.get(spec.score) : undefined),
    ...outcomes(acc, current, spec),
    fairness: fairness(acc, spec),
    summary: { features: drift.length, drifted: drift.filter((d) => d.drifted).map((d) => d.feature), falseDiscoveryRate: spec.fdr },
    options: {
      threshold: spec.threshold,
      minGroupSize: spec.minGroupSize,
      features: spec.features.map((f) => ({ name: f.name, kind: f.kind, inferred: input.inferred?.has(f.name) ?? false })),
    },
    generatedAt: (input.now?.() ?? new Date()).toISOString(),
  };
}

/** What decides `drifted`: the test statistic and its p-value on small samples, PSI on large ones. */
function decidingMetric(method: DriftMethod, statistic: number, pValue: number, psi: number, fdr: number): Pick<FeatureDrift, 'method' | 'value' | 'threshold' | 'pValue'> {
  return method === 'psi' ? { method, value: psi, threshold: DRIFT_DEFAULTS.psi } : { method, value: statistic, threshold: fdr, pValue };
}

function pickNumeric(m: NumericDrift) {
  return {
    psi: m.psi,
    js: m.js,
    hellinger: m.hellinger,
    ks: m.ks,
    ksPValue: m.ksPValue,
    wasserstein: m.wasserstein,
    wassersteinNormed: m.wassersteinNormed,
    missingRate: m.missingRate,
    referenceMissingRate: m.referenceMissingRate,
  };
}

/**
 * Benjamini–Hochberg over the test p-values of every feature of the report (KS for numeric, chi-square for
 * categorical), so a report with many features does not cry wolf. Every feature gets its adjusted p-value; the
 * features decided by a test drift when it is at most the false-discovery rate.
 */
function decideDrift(drift: FeatureDrift[], fdr: number): void {
  const pValues = drift.map((d) => ('ksPValue' in d.metrics ? d.metrics.ksPValue : d.metrics.chi2PValue));
  const usable = pValues.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p));
  const { adjusted } = benjaminiHochberg(usable.map(([p]) => p), fdr);
  usable.forEach(([, i], j) => {
    (drift[i] as FeatureDrift).pValueAdjusted = adjusted[j] as number;
  });
  for (const d of drift) {
    if (d.method === 'ks' || d.method === 'chi2') d.drifted = d.pValueAdjusted !== undefined && d.pValueAdjusted <= fdr;
    else d.drifted = Number.isFinite(d.value) && d.value >= d.threshold;
  }
}

function predictionDrift(profile: ReferenceProfile, acc: WindowAccumulator, exact: NumericColumnResult | undefined): Pick<Report, 'prediction'> {
  if (!profile.score || !acc.outcome.score || !exact) return {};
  const m = numericDrift(profile.score, acc.outcome.score, exact);
  return {
    prediction: {
      metrics: { psi: m.psi, js: m.js, ks: m.ks, ksPValue: m.ksPValue, wasserstein: m.wasserstein },
      histogram: { labels: binLabels(profile.score.edges), reference: profile.score.counts, current: acc.outcome.score.counts },
    },
  };
}

function outcomes(acc: WindowAccumulator, current: Table, spec: AnalysisSpec): Pick<Report, 'calibration' | 'performance'> {
  const o = acc.outcome;
  if (o.labelled === 0 || spec.score === undefined || spec.label === undefined) return {};
  if (spec.task === 'regression') {
    return {
      performance: {
        mae: o.sumAbsoluteError / o.labelled,
        rmse: Math.sqrt(o.sumSquaredError / o.labelled),
        bias: o.sumError / o.labelled,
        rows: o.labelled,
      },
    };
  }
  const scores = asNumeric(current, requireColumn(current, spec.score)).values;
  const labels = asNumeric(current, requireColumn(current, spec.label)).values;
  const { ece, mce } = calibrationFromBins(o.calibration);
  const calibration: Calibration = {
    ece,
    eceEqualMass: eceEqualMass(scores, labels),
    mce,
    brier: o.sumSquaredError / o.labelled,
    bins: o.calibration.flatMap((b, i) =>
      b.count === 0 ? [] : [{ lower: i / o.calibration.length, upper: (i + 1) / o.calibration.length, count: b.count, meanScore: b.sumScore / b.count, positiveRate: b.sumLabel / b.count }],
    ),
    rows: o.labelled,
  };
  const rates = classificationRates(o);
  return {
    calibration,
    performance: { ...rates, auc: rocAuc(scores, labels), logLoss: o.sumLogLoss / o.labelled, rows: o.labelled },
  };
}

function fairness(acc: WindowAccumulator, spec: AnalysisSpec): FairnessResult[] {
  return spec.groups.map((attribute) => {
    const groups = Object.entries(acc.groups[attribute] ?? {})
      .sort(([a, ca], [b, cb]) => cb.n - ca.n || (a < b ? -1 : 1))
      .map(([group, counts]) => groupRates(group, counts, spec.minGroupSize));
    return { attribute, groups, ...fairnessDifferences(groups) };
  });
}
