import type {
  BinaryPerformance, Calibration, FairnessResult, FeatureDrift, GroupRates, RegressionPerformance, Report,
} from '@vigil/analyzers';
import {
  formatCount, formatNumber, formatPercent, formatPValue, formatTimestamp, MISSING,
} from './format-number';
import { groupRateChart } from './group-rate-chart';
import { histogramChart } from './histogram-chart';
import { reliabilityDiagram } from './reliability-diagram';
import { REPORT_STYLES } from './report-styles';
import { html, trustedHtml, type HtmlValue, type SafeHtml } from './safe-html';

/**
 * Fairness differences above this are flagged in the report: 0.1 is the customary tolerance for demographic
 * parity and equalised odds differences (fairlearn's documentation and most audit guidance use it).
 */
const FAIRNESS_DIFFERENCE_FLAG = 0.1;
/** The four-fifths rule of US employment guidance: a disparate impact ratio below 0.8 is flagged. */
const DISPARATE_IMPACT_FLAG = 0.8;
/** PSI bands that practitioners read prediction drift with: below 0.1 stable, 0.1–0.2 moderate, above 0.2 shifted. */
const PSI_MODERATE = 0.1;
const PSI_SHIFTED = 0.2;

const METHOD_LABELS: Record<FeatureDrift['method'], string> = {
  psi: 'PSI', ks: 'KS', chi2: 'χ²', js: 'JS', wasserstein: 'Wasserstein',
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

function header(report: Report, sections: [string, string][]): SafeHtml {
  return html`<header class="report-header">
<div class="eyebrow">Vigil · model monitoring report</div>
<h1>Drift, calibration and fairness report</h1>
<div class="meta">
<span>Reference <b>${formatCount(report.rows.reference)}</b> rows</span>
<span>Current <b>${formatCount(report.rows.current)}</b> rows</span>
<span>Task <b>${report.task}</b>${report.task === 'binary' && html` · threshold <b>${formatNumber(report.options.threshold)}</b>`}</span>
<span>Generated <time datetime="${report.generatedAt}"><b>${formatTimestamp(report.generatedAt)}</b></time></span>
</div>
<nav class="toc" aria-label="Sections">${sections.map(([id, title]) => html`<a href="#${id}">${title}</a>`)}</nav>
</header>`;
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
          (f) => html`<a class="chip" href="#${featureAnchor(driftIndex.get(f) ?? 0)}" title="${f.feature}">${f.feature}</a>`,
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
    : tile('Prediction drift', MISSING, 'No score column in the data.', 'inactive');

  const calibration = report.calibration;
  const calibrationTile = calibration
    ? tile(
        'Calibration',
        html`${formatNumber(calibration.ece)}<span class="unit">ECE</span>`,
        html`MCE <b>${formatNumber(calibration.mce)}</b> · Brier <b>${formatNumber(calibration.brier)}</b>`,
      )
    : report.task === 'binary' && tile('Calibration', MISSING, 'No labels in the current data.', 'inactive');

  const performance = report.performance;
  const performanceTile = performance
    ? isBinary(performance)
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
    : tile('Performance', MISSING, 'No labels in the current data.', 'inactive');

  const flagged = report.fairness.map((r) => ({ result: r, flags: fairnessFlags(r) }));
  const flaggedCount = flagged.filter((f) => f.flags.length > 0).length;
  const fairnessTile =
    report.fairness.length === 0
      ? tile('Fairness', MISSING, 'No group columns in the data.', 'inactive')
      : tile(
          'Fairness',
          html`${flaggedCount}<span class="unit">of ${report.fairness.length} flagged</span>`,
          flagged.map(({ result, flags }) => {
            const gap = largestDifference(result);
            return html`<div class="flag-row"><a href="#${`fairness-${report.fairness.indexOf(result)}`}" title="${result.attribute}">${result.attribute}</a>${
              flags.length > 0 ? badge(flags.length === 1 ? '1 flag' : `${flags.length} flags`, 'bad') : badge('ok', 'good')
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

function numCell(value: number | null | undefined, decisive = false, format = formatNumber, groupStart = false): SafeHtml {
  const cls = ['num', decisive ? 'decisive' : '', groupStart ? 'group-start' : ''].filter(Boolean).join(' ');
  return html`<td class="${cls}">${format(value)}</td>`;
}

function featureRow(f: FeatureDrift, index: number, inferred: boolean): SafeHtml {
  const m = f.metrics;
  const categorical = 'chi2' in m;
  const numeric = categorical ? null : m;
  const cat = categorical ? m : null;
  const name = f.drifted ? html`<a href="#${featureAnchor(index)}">${f.feature}</a>` : f.feature;
  return html`<tr class="${f.drifted ? 'drifted' : ''}">
<td class="feature">${name}</td>
<td>${f.drifted ? badge('Drifted', 'bad') : badge('Stable', 'good')}</td>
<td class="nowrap">${f.kind}${inferred && html` <span class="hint">inferred</span>`}</td>
<td class="group-start">${METHOD_LABELS[f.method]}</td>
${numCell(f.value, true)}${numCell(f.threshold)}${numCell(f.pValue, false, formatPValue)}${numCell(f.pValueAdjusted, false, formatPValue)}
${numCell(m.psi, f.method === 'psi', formatNumber, true)}${numCell(m.js, f.method === 'js')}${numCell(m.hellinger)}
${numCell(numeric?.ks, f.method === 'ks', formatNumber, true)}${numCell(numeric?.ksPValue, false, formatPValue)}${numCell(numeric?.wasserstein, f.method === 'wasserstein')}${numCell(numeric?.wassersteinNormed)}
${numCell(cat?.chi2, f.method === 'chi2', formatNumber, true)}${numCell(cat?.chi2PValue, false, formatPValue)}${numCell(cat?.newCategoryRate, false, (v) => formatPercent(v))}
${numCell(m.referenceMissingRate, false, (v) => formatPercent(v), true)}${numCell(m.missingRate, false, (v) => formatPercent(v))}
</tr>`;
}

function featuresSection(report: Report): SafeHtml {
  const inferred = new Set(report.options.features.filter((f) => f.inferred).map((f) => f.name));
  // Drifted features first, so the rows that need attention are on screen without scrolling.
  const rows = report.drift
    .map((f, i) => ({ f, i }))
    .sort((a, b) => Number(b.f.drifted) - Number(a.f.drifted) || a.i - b.i)
    .map(({ f, i }) => featureRow(f, i, inferred.has(f.feature)));
  return html`<section class="card" id="features">
<div class="section-head"><h2>Features</h2><p>${report.drift.length} features · drifted first · bold: the metric that decides</p></div>
<div class="table-scroll"><table class="sticky-first">
<thead>
<tr class="group-head"><th colspan="3"></th><th colspan="5" class="group-start">Decision</th><th colspan="3" class="group-start">Distances</th><th colspan="4" class="group-start">Numeric</th><th colspan="3" class="group-start">Categorical</th><th colspan="2" class="group-start">Missing</th></tr>
<tr><th>Feature</th><th>Status</th><th>Kind</th><th class="group-start">Method</th><th class="num">Value</th><th class="num">Threshold</th><th class="num">p-value</th><th class="num">BH p</th>
<th class="num group-start">PSI</th><th class="num">JS</th><th class="num">Hellinger</th>
<th class="num group-start">KS D</th><th class="num">KS p</th><th class="num">W₁</th><th class="num">W₁ / σ</th>
<th class="num group-start">χ²</th><th class="num">χ² p</th><th class="num">New cat.</th>
<th class="num group-start">Ref.</th><th class="num">Cur.</th></tr>
</thead>
<tbody>${rows}</tbody>
</table></div>
</section>`;
}

function featureStats(f: FeatureDrift): string {
  const parts = [`${METHOD_LABELS[f.method]} ${formatNumber(f.value)} (threshold ${formatNumber(f.threshold)})`];
  if (f.pValueAdjusted !== undefined) parts.push(`BH p ${formatPValue(f.pValueAdjusted)}`);
  else if (f.pValue !== undefined) parts.push(`p ${formatPValue(f.pValue)}`);
  if (f.method !== 'psi') parts.push(`PSI ${formatNumber(f.metrics.psi)}`);
  if (f.method !== 'js') parts.push(`JS ${formatNumber(f.metrics.js)}`);
  return parts.join(' · ');
}

function distributionsSection(report: Report): SafeHtml | null {
  const drifted = report.drift.map((f, i) => ({ f, i })).filter(({ f }) => f.drifted);
  const prediction = report.prediction;
  if (drifted.length === 0 && !prediction) return null;
  const figures = drifted.map(
    ({ f, i }) => html`<figure class="chart-card" id="${featureAnchor(i)}">
<figcaption><div class="title-row"><h3>${f.feature}</h3><span>${badge('Drifted', 'bad')} <span class="muted small">${f.kind}</span></span></div>
<div class="stats">${featureStats(f)}</div></figcaption>
${histogramChart(f.histogram, { title: f.feature, kind: f.kind })}
</figure>`,
  );
  const scoreFigure =
    prediction &&
    html`<figure class="chart-card" id="prediction">
<figcaption><div class="title-row"><h3>${report.task === 'binary' ? 'Predicted score' : 'Predicted value'}</h3>${predictionStatus(prediction.metrics.psi)}</div>
<div class="stats">PSI ${formatNumber(prediction.metrics.psi)} · KS ${formatNumber(prediction.metrics.ks)} (p ${formatPValue(prediction.metrics.ksPValue)}) · JS ${formatNumber(prediction.metrics.js)} · W₁ ${formatNumber(prediction.metrics.wasserstein)}</div></figcaption>
${histogramChart(prediction.histogram, { title: 'predicted score', kind: 'numeric' })}
</figure>`;
  return html`<section class="card" id="distributions">
<div class="section-head"><h2>Distributions</h2><p>${drifted.length > 0 ? 'drifted features' : 'no feature drifted'}${prediction && ' and the model output'}, reference vs current</p></div>
<div class="chart-grid">${scoreFigure}${figures}</div>
</section>`;
}

/** Bin tables read down a column, so one fixed number of decimals keeps the points aligned. */
function fixed3(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? MISSING : value.toFixed(3);
}

function calibrationSection(calibration: Calibration): SafeHtml {
  const rows = calibration.bins.map(
    (b) => html`<tr><td class="num">${formatNumber(b.lower, 2)}–${formatNumber(b.upper, 2)}</td>${numCell(b.count, false, (v) => formatCount(v ?? NaN))}
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

function performanceSection(performance: BinaryPerformance | RegressionPerformance): SafeHtml {
  const tiles = isBinary(performance)
    ? [
        tile('AUC', formatNumber(performance.auc), 'area under the ROC curve'),
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
<div class="tiles">${tiles}</div>
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

function differenceRow(label: string, definition: string, value: number | null, flagged: boolean): SafeHtml {
  return html`<tr class="${flagged ? 'flagged' : ''}"><th scope="row">${label}<span class="definition">${value === null ? 'needs two sufficient groups' : definition}</span></th>
<td class="num value">${formatNumber(value)}</td><td>${flagged ? badge('flag', 'bad') : value !== null && badge('ok', 'good')}</td></tr>`;
}

function attributeBlock(result: FairnessResult, index: number, minGroupSize: number): SafeHtml {
  const over = (v: number | null): boolean => v !== null && v > FAIRNESS_DIFFERENCE_FLAG;
  const di = result.disparateImpactRatio;
  const insufficient = result.groups.filter((g) => !g.sufficient).length;
  const rows = result.groups.map(
    (g) => html`<tr><td class="feature">${g.group}</td>${numCell(g.n, false, (v) => formatCount(v ?? NaN))}${numCell(g.labelled, false, (v) => formatCount(v ?? NaN))}
${rateCell(g.selectionRate, g.ciSelectionRate, true)}${rateCell(g.tpr, g.ciTpr)}${rateCell(g.fpr, g.ciFpr)}${rateCell(g.ppv, g.ciPpv)}
${numCell(g.ece, false, fixed3)}<td>${groupStatus(g)}</td></tr>`,
  );
  return html`<div class="attribute" id="${`fairness-${index}`}">
<h3>${result.attribute} <span class="muted small">${result.groups.length} groups${insufficient > 0 && ` · ${insufficient} below ${minGroupSize} rows`}</span></h3>
<div class="attribute-layout">
<table class="differences"><tbody>
${differenceRow('Parity difference', 'max − min selection rate', result.statisticalParityDifference, over(result.statisticalParityDifference))}
${differenceRow('Disparate impact', 'min / max selection rate', di, di !== null && di < DISPARATE_IMPACT_FLAG)}
${differenceRow('Equal opportunity', 'max − min TPR', result.equalOpportunityDifference, over(result.equalOpportunityDifference))}
${differenceRow('Equalized odds', 'larger of the TPR and FPR gaps', result.equalizedOddsDifference, over(result.equalizedOddsDifference))}
${differenceRow('Predictive parity', 'max − min PPV', result.predictiveParityDifference, over(result.predictiveParityDifference))}
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
<div class="section-head"><h2>Fairness</h2><p>flags: differences above ${formatNumber(FAIRNESS_DIFFERENCE_FLAG)}, disparate impact below ${formatNumber(DISPARATE_IMPACT_FLAG)} · groups under ${report.options.minGroupSize} rows are shown but not compared</p></div>
${report.fairness.map((r, i) => attributeBlock(r, i, report.options.minGroupSize))}
</section>`;
}

/**
 * Renders a `vigil report` result as one self-contained HTML document: inline CSS and SVG, no scripts, no external
 * resources (a Content-Security-Policy says so to the browser too), every data string escaped. Sections whose
 * inputs are absent — calibration and performance without labels, fairness without group columns — are left out.
 */
export function renderReportHtml(report: Report): string {
  const distributions = distributionsSection(report);
  const sections: [string, string, SafeHtml | null][] = [
    ['summary', 'Summary', summarySection(report)],
    ['features', 'Features', featuresSection(report)],
    ['distributions', 'Distributions', distributions],
    ['calibration', 'Calibration', report.calibration ? calibrationSection(report.calibration) : null],
    ['performance', 'Performance', report.performance ? performanceSection(report.performance) : null],
    ['fairness', 'Fairness', report.fairness.length > 0 ? fairnessSection(report) : null],
  ];
  const present = sections.filter((s): s is [string, string, SafeHtml] => s[2] !== null);
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="Vigil">
<title>Vigil report · ${formatTimestamp(report.generatedAt)}</title>
<style>${trustedHtml(REPORT_STYLES)}</style>
</head>
<body>
<main>
${header(report, present.map(([id, title]) => [id, title]))}
${present.map(([, , body]) => body)}
<footer>Generated by Vigil at ${formatTimestamp(report.generatedAt)} · decision threshold ${formatNumber(report.options.threshold)} · minimum group size ${report.options.minGroupSize} · false-discovery rate ${formatPercent(report.summary.falseDiscoveryRate)}</footer>
</main>
</body>
</html>
`;
  return page.value;
}
