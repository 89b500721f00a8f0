import { DRIFT_DEFAULTS, type Report } from '@vigil/analyzers';
import { estimateBand, type EstimatedMetricName } from '../report/estimate-band';
import { computationLine } from '../report/report-computation';
import { SURROGATE_R2_WEAK, weakSurrogateFiles } from '../report/surrogate-fit';
import { NO_COLOR, type Palette } from './palette';

/**
 * Per-feature lines the summary prints before folding the features that did not drift into one line: a report of
 * 1,000 features otherwise pushes everything else off the screen (`--all-features`, the JSON and the HTML have all).
 */
export const FEATURE_LINES = 30;

/**
 * Beyond FEATURE_LINES features, a line that names features (the inferred ones, the drifted ones) names only this
 * many and counts the rest: 48 drifted names of 1,002 make a line nobody reads, and each has its own line below.
 */
export const FOLDED_NAMES = 10;

/**
 * The score's PSI at or above this is prediction drift: the summary's `DRIFT`, the HTML's "Shifted" badge and the
 * default `score` gate, with the comparison a feature's PSI is decided by (docs/report.md, "CI gates").
 */
export const SCORE_PSI_THRESHOLD = DRIFT_DEFAULTS.psi;

/** Whether the score's PSI is prediction drift (at or above SCORE_PSI_THRESHOLD). */
export function scoreShifted(psi: number): boolean {
  return Number.isFinite(psi) && psi >= SCORE_PSI_THRESHOLD;
}

export interface SummaryOptions {
  /** A line for every feature, however many (`vigil report --all-features`). */
  allFeatures?: boolean;
}

/** The plain-text summary of a report that commands print; drifted features in red when `color` is on. */
export function summarizeReport(report: Report, color: Palette = NO_COLOR, options: SummaryOptions = {}): string {
  const fmt = (x: number | null | undefined): string =>
    x === null || x === undefined || !Number.isFinite(x)
      ? '-'
      : Math.abs(x) < 1e-3 && x !== 0
        ? x.toExponential(1)
        : x.toFixed(3);
  // A p-value below the doubles' range is computed as 0: "< 1e-300", as the HTML report says, not "0.000".
  const fmtP = (x: number | null | undefined): string => (x === 0 ? '< 1e-300' : fmt(x));
  const lines = [`${color.bold('Rows:')} reference ${report.rows.reference}, current ${report.rows.current}`];
  lines.push(driftLine(report.summary.drifted, report.summary.features, options.allFeatures === true));
  // Every drifted feature has its line; features that did not drift fill what is left of FEATURE_LINES, in order.
  const drifted = report.drift.filter((d) => d.drifted).length;
  let okRoom =
    options.allFeatures || report.drift.length <= FEATURE_LINES ? Infinity : Math.max(0, FEATURE_LINES - drifted);
  let folded = 0;
  for (const d of report.drift) {
    if (!d.drifted && okRoom-- <= 0) {
      folded += 1;
      continue;
    }
    // A test decides by its adjusted p-value against the false-discovery rate, not by its statistic: "ks 0.060
    // (threshold 0.050)" on a feature that did not drift read as a statistic over its threshold.
    const decision =
      (d.method === 'ks' || d.method === 'chi2') && d.pValueAdjusted !== undefined
        ? `adjusted p ${fmtP(d.pValueAdjusted)} ${d.drifted ? '≤' : '>'} fdr ${fmt(d.threshold)}`
        : `threshold ${fmt(d.threshold)}${d.pValueAdjusted !== undefined ? `, adjusted p ${fmtP(d.pValueAdjusted)}` : ''}`;
    lines.push(
      `  ${d.drifted ? color.red('DRIFT') : color.green('ok   ')}  ${d.feature.padEnd(24)} ${d.kind.padEnd(11)} ${d.method.padEnd(4)} ${fmt(d.value)} (${decision}${d.statistics === 'binned' ? `; binned, ks ±${fmt(d.ksErrorBound)}` : ''})`,
    );
  }
  if (folded > 0) lines.push(`  … ${thousands(folded)} more features ok; --all-features, --json or --html for all`);
  const missing = missingLine(report, options.allFeatures === true);
  if (missing !== undefined) lines.push(missing);
  const unseen = newCategoriesLine(report, options.allFeatures === true);
  if (unseen !== undefined) lines.push(unseen);
  if (report.prediction) {
    // The score's verdict as a feature's: PSI against the threshold the HTML's "Shifted" badge and the score gate use.
    const m = report.prediction.metrics;
    const shifted = scoreShifted(m.psi);
    lines.push(
      `Prediction drift: ${shifted ? color.red('DRIFT') : color.green('ok')} psi ${fmt(m.psi)} (threshold ${fmt(SCORE_PSI_THRESHOLD)}), ks ${fmt(m.ks)} (p ${fmtP(m.ksPValue)})`,
    );
  }
  if (report.calibration)
    lines.push(
      `Calibration: ece ${fmt(report.calibration.ece)}, equal-mass ece ${fmt(report.calibration.eceEqualMass)}, mce ${fmt(report.calibration.mce)}, brier ${fmt(report.calibration.brier)}`,
    );
  const p = report.performance;
  // A partly labelled current file: the measured figures are of its labelled rows only, and the line says how many.
  const over = (rows: number): string =>
    rows < report.rows.current ? ` over ${thousands(rows)} of ${thousands(report.rows.current)} rows (labelled)` : '';
  if (p && 'auc' in p)
    lines.push(
      `Performance${over(p.rows)}: accuracy ${fmt(p.accuracy)}, precision ${fmt(p.precision)}, recall ${fmt(p.recall)}, auc ${fmt(p.auc)}, log loss ${fmt(p.logLoss)}`,
    );
  if (p && 'estimatedAccuracy' in p) {
    const e = (metric: EstimatedMetricName): string => {
      const b = estimateBand(metric, p[metric]);
      return `${fmt(p[metric].value)} ${'band' in b ? `(band ${fmt(b.band[0])}–${fmt(b.band[1])})` : `(no band: ${b.reason})`}`;
    };
    lines.push(
      `Estimated performance (no labels, CBPE): accuracy ${e('estimatedAccuracy')}, precision ${e('estimatedPrecision')}, recall ${e('estimatedRecall')}, f1 ${e('estimatedF1')}, auc ${e('estimatedAuc')}`,
    );
  }
  if (p && 'mae' in p)
    lines.push(`Performance${over(p.rows)}: mae ${fmt(p.mae)}, rmse ${fmt(p.rmse)}, bias ${fmt(p.bias)}`);
  const mv = multivariateLines(report, fmt, color);
  lines.push(...mv);
  for (const f of report.fairness) {
    lines.push(
      `Fairness by ${f.attribute}: parity difference ${fmt(f.statisticalParityDifference)}, disparate impact ${fmt(f.disparateImpactRatio)}, equalized odds ${fmt(f.equalizedOddsDifference)}`,
    );
  }
  const x = report.explanations;
  if (x) {
    const source =
      x.source === 'attributions'
        ? 'logged attributions'
        : `linear surrogate${x.surrogate?.fitSample ? ` on a sample of ${x.surrogate.rows.reference} and ${x.surrogate.rows.current} rows` : ''}, R² ${fmt(x.surrogateR2?.reference)} → ${fmt(x.surrogateR2?.current)}`;
    const top = x.features
      .slice(0, 3)
      .map((f) => f.feature)
      .join(', ');
    const share = (label: string, c: typeof x.protectedShare): string =>
      c ? `, ${label} share ${fmt(c.reference)} → ${fmt(c.current)}${c.grew ? ` ${color.red('(grew)')}` : ''}` : '';
    lines.push(
      `Explanations (${source}): ndcg@${x.k} ${fmt(x.ndcg)}, top ${top}${share('protected', x.protectedShare)}${share('proxy', x.proxyShare)}`,
    );
    // The HTML report's note on a weak surrogate, in the console too.
    const weak = x.source === 'surrogate' ? weakSurrogateFiles(x.surrogateR2) : [];
    if (weak.length > 0)
      lines.push(
        `  ${color.yellow('warning:')} R² under ${SURROGATE_R2_WEAK} in ${weak.join(' and ')}: the model is far from linear there, and these importances describe the surrogate more than the model`,
      );
  }
  const computation = computationLine(report);
  if (computation !== undefined) lines.push(computation);
  return `${lines.join('\n')}\n`;
}

/** Multivariate drift: the reconstruction error against its reference band, and the domain classifier's AUC. */
function multivariateLines(report: Report, fmt: (x: number | null | undefined) => string, color: Palette): string[] {
  const m = report.multivariate;
  if (!m) return [];
  const lines: string[] = [];
  if (m.computed) {
    const band = m.referenceReconstructionError;
    // How the band was formed, in words (docs/report.md, referenceReconstructionError).
    const basis =
      band.method === 'chunks'
        ? `band: mean ± 3σ of ${band.chunks} reference chunks of ${band.chunkSize} rows`
        : `band: the reference rows' mean ± 3 sampling errors of a ${band.chunkSize}-row sample (too few rows for chunks)`;
    lines.push(
      `Multivariate drift (data reconstruction): ${m.drifted ? color.red('DRIFT') : color.green('ok')} error ${fmt(m.reconstructionError)}, reference ${fmt(band.mean)} [${fmt(band.lower)}, ${fmt(band.upper)}] (${basis}; ${m.components} of ${m.features} axes, ${fmt(m.explainedVariance)} of the variance)`,
    );
  }
  const c = m.domainClassifier;
  if (c)
    lines.push(
      `Domain classifier: ROC AUC ${fmt(c.auc)} (${c.folds}-fold, seed ${c.seed}; ${c.rows.reference} reference and ${c.rows.current} current rows; 0.5 = indistinguishable)`,
    );
  return lines;
}

/**
 * `Drift: N of M features drifted: a, b, …`: every drifted name in a report of at most FEATURE_LINES features (or
 * with --all-features), else the first FOLDED_NAMES and a count, as the inferred-features line does.
 */
/**
 * The features with missing values on either side, the largest current share first: the HTML and JSON reports have
 * them per feature (`dataQuality`), and a console user should not need them to learn that a column went empty.
 */
function missingLine(report: Report, all: boolean): string | undefined {
  const withMissing = report.dataQuality
    .filter((q) => q.current.missing > 0 || q.reference.missing > 0)
    .sort((a, b) => {
      const byShare = (b.current.missingShare || 0) - (a.current.missingShare || 0);
      return byShare !== 0 ? byShare : a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0;
    });
  if (withMissing.length === 0) return undefined;
  const items = withMissing.map(
    (q) => `${q.feature} ${percent(q.current.missingShare)} (reference ${percent(q.reference.missingShare)})`,
  );
  return `Missing values in ${thousands(withMissing.length)} of ${thousands(report.dataQuality.length)} features: ${foldedList(items, !all)}`;
}

/** New categories a line names per feature; the JSON's `newCategories.top` holds five, the count says the rest. */
export const NEW_CATEGORY_LINE_NAMES = 3;

/**
 * The categorical features whose current file holds categories the reference never saw, the largest share first,
 * each with its most frequent new categories and their shares of the current rows with a value:
 * `New categories in 1 of 2 categorical features: region 8.5% (central 8.5%)`. The HTML's data-quality table and
 * the JSON's `dataQuality[].newCategories` have them too; a console user should not need those to learn the name.
 */
function newCategoriesLine(report: Report, all: boolean): string | undefined {
  const categorical = report.dataQuality.filter((q) => q.kind === 'categorical');
  const withNew = categorical
    .filter((q) => q.newCategories.rows > 0)
    .sort((a, b) => {
      const byShare = b.newCategories.share - a.newCategories.share;
      return byShare !== 0 ? byShare : a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0;
    });
  if (withNew.length === 0) return undefined;
  const items = withNew.map((q) => {
    const n = q.newCategories;
    const present = q.current.rows - q.current.missing;
    const named = n.top
      .slice(0, NEW_CATEGORY_LINE_NAMES)
      .map((c) => `${c.category} ${percent(present > 0 ? c.rows / present : Number.NaN)}`);
    const more = n.distinct - named.length;
    const list = `${named.join(', ')}${more > 0 ? ` and ${thousands(more)} more` : ''}`;
    return `${q.feature} ${percent(n.share)} (${n.distinct > 1 ? `${thousands(n.distinct)} new: ` : ''}${list})`;
  });
  return `New categories in ${thousands(withNew.length)} of ${thousands(categorical.length)} categorical features: ${foldedList(items, !all)}`;
}

function driftLine(drifted: readonly string[], features: number, all: boolean): string {
  const head = `Drift: ${thousands(drifted.length)} of ${thousands(features)} features drifted`;
  if (drifted.length === 0) return head;
  return `${head}: ${foldedList(drifted, !all && features > FEATURE_LINES)}`;
}

/** A count as the console prints it: `1,002`. */
export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

/** `items` joined, or with `fold` only the first FOLDED_NAMES of them and `… and N more`. */
export function foldedList(items: readonly string[], fold: boolean, separator = ', '): string {
  if (!fold || items.length <= FOLDED_NAMES) return items.join(separator);
  return `${items.slice(0, FOLDED_NAMES).join(separator)} … and ${thousands(items.length - FOLDED_NAMES)} more`;
}

/** A share as the console prints it: `3.3%`, one decimal and no space, as the HTML report writes percentages. */
export function percent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-';
}
