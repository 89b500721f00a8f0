/**
 * A window's analysis as metric rows (the `vigil_metric_rows` naming that rules, the HTTP API and Grafana read;
 * docs/metrics.md "Metric rows"): feature metrics keyed by feature, prediction drift under the feature `$score`,
 * model metrics with neither feature nor group, fairness differences keyed by attribute and per-group rates by
 * `attribute=group`. A value that cannot be computed (NaN, no labels) is stored as null.
 */
import { BAND_SIGMAS } from '@vigil/analyzers';
import type {
  FeatureDrift,
  ReconstructionWindow,
  SurrogateWindow,
  WindowAccumulator,
  WindowAnalysis,
} from '@vigil/analyzers';
import type { MetricName } from '@vigil/core';
import type { MetricRow, WindowKey } from '@vigil/store';
import { estimateBand, type EstimatedMetricName } from '../report/estimate-band';

/** The feature name of prediction-drift rows. */
export const SCORE_FEATURE = '$score';

/** The counts a window's rows carry: a window's accumulator, or a report's rows and labelled rows. */
export type WindowCounts = Pick<WindowAccumulator, 'rows' | 'unknownFeatures'> & {
  readonly outcome: Pick<WindowAccumulator['outcome'], 'labelled'>;
};

/**
 * `reconstruction`: the window's reconstruction error (`reconstructionWindow` of its accumulator, or a report's), written
 * as the model row `reconstructionError` with its band in `details`.
 * `surrogate`: the window's linear surrogate (models with an `explain` section): `surrogateR2` and per feature
 * `surrogateImportance`, and — unless the window's events logged attributions, whose rows these names then are —
 * `attributionNdcg` and the protected and proxy shares computed from the surrogate's importances
 * (docs/explanations.md#without-logged-attributions-the-linear-surrogate), each with `details.source` "surrogate".
 */
export function windowMetricRows(
  window: WindowKey,
  acc: WindowCounts,
  analysis: WindowAnalysis,
  reconstruction?: ReconstructionWindow,
  surrogate?: { window: SurrogateWindow; rankingRows: boolean },
): MetricRow[] {
  const rows: MetricRow[] = [];
  const { model, version, start: windowStart, end: windowEnd } = window;
  const windowRows = acc.rows;
  const labelledRows = acc.outcome.labelled;
  // A literal of one shape per row (not spreads of a base object): a window writes hundreds of rows and this is a
  // measurable part of closing it (docs/benchmarks.md, "Closing one window").
  const add = (
    metric: MetricName,
    value: number | null | undefined,
    feature = '',
    group = '',
    details?: unknown,
  ): void => {
    const row: MetricRow = {
      model,
      version,
      windowStart,
      windowEnd,
      rows: windowRows,
      labelledRows,
      metric,
      feature,
      group,
      value: value === undefined || value === null || !Number.isFinite(value) ? null : value,
    };
    if (details !== undefined) row.details = details;
    rows.push(row);
  };

  add('rows', acc.rows);
  add('labelledRows', acc.outcome.labelled);
  for (const d of analysis.drift) {
    // The deciding test's p-value row carries its Benjamini–Hochberg adjustment: p-value rules judge that one.
    const tested =
      d.pValueAdjusted === undefined
        ? undefined
        : d.method === 'ks'
          ? 'ksPValue'
          : d.method === 'chi2'
            ? 'chi2PValue'
            : undefined;
    for (const [metric, value] of Object.entries(d.metrics)) {
      if (metric !== 'referenceMissingRate')
        add(
          metric as MetricName,
          value,
          d.feature,
          '',
          metric === tested ? { pValueAdjusted: d.pValueAdjusted } : undefined,
        );
    }
    add('drifted', d.drifted ? 1 : 0, d.feature, '', driftDetails(d));
  }
  for (const q of analysis.quality ?? []) add('outOfRangeRate', q.outOfRangeRate, q.feature);
  // A window's accumulator always counts them (a report's counts do not): events with unconfigured feature keys.
  const unknown = acc.unknownFeatures;
  if (unknown)
    add('unknownFeatureRate', acc.rows > 0 ? unknown.rows / acc.rows : null, '', '', {
      rows: unknown.rows,
      names: unknown.names,
    });
  if (analysis.prediction) {
    const { histogram, pValueAdjusted } = analysis.prediction;
    const detailsOf = (metric: MetricName) =>
      metric === 'psi'
        ? { histogram }
        : metric === 'ksPValue' && pValueAdjusted !== undefined
          ? { pValueAdjusted }
          : undefined;
    for (const [metric, value] of Object.entries(analysis.prediction.metrics))
      add(metric as MetricName, value, SCORE_FEATURE, '', detailsOf(metric as MetricName));
  }
  if (analysis.calibration) {
    const c = analysis.calibration;
    add('ece', c.ece, '', '', { bins: c.bins });
    add('mce', c.mce);
    add('brier', c.brier);
  }
  // `threshold: reference` rules judge these rows against the band of reference chunks of the window's size.
  const bands = analysis.referenceBands;
  const band = (metric: string) => (bands?.[metric] ? { reference: bands[metric] } : undefined);
  if (analysis.performance) {
    for (const [metric, value] of Object.entries(analysis.performance))
      if (metric !== 'rows') add(metric as MetricName, value, '', '', band(metric));
  }
  if (analysis.estimated) {
    // Beside the realised rows: the estimate needs no labels, its band is ± 3 sampling errors of the window's size.
    // Where the reference cannot measure the sampling error (undefined, or 0: every row it counts alike) there is no
    // band but a reason, the words `vigil report` prints ("no band: …"), instead of [null, null] or a point.
    const { rows: estimatedRows, ...estimates } = analysis.estimated;
    for (const [metric, e] of Object.entries(estimates)) {
      const shown = estimateBand(metric as EstimatedMetricName, e);
      add(metric as MetricName, e.value, '', '', {
        samplingError: Number.isFinite(e.samplingError) ? e.samplingError : null,
        ...('band' in shown ? { band: shown.band } : { noBand: shown.reason }),
        rows: estimatedRows,
        ...band(metric),
      });
    }
  }
  if (reconstruction) {
    const { band } = reconstruction;
    add('reconstructionError', reconstruction.value, '', '', {
      lower: band.lower,
      upper: band.upper,
      referenceMean: band.mean,
      method: band.method,
      drifted: reconstruction.drifted,
      rows: reconstruction.rows,
      samplingError: Number.isFinite(reconstruction.samplingError) ? reconstruction.samplingError : null,
      // What a `threshold: reference` rule judges by (as the performance metrics' bands): σ of a mean error over
      // the window's rows, so mean + 3σ is `upper` (the band is mean ± BAND_SIGMAS·σ, `upper` never clipped).
      reference: { mean: band.mean, std: (band.upper - band.mean) / BAND_SIGMAS, chunkRows: band.chunkSize },
    });
  }
  for (const f of analysis.fairness) {
    add('statisticalParityDifference', f.statisticalParityDifference, '', f.attribute);
    add('disparateImpactRatio', f.disparateImpactRatio, '', f.attribute);
    add('equalOpportunityDifference', f.equalOpportunityDifference, '', f.attribute);
    add('equalizedOddsDifference', f.equalizedOddsDifference, '', f.attribute);
    add('predictiveParityDifference', f.predictiveParityDifference, '', f.attribute);
    for (const g of f.groups) {
      const key = `${f.attribute}=${g.group}`;
      const common = { n: g.n, labelled: g.labelled };
      add('selectionRate', g.selectionRate, '', key, { ...common, ci: g.ciSelectionRate, sufficient: g.sufficient });
      add('tpr', g.tpr, '', key, { ...common, ci: g.ciTpr, sufficient: g.sufficientLabelled });
      add('fpr', g.fpr, '', key, { ...common, ci: g.ciFpr, sufficient: g.sufficientLabelled });
      add('fnr', g.fnr, '', key, { ...common, ci: g.ciFnr, sufficient: g.sufficientLabelled });
      add('ppv', g.ppv, '', key, { ...common, ci: g.ciPpv, sufficient: g.sufficientLabelled });
      add('ece', g.ece, '', key, { ...common, sufficient: g.sufficientLabelled });
    }
  }
  if (analysis.attributions) {
    const a = analysis.attributions;
    add('attributionRows', a.rows);
    for (const f of a.features) {
      add('attributionMean', f.mean, f.feature, '', { rows: f.rows });
      add('attributionMeanAbs', f.meanAbs, f.feature, '', {
        rows: f.rows,
        rank: f.rank,
        referenceMeanAbs: f.referenceMeanAbs,
      });
    }
    add('attributionNdcg', a.ndcg, '', '', {
      k: a.k,
      ranking: a.features.map((f) => f.feature),
      referenceRanking: a.referenceRanking,
    });
    add('protectedAttributionShare', a.protectedShare, '', '', { reference: a.referenceProtectedShare });
    add('protectedAttributionShareRatio', a.protectedShareRatio, '', '', {
      share: a.protectedShare,
      reference: a.referenceProtectedShare,
    });
    add('proxyAttributionShare', a.proxyShare);
    for (const g of a.groups)
      add('protectedAttributionMeanAbs', g.meanAbs, g.feature, `${g.attribute}=${g.group}`, { rows: g.rows });
  }
  if (surrogate) {
    const s = surrogate.window;
    const source = { source: 'surrogate', rows: s.rows };
    add('surrogateR2', s.r2, '', '', { ...source, ridge: s.ridge });
    for (const [feature, value] of Object.entries(s.importances)) add('surrogateImportance', value, feature);
    if (surrogate.rankingRows) {
      add('attributionNdcg', s.ndcg, '', '', source);
      if (s.protectedShare !== null) {
        add('protectedAttributionShare', s.protectedShare, '', '', source);
        add('protectedAttributionShareRatio', s.protectedShareRatio, '', '', source);
      }
      if (s.proxyShare !== null) add('proxyAttributionShare', s.proxyShare, '', '', source);
    }
  }
  return rows;
}

function driftDetails(d: FeatureDrift) {
  return {
    method: d.method,
    value: Number.isFinite(d.value) ? d.value : null,
    threshold: d.threshold,
    ...(d.pValue !== undefined && Number.isFinite(d.pValue) ? { pValue: d.pValue } : {}),
    ...(d.pValueAdjusted !== undefined ? { pValueAdjusted: d.pValueAdjusted } : {}),
    ...(d.ksErrorBound !== undefined ? { ksErrorBound: d.ksErrorBound } : {}),
    histogram: d.histogram,
  };
}
