import {
  DRIFT_DEFAULTS,
  type AttributionShareChange,
  type BinaryPerformance,
  type Calibration,
  type ConfusionMatrix,
  type EstimatedBinaryPerformance,
  type Explanations,
  type FairnessResult,
  type FeatureDrift,
  type FeatureQuality,
  type GroupRates,
  type Histogram,
  type MultivariateDrift,
  type NumericSummary,
  type RegressionPerformance,
  type Report,
  type SectionStatus,
  type ValueDistribution,
} from '@vigil/analyzers';
import { DEFAULT_RULES } from '@vigil/core';
import { formatCount, formatNumber, formatPercent, formatPValue, formatTimestamp, MISSING } from './format-number';
import { precisionRecallChart, rocChart, type OperatingPoint } from './curve-chart';
import { distributionChart } from './distribution-chart';
import { estimateBand, fewReferenceRows, type EstimatedMetricName } from './estimate-band';
import { groupRateChart } from './group-rate-chart';
import { histogramChart } from './histogram-chart';
import { importanceChart, MAX_CHART_FEATURES } from './importance-chart';
import { reliabilityDiagram } from './reliability-diagram';
import { REPORT_STYLES } from './report-styles';
import { computationLine } from './report-computation';
import { html, trustedHtml, type HtmlValue, type SafeHtml } from './safe-html';
import { SURROGATE_R2_WEAK, weakSurrogateFiles } from './surrogate-fit';

/**
 * Fairness differences above this are flagged in the report: 0.1 is the customary tolerance for demographic
 * parity and equalised odds differences (fairlearn's documentation and most audit guidance use it). A flag asks for
 * a look; it fails nothing: the default `fairness` gate fails on the parity difference alone, above
 * FAIRNESS_GATE (0.2, a medium-risk model's rule), and the page says both.
 */
const FAIRNESS_DIFFERENCE_FLAG = 0.1;
/** The default `fairness` gate's threshold, as `vigil report`'s gates take it (cli/report-gates.ts, GATE_DEFAULTS). */
const FAIRNESS_GATE =
  DEFAULT_RULES.medium.rules.find((r) => r.metric === 'statisticalParityDifference')?.threshold ?? 0.2;
/** The four-fifths rule of US employment guidance: a disparate impact ratio below 0.8 is flagged. */
const DISPARATE_IMPACT_FLAG = 0.8;
/**
 * PSI bands that practitioners read prediction drift with: below 0.1 stable, 0.1–0.2 moderate, 0.2 and above
 * shifted: the threshold and comparison a feature's PSI drifts by, the console's `DRIFT` and the score gate's.
 */
const PSI_MODERATE = 0.1;
const PSI_SHIFTED = DRIFT_DEFAULTS.psi;

/** What the caller knows about the run and the report does not: shown in the header and footer, escaped. */
export interface ReportContext {
  /** The reference and current file names as given on the command line. */
  inputs?: { reference: string; current: string };
  /** The Vigil version that made the report. */
  version?: string;
  /** The command line that made the report. */
  commandLine?: string;
}

const METHOD_LABELS: Record<FeatureDrift['method'], string> = {
  psi: 'PSI',
  ks: 'KS',
  chi2: 'χ²',
  js: 'JS',
  wasserstein: 'Wasserstein',
};

function featureAnchor(index: number): string {
  // Indices, not names: names are user input and need not be valid, unique or short ids.
  return `feature-${index}`;
}

function tile(label: string, value: HtmlValue, sub: HtmlValue, variant = ''): SafeHtml {
  return html`<div class="${`tile ${variant}`.trim()}"><div class="tile-label">${label}</div>
<div class="tile-value">${value}</div><div class="tile-sub">${sub}</div></div>`;
}

function badge(text: string, variant: 'bad' | 'good' | 'warn' | 'neutral'): SafeHtml {
  return html`<span class="${`badge ${variant}`}">${text}</span>`;
}

function isBinary(performance: BinaryPerformance | RegressionPerformance): performance is BinaryPerformance {
  return 'auc' in performance;
}

function isEstimated(performance: NonNullable<Report['performance']>): performance is EstimatedBinaryPerformance {
  return 'estimatedAccuracy' in performance;
}

function predictionStatus(psi: number): SafeHtml {
  if (psi >= PSI_SHIFTED) return badge('Shifted', 'bad');
  if (psi >= PSI_MODERATE) return badge('Moderate', 'warn');
  return badge('Stable', 'good');
}

interface FairnessFlag {
  metric: string;
  value: number;
}

function fairnessFlags(result: FairnessResult): FairnessFlag[] {
  const flags: FairnessFlag[] = [];
  const differences: [string, number | null][] = [
    ['parity difference', result.statisticalParityDifference],
    ['equal opportunity difference', result.equalOpportunityDifference],
    ['equalized odds difference', result.equalizedOddsDifference],
    ['predictive parity difference', result.predictiveParityDifference],
  ];
  for (const [metric, value] of differences) {
    if (value !== null && value > FAIRNESS_DIFFERENCE_FLAG) flags.push({ metric, value });
  }
  if (result.disparateImpactRatio !== null && result.disparateImpactRatio < DISPARATE_IMPACT_FLAG) {
    flags.push({ metric: 'disparate impact ratio', value: result.disparateImpactRatio });
  }
  return flags;
}

/** The largest of the max − min differences, the headline number for an attribute. */
function largestDifference(result: FairnessResult): FairnessFlag | undefined {
  const candidates: [string, number | null][] = [
    ['parity', result.statisticalParityDifference],
    ['equal opportunity', result.equalOpportunityDifference],
    ['equalized odds', result.equalizedOddsDifference],
    ['predictive parity', result.predictiveParityDifference],
  ];
  let best: FairnessFlag | undefined;
  for (const [metric, value] of candidates) {
    if (value !== null && (best === undefined || value > best.value)) best = { metric, value };
  }
  return best;
}

function notComputedText(status: SectionStatus | undefined): string {
  return `Not computed: ${status?.reason ?? 'not available'}.`;
}

function inputRow(side: string, file: string | undefined, rows: number): SafeHtml {
  return html`<div class="input"><span class="input-side">${side}</span>${file !== undefined && html`<code class="file" title="${file}">${file}</code>`}<span class="rows"><b>${formatCount(rows)}</b> rows</span></div>`;
}

function header(report: Report, sections: [string, string, boolean][], context: ReportContext): SafeHtml {
  return html`<header class="report-header">
<div class="eyebrow">Vigil · model monitoring report</div>
<h1>Drift, calibration and fairness report</h1>
<div class="inputs">
${inputRow('Reference', context.inputs?.reference, report.rows.reference)}
${inputRow('Current', context.inputs?.current, report.rows.current)}
</div>
<div class="meta">
<span>Task <b>${report.task}</b>${report.task === 'binary' && html` · threshold <b>${formatNumber(report.options.threshold)}</b>`}</span>
<span>Features <b>${formatCount(report.drift.length)}</b></span>
<span>Generated <time datetime="${report.generatedAt}"><b>${formatTimestamp(report.generatedAt)}</b></time></span>
${context.version !== undefined && html`<span>Vigil <b>${context.version}</b></span>`}
</div>
<nav class="toc" aria-label="Sections">${sections.map(([id, title, computed]) => html`<a href="#${id}" class="${computed ? '' : 'muted-link'}">${title}</a>`)}</nav>
</header>`;
}

/** A section whose inputs are missing: a neutral card that says why, never an empty or green one. */
function notComputedSection(id: string, title: string, status: SectionStatus | undefined): SafeHtml {
  return html`<section class="card not-computed" id="${id}">
<div class="section-head"><h2>${title}</h2>${badge('not computed', 'neutral')}</div>
<p class="reason">${notComputedText(status)}</p>
</section>`;
}

function summarySection(report: Report): SafeHtml {
  const driftIndex = new Map(report.drift.map((f, i) => [f, i]));
  const drifted = report.drift.filter((f) => f.drifted);
  const total = report.summary.features || report.drift.length;
  const driftTile = tile(
    'Feature drift',
    html`${drifted.length}<span class="unit">of ${total} drifted</span>`,
    drifted.length === 0
      ? html`No feature crossed its threshold.`
      : html`<div class="chips">${drifted.map(
          (f) =>
            html`<a class="chip" href="#${featureAnchor(driftIndex.get(f) ?? 0)}" title="${f.feature}">${f.feature}</a>`,
        )}</div>`,
    drifted.length > 0 ? 'alert' : '',
  );

  const prediction = report.prediction;
  const predictionTile = prediction
    ? tile(
        report.task === 'binary' ? 'Score drift' : 'Prediction drift',
        html`${formatNumber(prediction.metrics.psi)}<span class="unit">PSI</span> ${predictionStatus(prediction.metrics.psi)}`,
        html`KS <b>${formatNumber(prediction.metrics.ks)}</b> (p ${formatPValue(prediction.metrics.ksPValue)}) · JS <b>${formatNumber(prediction.metrics.js)}</b>`,
        prediction.metrics.psi >= PSI_SHIFTED ? 'alert' : '',
      )
    : tile('Prediction drift', MISSING, notComputedText(report.sections.prediction), 'inactive');

  const calibration = report.calibration;
  const calibrationTile = calibration
    ? tile(
        'Calibration',
        html`${formatNumber(calibration.ece)}<span class="unit">ECE</span>`,
        html`MCE <b>${formatNumber(calibration.mce)}</b> · Brier <b>${formatNumber(calibration.brier)}</b>`,
      )
    : tile('Calibration', MISSING, notComputedText(report.sections.calibration), 'inactive');

  const performance = report.performance;
  const performanceTile = performance
    ? isEstimated(performance)
      ? tile(
          'Estimated performance',
          html`${formatNumber(performance.estimatedAuc.value)}<span class="unit">AUC (est.)</span>`,
          html`accuracy <b>${formatPercent(performance.estimatedAccuracy.value, 1)}</b> · F1 <b>${formatNumber(performance.estimatedF1.value)}</b> · no labels`,
        )
      : isBinary(performance)
        ? tile(
            'Performance',
            html`${formatNumber(performance.auc)}<span class="unit">AUC</span>`,
            html`accuracy <b>${formatPercent(performance.accuracy, 1)}</b> · precision <b>${formatNumber(performance.precision)}</b> · recall <b>${formatNumber(performance.recall)}</b>`,
          )
        : tile(
            'Performance',
            html`${formatNumber(performance.rmse)}<span class="unit">RMSE</span>`,
            html`MAE <b>${formatNumber(performance.mae)}</b> · bias <b>${formatNumber(performance.bias)}</b>`,
          )
    : tile('Performance', MISSING, notComputedText(report.sections.performance), 'inactive');

  const flagged = report.fairness.map((r) => ({ result: r, flags: fairnessFlags(r) }));
  const flaggedCount = flagged.filter((f) => f.flags.length > 0).length;
  const fairnessTile =
    !report.sections.fairness.computed || report.fairness.length === 0
      ? tile('Fairness', MISSING, notComputedText(report.sections.fairness), 'inactive')
      : tile(
          'Fairness',
          html`${flaggedCount}<span class="unit">of ${report.fairness.length} flagged</span>`,
          flagged.map(({ result, flags }) => {
            const gap = largestDifference(result);
            return html`<div class="flag-row"><a href="#${`fairness-${report.fairness.indexOf(result)}`}" title="${result.attribute}">${result.attribute}</a>${
              flags.length > 0
                ? badge(flags.length === 1 ? '1 flag' : `${flags.length} flags`, 'bad')
                : gap
                  ? badge('ok', 'good')
                  : badge('not compared', 'neutral')
            }</div>
<div class="flag-detail">${gap ? `largest gap ${formatNumber(gap.value)} (${gap.metric})` : 'no comparable groups'}${
              result.disparateImpactRatio !== null && ` · DI ${formatNumber(result.disparateImpactRatio)}`
            }</div>`;
          }),
          flaggedCount > 0 ? 'alert' : '',
        );

  return html`<section class="card" id="summary">
<div class="section-head"><h2>Summary</h2>
<p>p-values adjusted with Benjamini–Hochberg at a false-discovery rate of ${formatPercent(report.summary.falseDiscoveryRate)}</p></div>
<div class="tiles">${driftTile}${predictionTile}${calibrationTile}${performanceTile}${fairnessTile}</div>
</section>`;
}

function numCell(
  value: number | null | undefined,
  decisive = false,
  format = formatNumber,
  groupStart = false,
): SafeHtml {
  const cls = ['num', decisive ? 'decisive' : '', groupStart ? 'group-start' : ''].filter(Boolean).join(' ');
  return html`<td class="${cls}">${format(value)}</td>`;
}

function featureRow(f: FeatureDrift, index: number, inferred: boolean): SafeHtml {
  const m = f.metrics;
  const categorical = 'chi2' in m;
  const numeric = categorical ? null : m;
  const cat = categorical ? m : null;
  // Every feature has a histogram in the distributions section; the anchor is the same for all of them.
  const name = html`<a href="#${featureAnchor(index)}" title="${f.feature}">${f.feature}</a>`;
  const testStatistic = numeric ? numeric.ks : cat?.chi2;
  const testP = numeric ? numeric.ksPValue : cat?.chi2PValue;
  const testDecisive = f.method === 'ks' || f.method === 'chi2';
  return html`<tr class="${f.drifted ? 'drifted' : ''}">
<td class="feature"><span class="feature-name">${name}</span><span class="hint">${f.kind}${inferred && ' · inferred'}${binnedMark(f)}</span></td>
<td>${f.drifted ? badge('Drifted', 'bad') : badge('Stable', 'good')}</td>
<td class="group-start nowrap">${METHOD_LABELS[f.method]}</td>
${numCell(f.value, true)}${numCell(f.threshold)}${numCell(f.pValueAdjusted, false, formatPValue)}
${numCell(m.psi, f.method === 'psi', formatNumber, true)}${numCell(m.js, f.method === 'js')}${numCell(m.hellinger)}
<td class="num group-start${testDecisive ? ' decisive' : ''}">${testStatistic === undefined ? MISSING : html`<span class="stat-name">${numeric ? 'D' : 'χ²'}</span> ${formatNumber(testStatistic)}`}</td>${numCell(testP, false, formatPValue)}
${numCell(numeric?.wasserstein, f.method === 'wasserstein', formatNumber, true)}${numCell(numeric?.wassersteinNormed)}${numCell(cat?.newCategoryRate, false, (v) => formatPercent(v))}
${numCell(m.referenceMissingRate, false, (v) => formatPercent(v), true)}${numCell(m.missingRate, false, (v) => formatPercent(v))}
</tr>`;
}

function featuresSection(report: Report): SafeHtml {
  const inferred = new Set(report.options.features.filter((f) => f.inferred).map((f) => f.name));
  // Drifted features first, so the rows that need attention are on screen without scrolling.
  const rows = driftedFirst(report.drift).map(({ f, i }) => featureRow(f, i, inferred.has(f.feature)));
  return html`<section class="card" id="features">
<div class="section-head"><h2>Features</h2><p>${report.drift.length} features · drifted first · bold: the metric that decides</p></div>
<div class="table-scroll"><table class="sticky-first features">
<thead>
<tr class="group-head"><th colspan="2"></th><th colspan="4" class="group-start">Decision</th><th colspan="3" class="group-start">Distances</th><th colspan="2" class="group-start">Test</th><th colspan="3" class="group-start">Shift</th><th colspan="2" class="group-start">Missing</th></tr>
<tr><th>Feature</th><th>Status</th><th class="group-start">Method</th><th class="num">Value</th><th class="num">Threshold</th><th class="num" title="Benjamini–Hochberg adjusted p-value">BH p</th>
<th class="num group-start">PSI</th><th class="num">JS</th><th class="num">Hellinger</th>
<th class="num group-start" title="KS D for numeric features, χ² for categorical ones">KS D / χ²</th><th class="num">p-value</th>
<th class="num group-start" title="Wasserstein-1 distance">W₁</th><th class="num" title="Wasserstein-1 over the reference's standard deviation">W₁ / σ</th><th class="num" title="Share of current rows in categories the reference never saw">New cat.</th>
<th class="num group-start">Ref.</th><th class="num">Cur.</th></tr>
</thead>
<tbody>${rows}</tbody>
</table></div>
</section>`;
}

/** Features with their index in `drift`, drifted ones first, each group in the report's order. */
function driftedFirst(drift: readonly FeatureDrift[]): { f: FeatureDrift; i: number }[] {
  return drift.map((f, i) => ({ f, i })).sort((a, b) => Number(b.f.drifted) - Number(a.f.drifted) || a.i - b.i);
}

/**
 * ` · binned, KS ±0.003` for a feature that took the binned path of a large report (docs/report.md, "Large files"),
 * as the console marks it; its title says what is estimated and what stays exact. Nothing for exact features.
 */
function binnedMark(f: FeatureDrift): SafeHtml | false {
  if (f.statistics !== 'binned') return false;
  const title = `Binned: KS within ${formatNumber(f.ksErrorBound ?? 0)} and W₁ within ${formatNumber(f.wassersteinErrorBound ?? 0)} of exact; rows, missing values, min, max, mean and the bin counts are exact`;
  return html` · <span class="binned" title="${title}">binned, KS ±${formatNumber(f.ksErrorBound ?? 0)}</span>`;
}

function featureStats(f: FeatureDrift): string {
  const parts = [`${METHOD_LABELS[f.method]} ${formatNumber(f.value)} (threshold ${formatNumber(f.threshold)})`];
  if (f.pValueAdjusted !== undefined) parts.push(`BH p ${formatPValue(f.pValueAdjusted)}`);
  else if (f.pValue !== undefined) parts.push(`p ${formatPValue(f.pValue)}`);
  if (f.method !== 'psi') parts.push(`PSI ${formatNumber(f.metrics.psi)}`);
  if (f.method !== 'js') parts.push(`JS ${formatNumber(f.metrics.js)}`);
  if (f.statistics === 'binned')
    parts.push(`binned: KS ±${formatNumber(f.ksErrorBound ?? 0)}, W₁ ±${formatNumber(f.wassersteinErrorBound ?? 0)}`);
  return parts.join(' · ');
}

function distributionsSection(report: Report): SafeHtml | null {
  const prediction = report.prediction;
  if (report.drift.length === 0 && !prediction) return null;
  const drifted = report.drift.filter((f) => f.drifted).length;
  const figures = driftedFirst(report.drift).map(
    ({ f, i }) => html`<figure class="chart-card" id="${featureAnchor(i)}">
<figcaption><div class="title-row"><h3 title="${f.feature}">${f.feature}</h3><span class="nowrap">${f.drifted ? badge('Drifted', 'bad') : badge('Stable', 'good')} <span class="muted small">${f.kind}</span></span></div>
<div class="stats">${featureStats(f)}</div></figcaption>
${binnedCharts(
  namedNewBin(
    f.histogram,
    report.dataQuality.find((q) => q.feature === f.feature),
  ),
  f.distribution,
  f.feature,
  f.kind,
)}
</figure>`,
  );
  const scoreTitle = report.task === 'binary' ? 'Predicted score' : 'Predicted value';
  const scoreFigure = prediction
    ? html`<figure class="chart-card" id="prediction">
<figcaption><div class="title-row"><h3>${scoreTitle}</h3>${predictionStatus(prediction.metrics.psi)}</div>
<div class="stats">PSI ${formatNumber(prediction.metrics.psi)} · KS ${formatNumber(prediction.metrics.ks)} (p ${formatPValue(prediction.metrics.ksPValue)}) · JS ${formatNumber(prediction.metrics.js)} · W₁ ${formatNumber(prediction.metrics.wasserstein)}</div></figcaption>
${binnedCharts(prediction.histogram, prediction.distribution, 'predicted score', 'numeric')}
</figure>`
    : html`<figure class="chart-card not-computed" id="prediction"><figcaption><div class="title-row"><h3>${scoreTitle}</h3>${badge('not computed', 'neutral')}</div></figcaption>
<p class="reason">${notComputedText(report.sections.prediction)}</p></figure>`;
  return html`<section class="card" id="distributions">
<div class="section-head"><h2>Distributions</h2><p>every feature, reference vs current · ${drifted > 0 ? `${drifted} drifted first` : 'no feature drifted'} · the model output first</p></div>
<div class="chart-grid">${scoreFigure}${figures}</div>
</section>`;
}

/** New categories a chart's bar names; the data-quality table lists the five most frequent. */
const NEW_BIN_NAMES = 2;

/**
 * The bar of the categories the reference never saw (the analysis's `(new)` bin, last, with no reference rows),
 * named by them as the data-quality table names them: `central (new)`, `central, east + 3 more (new)`.
 */
function namedNewBin(histogram: Histogram, quality: FeatureQuality | undefined): Histogram {
  const at = histogram.labels.length - 1;
  if (
    at < 0 ||
    histogram.labels[at] !== '(new)' ||
    (histogram.reference[at] ?? 0) !== 0 ||
    quality?.kind !== 'categorical' ||
    quality.newCategories.top.length === 0
  )
    return histogram;
  const n = quality.newCategories;
  const named = n.top.slice(0, NEW_BIN_NAMES).map((c) => c.category);
  const more = n.distinct - named.length;
  const label = `${named.join(', ')}${more > 0 ? ` + ${formatCount(more)} more` : ''} (new)`;
  return { ...histogram, labels: [...histogram.labels.slice(0, at), label] };
}

/**
 * A numeric column's shape over equal-width bins, with the reference-decile bins that PSI, JS and Hellinger are
 * computed on one click away; categorical columns (and reports without the equal-width bins) show their bins.
 */
function binnedCharts(
  histogram: Histogram,
  distribution: ValueDistribution | undefined,
  title: string,
  kind: FeatureDrift['kind'],
): SafeHtml {
  if (!distribution || kind !== 'numeric') return histogramChart(histogram, { title, kind });
  return html`${distributionChart(distribution, title)}
<details class="psi-bins"><summary>PSI bins (reference deciles)</summary>${histogramChart(histogram, { title, kind })}</details>`;
}

/** Current figures worse than the reference's by more than this share of rows are highlighted. */
const QUALITY_FLAG = 0.01;

function shareCell(value: number, flagged: boolean, detail?: string): SafeHtml {
  return html`<td class="${flagged ? 'num flagged' : 'num'}">${formatPercent(value)}${detail !== undefined && html`<span class="ci">${detail}</span>`}</td>`;
}

function qualityRows(q: FeatureQuality, index: number): SafeHtml {
  // Binned (large reports): the quantiles are estimates within their value bucket; the rest is exact.
  const binned =
    q.kind === 'numeric' &&
    q.statistics === 'binned' &&
    html` · <span class="binned" title="Binned: p5–p95 lie within the value bucket of the exact quantile; rows, missing values, min, max and mean are exact">binned quantiles</span>`;
  const name = html`<td class="feature" rowspan="2"><span class="feature-name"><a href="#${featureAnchor(index)}" title="${q.feature}">${q.feature}</a></span><span class="hint">${q.kind}${binned}</span></td>`;
  const missingFlag = q.current.missingShare - q.reference.missingShare > QUALITY_FLAG;
  if (q.kind === 'numeric') {
    const stats = (side: NumericSummary): SafeHtml =>
      html`${numCell(side.min, false, formatNumber, true)}${numCell(side.p5)}${numCell(side.p25)}${numCell(side.p50)}${numCell(side.p75)}${numCell(side.p95)}${numCell(side.max)}${numCell(side.mean, false, formatNumber, true)}`;
    const out = q.outsideReferenceRange;
    return html`<tr class="ref-row">${name}<td class="side">Reference</td>${shareCell(q.reference.missingShare, false)}<td class="num">${MISSING}</td>${stats(q.reference)}</tr>
<tr class="cur-row"><td class="side">Current</td>${shareCell(q.current.missingShare, missingFlag)}${shareCell(out.share, out.share > 0, `${formatCount(out.below)} below · ${formatCount(out.above)} above`)}${stats(q.current)}</tr>`;
  }
  const describe = (side: typeof q.reference): string =>
    `${formatCount(side.categories)} ${side.categories === 1 ? 'category' : 'categories'}` +
    (side.top
      ? ` · most frequent ${side.top.category} (${formatPercent(side.top.rows / Math.max(1, side.rows - side.missing))})`
      : '');
  const n = q.newCategories;
  const newNames =
    n.top.map((t) => `${t.category} (${formatCount(t.rows)})`).join(', ') +
    (n.distinct > n.top.length ? `, … ${n.distinct - n.top.length} more` : '');
  return html`<tr class="ref-row">${name}<td class="side">Reference</td>${shareCell(q.reference.missingShare, false)}<td class="num">${MISSING}</td><td colspan="8" class="group-start categories">${describe(q.reference)}</td></tr>
<tr class="cur-row"><td class="side">Current</td>${shareCell(q.current.missingShare, missingFlag)}${shareCell(n.share, n.rows > 0, `${formatCount(n.rows)} rows`)}<td colspan="8" class="group-start categories">${describe(q.current)}${n.rows > 0 && html`<div class="new-categories">New: ${newNames}</div>`}</td></tr>`;
}

function dataQualitySection(report: Report): SafeHtml | null {
  if (report.dataQuality.length === 0) return null;
  const index = new Map(report.drift.map((f, i) => [f.feature, i]));
  const outside = report.dataQuality.filter((q) =>
    q.kind === 'numeric' ? q.outsideReferenceRange.share > 0 : q.newCategories.rows > 0,
  ).length;
  return html`<section class="card" id="data-quality">
<div class="section-head"><h2>Data quality</h2><p>${outside} of ${report.dataQuality.length} features with current values outside the reference (range or categories) · shares of non-missing rows</p></div>
<div class="table-scroll"><table class="quality">
<thead><tr><th>Feature</th><th></th><th class="num">Missing</th><th class="num" title="Numeric: below the reference minimum or above its maximum. Categorical: categories the reference never saw.">Outside ref. / new</th>
<th class="num group-start">Min</th><th class="num">P5</th><th class="num">P25</th><th class="num">Median</th><th class="num">P75</th><th class="num">P95</th><th class="num">Max</th><th class="num group-start">Mean</th></tr></thead>
<tbody>${report.dataQuality.map((q) => qualityRows(q, index.get(q.feature) ?? 0))}</tbody>
</table></div>
<p class="note">Quantiles interpolate linearly between the sorted values (numpy's default). Highlighted: values outside the reference, and a missing share more than ${formatPercent(QUALITY_FLAG)} above the reference's.</p>
</section>`;
}

/** Bin tables read down a column, so one fixed number of decimals keeps the points aligned. */
function fixed3(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? MISSING : value.toFixed(3);
}

function calibrationSection(calibration: Calibration): SafeHtml {
  const rows = calibration.bins.map(
    (
      b,
    ) => html`<tr><td class="num">${formatNumber(b.lower, 2)}–${formatNumber(b.upper, 2)}</td>${numCell(b.count, false, (v) => formatCount(v ?? NaN))}
${b.count > 0 ? html`${numCell(b.meanScore, false, fixed3)}${numCell(b.positiveRate, false, fixed3)}${numCell(Math.abs(b.positiveRate - b.meanScore), false, fixed3)}` : html`<td class="num">${MISSING}</td><td class="num">${MISSING}</td><td class="num">${MISSING}</td>`}</tr>`,
  );
  return html`<section class="card" id="calibration">
<div class="section-head"><h2>Calibration</h2><p>${formatCount(calibration.rows)} labelled rows · 10 equal-width score bins</p></div>
<div class="calibration-layout">
<figure>${reliabilityDiagram(calibration)}</figure>
<div>
<div class="tiles">
${tile('ECE', formatNumber(calibration.ece), 'expected calibration error')}
${tile('ECE equal-mass', formatNumber(calibration.eceEqualMass), '10 equal-mass bins')}
${tile('MCE', formatNumber(calibration.mce), 'largest bin gap')}
${tile('Brier', formatNumber(calibration.brier), 'mean squared error of the score')}
</div>
<div class="table-scroll"><table>
<thead><tr><th class="num">Scores</th><th class="num">Rows</th><th class="num">Mean score</th><th class="num">Positive rate</th><th class="num">Gap</th></tr></thead>
<tbody>${rows}</tbody></table></div>
</div>
</div>
</section>`;
}

function confusionCell(label: string, count: number, total: number, correct: boolean): SafeHtml {
  return html`<td class="${correct ? 'cm correct' : 'cm error'}"><span class="cm-label">${label}</span><span class="cm-count">${formatCount(count)}</span><span class="cm-share">${formatPercent(total > 0 ? count / total : NaN)} of rows</span></td>`;
}

function confusionBlock(c: ConfusionMatrix): SafeHtml {
  const total = c.tp + c.fp + c.tn + c.fn;
  const rule =
    c.predictionColumn !== undefined
      ? html`predicted class from column <b>${c.predictionColumn}</b>`
      : html`positive when score ≥ <b>${formatNumber(c.threshold)}</b>`;
  const rate = (label: string, value: number | null, definition: string): SafeHtml =>
    html`<tr><th scope="row">${label}<span class="definition">${definition}</span></th><td class="num">${formatPercent(value, 1)}</td></tr>`;
  return html`<figure class="confusion">
<figcaption><h3>Confusion matrix</h3><div class="stats">${rule} · ${formatCount(total)} labelled rows</div></figcaption>
<table class="confusion-matrix">
<thead><tr><th></th><th>Predicted positive</th><th>Predicted negative</th></tr></thead>
<tbody>
<tr><th scope="row">Actual positive</th>${confusionCell('TP', c.tp, total, true)}${confusionCell('FN', c.fn, total, false)}</tr>
<tr><th scope="row">Actual negative</th>${confusionCell('FP', c.fp, total, false)}${confusionCell('TN', c.tn, total, true)}</tr>
</tbody></table>
<table class="rates"><tbody>
${rate('TPR (recall)', c.tpr, 'TP / (TP + FN)')}${rate('FPR', c.fpr, 'FP / (FP + TN)')}${rate('TNR (specificity)', c.tnr, 'TN / (TN + FP)')}
${rate('FNR', c.fnr, 'FN / (FN + TP)')}${rate('Precision', c.precision, 'TP / (TP + FP)')}${rate('NPV', c.npv, 'TN / (TN + FN)')}
</tbody></table>
</figure>`;
}

function binaryCharts(p: BinaryPerformance, curves: SectionStatus): SafeHtml {
  const c = p.confusion;
  const at = c ? (c.predictionColumn !== undefined ? 'predicted class' : `threshold ${formatNumber(c.threshold)}`) : '';
  const rocPoint: OperatingPoint | undefined =
    c && c.fpr !== null && c.tpr !== null ? { x: c.fpr, y: c.tpr, label: at } : undefined;
  const prPoint: OperatingPoint | undefined =
    c && c.tpr !== null && c.precision !== null ? { x: c.tpr, y: c.precision, label: at } : undefined;
  const positiveRate = c ? (c.tp + c.fn) / Math.max(1, c.tp + c.fp + c.tn + c.fn) : NaN;
  const charts =
    p.roc && p.pr
      ? html`<figure class="curve-card" id="roc-curve"><figcaption><h3>ROC curve</h3><div class="stats">AUC ${formatNumber(p.auc)} · ${formatCount(p.roc.fpr.length)} points</div></figcaption>${rocChart(p.roc, p.auc, rocPoint)}</figure>
<figure class="curve-card" id="pr-curve"><figcaption><h3>Precision–recall curve</h3><div class="stats">average precision ${formatNumber(p.averagePrecision)} · ${formatCount(p.pr.recall.length)} points</div></figcaption>${precisionRecallChart(p.pr, p.averagePrecision ?? NaN, positiveRate, prPoint)}</figure>`
      : html`<figure class="curve-card not-computed" id="roc-curve"><figcaption><h3>ROC and precision–recall curves</h3>${badge('not computed', 'neutral')}</figcaption><p class="reason">${notComputedText(curves)}</p></figure>`;
  return html`<div class="performance-layout">${c && confusionBlock(c)}${charts}</div>`;
}

/** Performance estimated without labels (CBPE): each estimate with its band of ± 3 sampling errors. */
function estimatedPerformanceSection(performance: EstimatedBinaryPerformance): SafeHtml {
  const estimate = (label: string, metric: EstimatedMetricName): SafeHtml => {
    const e = performance[metric];
    const b = estimateBand(metric, e);
    // Accuracy as a percentage, as the summary and the labelled Performance tile show it.
    const format = metric === 'estimatedAccuracy' ? (v: number) => formatPercent(v, 1) : formatNumber;
    return tile(
      label,
      format(e.value),
      'band' in b ? html`band ${format(b.band[0])} – ${format(b.band[1])}` : html`no band: ${b.reason}`,
    );
  };
  const few = fewReferenceRows(performance);
  return html`<section class="card" id="performance">
<div class="section-head"><h2>Estimated performance</h2><p>${formatCount(performance.rows)} unlabelled rows in the current data, estimated from the ${performance.calibration === 'isotonic' ? 'calibrated ' : ''}scores (CBPE) with ${formatCount(performance.referenceRows)} labelled reference rows</p></div>
<div class="tiles performance-tiles">${[
    estimate('AUC', 'estimatedAuc'),
    estimate('Accuracy', 'estimatedAccuracy'),
    estimate('Precision', 'estimatedPrecision'),
    estimate('Recall', 'estimatedRecall'),
    estimate('F1', 'estimatedF1'),
  ]}</div>
${few !== undefined && html`<p class="warning">${`${few.charAt(0).toUpperCase()}${few.slice(1)}.`}</p>`}
<p class="note">The band is the estimate ± 3 sampling errors of a current sample of this size; it does not include the error of the reference the estimate was calibrated on.</p>
</section>`;
}

function performanceSection(report: Report, performance: BinaryPerformance | RegressionPerformance): SafeHtml {
  const tiles = isBinary(performance)
    ? [
        tile('AUC', formatNumber(performance.auc), 'area under the ROC curve'),
        ...(performance.averagePrecision !== undefined
          ? [
              tile(
                'Average precision',
                formatNumber(performance.averagePrecision),
                'area under the precision–recall curve',
              ),
            ]
          : []),
        tile('Accuracy', formatPercent(performance.accuracy, 1), 'at the decision threshold'),
        tile('Precision', formatNumber(performance.precision), 'positive predictive value'),
        tile('Recall', formatNumber(performance.recall), 'true positive rate'),
        tile('Log loss', formatNumber(performance.logLoss), 'cross-entropy of the score'),
      ]
    : [
        tile('MAE', formatNumber(performance.mae), 'mean absolute error'),
        tile('RMSE', formatNumber(performance.rmse), 'root mean squared error'),
        tile('Bias', formatNumber(performance.bias), 'mean of prediction − label'),
      ];
  return html`<section class="card" id="performance">
<div class="section-head"><h2>Performance</h2><p>${formatCount(performance.rows)} labelled rows in the current data</p></div>
<div class="tiles performance-tiles">${tiles}</div>
${isBinary(performance) && binaryCharts(performance, report.sections.curves)}
</section>`;
}

function rateCell(value: number | null, ci: [number, number] | null, groupStart = false): SafeHtml {
  if (value === null) return html`<td class="${groupStart ? 'num group-start' : 'num'}">${MISSING}</td>`;
  return html`<td class="${groupStart ? 'num group-start' : 'num'}">${formatPercent(value, 1)}${
    ci && html`<span class="ci">${formatPercent(ci[0], 1)}–${formatPercent(ci[1], 1)}</span>`
  }</td>`;
}

function groupStatus(g: GroupRates): SafeHtml {
  if (!g.sufficient) return badge('too few rows', 'warn');
  if (!g.sufficientLabelled && g.tpr !== null) return badge('too few labels', 'warn');
  return badge('used', 'neutral');
}

function differenceRow(
  label: string,
  definition: string,
  value: number | null,
  flagged: boolean,
  missing = 'needs two sufficient groups',
): SafeHtml {
  return html`<tr class="${flagged ? 'flagged' : ''}"><th scope="row">${label}<span class="definition">${value === null ? missing : definition}</span></th>
<td class="num value">${formatNumber(value)}</td><td>${flagged ? badge('flag', 'bad') : value !== null && badge('ok', 'good')}</td></tr>`;
}

function attributeBlock(result: FairnessResult, index: number, minGroupSize: number): SafeHtml {
  const over = (v: number | null): boolean => v !== null && v > FAIRNESS_DIFFERENCE_FLAG;
  const di = result.disparateImpactRatio;
  const insufficient = result.groups.filter((g) => !g.sufficient).length;
  // Without labels the label-based differences cannot exist, whatever the group sizes.
  const labelMissing = result.groups.some((g) => g.labelled > 0) ? undefined : 'needs labels in the current file';
  const rows = result.groups.map(
    (
      g,
    ) => html`<tr><td class="feature">${g.group}</td>${numCell(g.n, false, (v) => formatCount(v ?? NaN))}${numCell(g.labelled, false, (v) => formatCount(v ?? NaN))}
${rateCell(g.selectionRate, g.ciSelectionRate, true)}${rateCell(g.tpr, g.ciTpr)}${rateCell(g.fpr, g.ciFpr)}${rateCell(g.ppv, g.ciPpv)}
${numCell(g.ece, false, fixed3)}<td>${groupStatus(g)}</td></tr>`,
  );
  return html`<div class="attribute" id="${`fairness-${index}`}">
<h3>${result.attribute} <span class="muted small">${result.groups.length} groups${insufficient > 0 && ` · ${insufficient} below ${minGroupSize} rows`}</span></h3>
<div class="attribute-layout">
<table class="differences"><tbody>
${differenceRow('Parity difference', 'max − min selection rate', result.statisticalParityDifference, over(result.statisticalParityDifference))}
${differenceRow('Disparate impact', 'min / max selection rate', di, di !== null && di < DISPARATE_IMPACT_FLAG)}
${differenceRow('Equal opportunity', 'max − min TPR', result.equalOpportunityDifference, over(result.equalOpportunityDifference), labelMissing)}
${differenceRow('Equalized odds', 'larger of the TPR and FPR gaps', result.equalizedOddsDifference, over(result.equalizedOddsDifference), labelMissing)}
${differenceRow('Predictive parity', 'max − min PPV', result.predictiveParityDifference, over(result.predictiveParityDifference), labelMissing)}
</tbody></table>
<div class="chart-wrap">${groupRateChart(result, `fairness-${index}`)}</div>
</div>
<div class="table-scroll"><table class="sticky-first">
<thead><tr><th>Group</th><th class="num">Rows</th><th class="num">Labelled</th><th class="num group-start">Selection rate</th><th class="num">TPR</th><th class="num">FPR</th><th class="num">PPV</th><th class="num">ECE</th><th>Status</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<p class="note">Rates with their 95% Wilson interval underneath. FNR is 1 − TPR.</p>
</div>`;
}

function fairnessSection(report: Report): SafeHtml {
  return html`<section class="card" id="fairness">
<div class="section-head"><h2>Fairness</h2><p>flagged for review: differences above ${formatNumber(FAIRNESS_DIFFERENCE_FLAG)}, disparate impact below ${formatNumber(DISPARATE_IMPACT_FLAG)} · the default fairness gate (--fail-on fairness) fails only on a parity difference above ${formatNumber(FAIRNESS_GATE)} · groups under ${report.options.minGroupSize} rows are shown but not compared</p></div>
${report.fairness.map((r, i) => attributeBlock(r, i, report.options.minGroupSize))}
</section>`;
}

/** Multivariate drift: the reconstruction error against its reference band, and the domain classifier's AUC. */
function multivariateSection(m: MultivariateDrift): [string, string, boolean, SafeHtml] {
  const c = m.domainClassifier;
  const classifierTile =
    c &&
    tile(
      'Domain classifier',
      html`${formatNumber(c.auc)}<span class="unit">ROC AUC</span>`,
      html`${c.folds}-fold cross-validated logistic regression (seed ${c.seed}) · 0.5 = the files cannot be told apart`,
      c.auc >= 0.6 ? 'alert' : '',
    );
  if (!m.computed) {
    return [
      'multivariate',
      'Multivariate drift',
      c !== undefined,
      html`<section class="${c ? 'card' : 'card not-computed'}" id="multivariate">
<div class="section-head"><h2>Multivariate drift</h2>${badge('not computed', 'neutral')}</div>
<p class="reason">Data reconstruction: ${notComputedText({ computed: false, reason: m.reason })}</p>
${c && html`<div class="tiles">${classifierTile}</div>`}
</section>`,
    ];
  }
  const band = m.referenceReconstructionError;
  const basis =
    band.method === 'chunks'
      ? html`mean ± 3σ of ${formatCount(band.chunks)} reference chunks of ${formatCount(band.chunkSize)} rows`
      : html`reference mean ± 3σ/√${formatCount(band.chunkSize)} (the reference is shorter than two chunks)`;
  return [
    'multivariate',
    'Multivariate drift',
    true,
    html`<section class="card" id="multivariate">
<div class="section-head"><h2>Multivariate drift</h2><p>data reconstruction (PCA of the standardised features, ${formatCount(m.components)} of ${formatCount(m.features)} axes, ${formatPercent(m.explainedVariance, 1)} of the reference variance)</p></div>
<div class="tiles">${[
      tile(
        'Reconstruction error',
        html`${formatNumber(m.reconstructionError)} ${m.drifted ? badge('Drift', 'bad') : badge('Stable', 'good')}`,
        html`${formatCount(m.rows)} current rows · sampling error ${formatNumber(m.samplingError)}`,
        m.drifted ? 'alert' : '',
      ),
      tile(
        'Reference band',
        html`${formatNumber(band.lower)} – ${formatNumber(band.upper)}`,
        html`${basis}; reference mean ${formatNumber(band.mean)}`,
      ),
      ...(classifierTile ? [classifierTile] : []),
    ]}</div>
</section>`,
  ];
}

/** NDCG of the feature ranking below this is flagged: SageMaker Clarify's attribution-drift alert mark. */
const NDCG_FLAG = 0.9;

function shareTile(label: string, c: AttributionShareChange): SafeHtml {
  return tile(
    label,
    html`${formatPercent(c.current, 1)}<span class="unit">of the importance</span> ${c.grew ? badge('grew', 'bad') : badge('steady', 'good')}`,
    html`reference <b>${formatPercent(c.reference, 1)}</b>${c.ratio !== null && html` · ×<b>${formatNumber(c.ratio)}</b>`} · ${c.features.join(', ')}`,
    c.grew ? 'alert' : '',
  );
}

function explanationsSection(x: Explanations): SafeHtml {
  const surrogate = x.source === 'surrogate';
  const r2 = x.surrogateR2;
  const weak = weakSurrogateFiles(r2).length > 0;
  const tiles = [
    tile(
      'Ranking change',
      html`${formatNumber(x.ndcg)}<span class="unit">${`NDCG@${x.k}`}</span> ${x.ndcg !== null && (x.ndcg < NDCG_FLAG ? badge('moved', 'bad') : badge('stable', 'good'))}`,
      html`1 = the reference's order; below ${formatNumber(NDCG_FLAG)} is flagged`,
      x.ndcg !== null && x.ndcg < NDCG_FLAG ? 'alert' : '',
    ),
    x.protectedShare && shareTile('Protected attributes', x.protectedShare),
    x.proxyShare && shareTile('Proxies', x.proxyShare),
    r2 &&
      tile(
        'Surrogate fit',
        html`${formatNumber(r2.current)}<span class="unit">R²</span> ${weak && badge('weak', 'warn')}`,
        html`reference <b>${formatNumber(r2.reference)}</b> · share of the score-logit's variance the linear surrogate explains`,
      ),
  ];
  const warning =
    x.protectedShare?.grew === true &&
    html`<p class="warning">${`The protected attributes (${x.protectedShare.features.join(', ')}) carry ${formatPercent(x.protectedShare.current, 1)} of the ${surrogate ? 'surrogate importance' : 'total |attribution|'} in the current file, against ${formatPercent(x.protectedShare.reference, 1)} in the reference: the model may be leaning on them more. Review before relying on its decisions.`}</p>`;
  const rows = x.features.map(
    (
      f,
    ) => html`<tr><td class="feature">${f.feature}${f.protected && html` ${badge('protected', 'warn')}`}${f.proxy && html` ${badge('proxy', 'warn')}`}</td>
<td class="num">${f.referenceRank ?? MISSING}</td><td class="num">${f.currentRank ?? MISSING}</td>${numCell(f.reference, false, formatNumber, true)}${numCell(f.current)}${
      surrogate && html`${numCell(f.permutationReference, false, formatNumber, true)}${numCell(f.permutationCurrent)}`
    }</tr>`,
  );
  const source = surrogate
    ? html`From a linear surrogate of the ${x.surrogate?.target === 'identity' ? 'score' : "score's logit"} on the standardised features, fitted to each file (${formatCount(x.rows.reference)} and ${formatCount(x.rows.current)} complete rows): importance is the spread of a feature's contribution to it. The files carry no attributions.`
    : html`From the attributions logged with the predictions (<code>attributions.&lt;feature&gt;</code>): importance is the mean |attribution| over ${formatCount(x.rows.reference)} reference and ${formatCount(x.rows.current)} current rows.`;
  return html`<section class="card" id="explanations">
<div class="section-head"><h2>Explanations</h2><p>${source}</p></div>
<div class="tiles">${tiles}</div>
${warning}
${weak && html`<p class="note">The surrogate explains under ${formatPercent(SURROGATE_R2_WEAK, 0)} of the score-logit's variance in at least one file: the model is far from linear there, and these importances describe the surrogate more than the model.</p>`}
<div class="chart-wrap">${importanceChart(x)}</div>
${x.features.length > MAX_CHART_FEATURES && html`<p class="note">${`The chart shows the top ${MAX_CHART_FEATURES} features; the table has all ${x.features.length}.`}</p>`}
<div class="table-scroll"><table class="sticky-first">
<thead><tr><th>Feature</th><th class="num">Reference rank</th><th class="num">Current rank</th><th class="num group-start">Reference</th><th class="num">Current</th>${
    surrogate &&
    html`<th class="num group-start">Permutation (reference)</th><th class="num">Permutation (current)</th>`
  }</tr></thead>
<tbody>${rows}</tbody></table></div>
${x.surrogate?.fitSample && html`<p class="note">${`A wide and long file: the surrogate was fitted on a seeded sample (seed ${x.surrogate.fitSample.seed}) of ${formatCount(x.surrogate.rows.reference)} and ${formatCount(x.surrogate.rows.current)} complete rows, so its importances are estimates from that sample.`}</p>`}
${surrogate && html`<p class="note">${`Permutation importance: the rise in the surrogate's mean squared error when the feature is shuffled (seed ${x.surrogate?.permutation.seed ?? ''}, ${x.surrogate?.permutation.repeats ?? ''} shuffles, on ${formatCount(x.surrogate?.permutation.rows.reference ?? 0)} and ${formatCount(x.surrogate?.permutation.rows.current ?? 0)} rows). Importance is association with the score, not a cause; a small protected share does not prove the model is fair.`}</p>`}
</section>`;
}

/**
 * Renders a `vigil report` result as one self-contained HTML document: inline CSS and SVG, no scripts, no external
 * resources (a Content-Security-Policy says so to the browser too), every data string escaped — the report's and
 * the context's alike. A section whose inputs are absent (calibration and performance without labels or scores,
 * fairness without group columns) is a neutral card that says why.
 */
export function renderReportHtml(report: Report, context: ReportContext = {}): string {
  const s = report.sections;
  const section = (
    id: string,
    title: string,
    status: SectionStatus,
    body: () => SafeHtml | null,
  ): [string, string, boolean, SafeHtml | null] =>
    status.computed ? [id, title, true, body()] : [id, title, false, notComputedSection(id, title, status)];
  const sections: [string, string, boolean, SafeHtml | null][] = [
    ['summary', 'Summary', true, summarySection(report)],
    ['features', 'Features', true, featuresSection(report)],
    ['distributions', 'Distributions', true, distributionsSection(report)],
    ['data-quality', 'Data quality', true, dataQualitySection(report)],
    ...(report.multivariate ? [multivariateSection(report.multivariate)] : []),
    section('calibration', 'Calibration', s.calibration, () =>
      report.calibration ? calibrationSection(report.calibration) : null,
    ),
    report.performance && isEstimated(report.performance)
      ? ['performance', 'Estimated performance', true, estimatedPerformanceSection(report.performance)]
      : section('performance', 'Performance', s.performance, () =>
          report.performance && !isEstimated(report.performance)
            ? performanceSection(report, report.performance)
            : null,
        ),
    section('fairness', 'Fairness', s.fairness, () => (report.fairness.length > 0 ? fairnessSection(report) : null)),
    // Reports written before explanations existed have no status for them: no card at all.
    ...(s.explanations
      ? [
          section('explanations', 'Explanations', s.explanations, () =>
            report.explanations ? explanationsSection(report.explanations) : null,
          ),
        ]
      : []),
  ];
  const present = sections.filter((x): x is [string, string, boolean, SafeHtml] => x[3] !== null);
  const version = context.version !== undefined ? ` ${context.version}` : '';
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${`Vigil${version}`}">
<title>Vigil report · ${formatTimestamp(report.generatedAt)}</title>
<style>${trustedHtml(REPORT_STYLES)}</style>
</head>
<body>
<main>
${header(
  report,
  present.map(([id, title, computed]) => [id, title, computed]),
  context,
)}
${present.map(([, , , body]) => body)}
<footer>
<div>Generated by Vigil${version} at ${formatTimestamp(report.generatedAt)} · decision threshold ${formatNumber(report.options.threshold)} · minimum group size ${report.options.minGroupSize} · false-discovery rate ${formatPercent(report.summary.falseDiscoveryRate)}</div>
${context.inputs && html`<div>Reference <code>${context.inputs.reference}</code> (${formatCount(report.rows.reference)} rows) · current <code>${context.inputs.current}</code> (${formatCount(report.rows.current)} rows)</div>`}
${context.commandLine !== undefined && html`<div class="command">Command <code>${context.commandLine}</code></div>`}
${computationLine(report) !== undefined && html`<div>${computationLine(report)}</div>`}
</footer>
</main>
</body>
</html>
`;
  return page.value;
}
