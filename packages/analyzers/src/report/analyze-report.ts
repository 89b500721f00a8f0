/**
 * `vigil report`: one window. The reference file is fitted into a profile, the current file is accumulated like
 * any streaming window, and the window's metrics are computed by the same functions the daemon uses. Because a
 * report holds the raw values, the statistics that need them are exact here: KS and Wasserstein (sorted
 * samples, spread over the cores by parallel-columns.ts), AUC and equal-mass ECE.
 */
import { availableParallelism } from 'node:os';
import { VigilError, type SpilledColumn, type Table } from '@vigil/core';
import {
  accumulate,
  emptyAccumulator,
  predictedClass,
  type OutcomeAccumulator,
  type WindowAccumulator,
} from '../accumulator/window-accumulator';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { asNumeric, fitReferenceProfile, requireColumn, type ReferenceProfile } from '../profile/reference-profile';
import { eceEqualMass } from '../stats/calibration';
import { estimateCbpe, fitCbpe, type CbpeReference } from '../stats/cbpe';
import { rocAuc, sortedScoresByClass } from '../stats/classification';
import {
  averagePrecisionFromCounts,
  downsampleCurve,
  precisionRecallFromCounts,
  rocFromCounts,
  thresholdCounts,
} from '../stats/curves';
import { analyzeWindow } from '../window/analyze-window';
import { initCompute } from '../compute/compute-backend';
import { multivariateDrift } from '../multivariate/multivariate-drift';
import { SURROGATE_TOP_CATEGORIES } from '../stats/surrogate';
import type { NumericColumnResult } from './numeric-column';
import { analyzeNumericColumns, type ColumnJobResult } from './parallel-columns';
import { spilledSampleRows, startReportExplanations, type ExplainOptions } from './report-explanations';
import { closeSpilledColumns, prepareSpilledColumns, type SampledColumn } from './spilled-column';
import {
  CURVE_POINTS,
  NEW_CATEGORY_NAMES,
  type BinaryPerformance,
  type CategoricalSummary,
  type ConfusionMatrix,
  type EstimatedBinaryPerformance,
  type FeatureQuality,
  type Report,
  type ReportComputation,
  type ReportSections,
  type SectionStatus,
  type ValueDistribution,
} from './report-types';

export interface ReportInput {
  reference: Table;
  current: Table;
  spec: AnalysisSpec;
  /** Feature names whose kind was inferred rather than given (shown in the report). */
  inferred?: ReadonlySet<string>;
  /**
   * The reference's label column when the current file has none (`spec.label` is then absent): binary performance is
   * then estimated from the scores, calibrated on these labels (CBPE).
   */
  referenceLabel?: string;
  /**
   * Numeric columns a file reader wrote to a spill file instead of the table (`vigil report` beyond its memory
   * budget); the table holds them empty. Each is read back, analysed and dropped on its own.
   */
  spilled?: { reference?: Readonly<Record<string, SpilledColumn>>; current?: Readonly<Record<string, SpilledColumn>> };
  /** How the files were read, copied into the report as `computation` (its `statistics` and `binnedColumns` are set here). */
  computation?: ReportComputation;
  /**
   * Bytes the analysis may hold. A spilled column pair is read whole and sorted (exact) when one pair per thread
   * fits — 16 bytes a row of both files — else streamed through buckets (binned, with error bounds).
   * @defaultValue no limit
   */
  memoryBudget?: number;
  /** Worker threads for the numeric columns. @defaultValue the machine's available parallelism */
  parallelism?: number;
  /** Protected attributes, proxies and NDCG's k for the explanations. @defaultValue none named, k = every feature */
  explain?: ExplainOptions;
  now?: () => Date;
  /** Train the domain classifier of the multivariate section (`vigil report --domain-classifier`). */
  domainClassifier?: boolean;
}

export async function analyzeReport(input: ReportInput): Promise<Report> {
  const { reference, current, spec } = input;
  // A reference without the score column (one logged before scores were) still gives every current-only section:
  // its profile has no score, so prediction drift is left out and calibration and performance stay.
  const scoreInBoth = spec.score !== undefined && reference.columns.has(spec.score);
  const profileSpec: AnalysisSpec = scoreInBoth ? spec : { ...spec, score: undefined };
  const numericNames = [
    ...spec.features.filter((f) => f.kind === 'numeric').map((f) => f.name),
    ...(scoreInBoth && spec.score !== undefined ? [spec.score] : []),
  ];
  const parallelism = input.parallelism ?? availableParallelism();
  // The multivariate section fits with tfjs: its backend starts loading now, beside the columns' workers.
  if (spec.features.length >= 2) initCompute().catch(() => undefined);
  const exactFits =
    Math.min(parallelism, Math.max(numericNames.length, 1)) * 16 * (reference.rowCount + current.rowCount) <=
    (input.memoryBudget ?? Infinity);
  const spilled = withSampleRows(input);
  // Columns left in their Parquet file (attributions too, which no column job reads) need their decoder on this thread.
  await prepareSpilledColumns([
    ...Object.values(input.spilled?.reference ?? {}),
    ...Object.values(input.spilled?.current ?? {}),
  ]);
  const numericColumns = analyzeNumericColumns(
    numericNames.map((name) => ({
      name,
      reference: spilled?.reference?.[name] ?? asNumeric(reference, requireColumn(reference, name)).values,
      current: spilled?.current?.[name] ?? asNumeric(current, requireColumn(current, name)).values,
      ...(exactFits ? {} : { binned: true }),
    })),
    parallelism,
  );
  // Awaited below; this only keeps a failure of theirs from being an unhandled rejection if a line below throws first.
  numericColumns.catch(() => undefined);
  // The call above did this thread's share of the columns; while a worker may still be on its share, this thread
  // sorts the scores by class, which AUC and equal-mass ECE share (each sorted them on its own, after the workers).
  const scores = spec.score !== undefined ? asNumeric(current, requireColumn(current, spec.score)).values : null;
  const labels = spec.label !== undefined ? asNumeric(current, requireColumn(current, spec.label)).values : null;
  const byClass = spec.task === 'binary' && scores && labels ? sortedScoresByClass(scores, labels) : undefined;
  const columns = await numericColumns;
  const binnedColumns = columns.filter((c) => c.binned).length;
  const numeric = new Map(columns.map((c) => [c.name, c]));
  const fitted = fitReferenceProfile(reference, profileSpec, new Map(columns.map((c) => [c.name, c.profile])));
  // The explanations need only the profile and the column jobs' results: the reference's surrogate starts on a worker
  // now, while this thread does the other sections, then the current file's surrogate (finishExplanations below).
  const finishExplanations = startReportExplanations(
    reference,
    current,
    spec,
    fitted,
    { ...(input.explain ?? { protected: [], proxies: [] }), noMissing: columnsWithoutMissing(columns) },
    spilled && withSamples(spilled, columns),
    parallelism,
  );
  const acc = accumulate(
    emptyAccumulator(fitted, spec),
    fitted,
    spec,
    current,
    new Map(columns.map((c) => [c.name, c.accumulator])),
  );
  // Without current labels, binary performance is estimated from the calibrated scores (the reference has labels).
  const cbpe =
    acc.outcome.labelled === 0 && scoreInBoth
      ? fitReferenceCbpe(reference, spec, spec.label ?? input.referenceLabel)
      : undefined;
  const profile = cbpe ? { ...fitted, cbpe } : fitted;

  const exactOutcomes =
    byClass && scores && labels && acc.outcome.labelled > 0
      ? { auc: rocAuc(scores, labels, byClass), eceEqualMass: eceEqualMass(scores, labels, undefined, byClass) }
      : {};
  // The window-only parts (rows for rules and dashboards) are not the report's: it has dataQuality and its own estimate.
  const {
    quality: _quality,
    estimated: _estimated,
    referenceBands: _bands,
    ...analysis
  } = analyzeWindow(profile, acc, spec, { numeric, ...exactOutcomes });
  const performance =
    analysis.performance && 'auc' in analysis.performance && scores && labels
      ? binaryExtras(analysis.performance, acc.outcome, spec, scores, labels)
      : (analysis.performance ??
        (profile.cbpe && scores ? estimatedPerformance(profile.cbpe, current, spec, scores) : undefined));
  const spilledFeatures = spec.features.some(
    (f) => input.spilled?.reference?.[f.name] !== undefined || input.spilled?.current?.[f.name] !== undefined,
  );
  const multivariate = await multivariateDrift(reference, current, spec.features, {
    ...(input.domainClassifier ? { domainClassifier: true } : {}),
    ...(spilledFeatures
      ? { unavailable: 'needs the files read whole: they exceeded the memory budget and their columns were spilled' }
      : {}),
  });
  // A spilled report's feature columns are read back from the spill file a block of rows at a time.
  // With two cores, the reference file's surrogate is fitted on a worker while this thread fits the current's.
  const explained = await finishExplanations();
  closeSpilledColumns();

  return {
    rows: { reference: reference.rowCount, current: current.rowCount },
    task: spec.task,
    ...analysis,
    drift: analysis.drift.map((d) =>
      d.kind === 'numeric'
        ? withBinned(withDistribution(d, numeric.get(d.feature)?.distribution), numeric.get(d.feature)?.binned)
        : d,
    ),
    ...(analysis.prediction && spec.score !== undefined
      ? { prediction: withDistribution(analysis.prediction, numeric.get(spec.score)?.distribution) }
      : {}),
    ...(performance ? { performance } : {}),
    ...(explained.explanations ? { explanations: explained.explanations } : {}),
    dataQuality: dataQuality(profile, acc, numeric),
    multivariate,
    sections: { ...sections(spec, acc.outcome, analysis, performance), explanations: explained.status },
    options: {
      threshold: spec.threshold,
      minGroupSize: spec.minGroupSize,
      features: spec.features.map((f) => ({
        name: f.name,
        kind: f.kind,
        inferred: input.inferred?.has(f.name) ?? false,
      })),
    },
    ...(input.computation
      ? { computation: { ...input.computation, statistics: binnedColumns > 0 ? 'binned' : 'exact', binnedColumns } }
      : {}),
    generatedAt: (input.now?.() ?? new Date()).toISOString(),
  };
}

/**
 * The spilled columns with the rows the surrogate will sample from them (`spilledSampleRows`), which the column jobs
 * keep aside as they read each column. The design's width is worked out from the features here as the surrogate
 * will (a numeric feature one column, a categorical one its top categories'); were it wrong, the sample would only
 * read the columns again (`readSpilledSample`), never differ.
 */
function withSampleRows(input: ReportInput): ReportInput['spilled'] {
  const { spilled, spec } = input;
  if (spilled === undefined) return undefined;
  let designColumns = 0;
  for (const f of spec.features) {
    const c = input.reference.columns.get(f.name);
    designColumns +=
      f.kind === 'categorical' && c?.kind === 'categorical'
        ? Math.max(1, Math.min(c.categories.length, SURROGATE_TOP_CATEGORIES))
        : 1;
  }
  const side = (
    held: Readonly<Record<string, SpilledColumn>> | undefined,
    table: Table,
  ): Record<string, SampledColumn> | undefined => {
    if (held === undefined) return undefined;
    // One array for every column of the file: a worker is sent it once, not once a column.
    const sampleRows = spilledSampleRows(table.rowCount, designColumns, input.explain?.surrogateFitProducts);
    return Object.fromEntries(Object.entries(held).map(([name, column]) => [name, { ...column, sampleRows }]));
  };
  const reference = side(spilled.reference, input.reference);
  const current = side(spilled.current, input.current);
  return { ...(reference ? { reference } : {}), ...(current ? { current } : {}) };
}

/** The spilled columns with the samples their column jobs kept aside. */
function withSamples(
  spilled: NonNullable<ReportInput['spilled']>,
  results: readonly ColumnJobResult[],
): typeof spilled {
  const byName = new Map(results.map((r) => [r.name, r.samples]));
  const side = (
    held: Readonly<Record<string, SpilledColumn>> | undefined,
    which: 'reference' | 'current',
  ): Record<string, SampledColumn> | undefined => {
    if (held === undefined) return undefined;
    return Object.fromEntries(
      Object.entries(held).map(([name, column]) => {
        const sample = byName.get(name)?.[which];
        return [name, sample !== undefined ? { ...column, sample } : column];
      }),
    );
  };
  const reference = side(spilled.reference, 'reference');
  const current = side(spilled.current, 'current');
  return { ...(reference ? { reference } : {}), ...(current ? { current } : {}) };
}

/** A binned column's drift says so, with the bounds of its KS and Wasserstein (docs/report.md, "Large files"). */
function withBinned<T extends object>(part: T, binned: NumericColumnResult['binned']): T {
  return binned
    ? {
        ...part,
        statistics: 'binned',
        ksErrorBound: binned.ksErrorBound,
        wassersteinErrorBound: binned.wassersteinErrorBound,
      }
    : part;
}

function withDistribution<T extends { distribution?: ValueDistribution }>(
  part: T,
  distribution: ValueDistribution | null | undefined,
): T {
  return distribution ? { ...part, distribution } : part;
}

/** The confusion matrix at the threshold, and the ROC and precision–recall curves from the raw scores. */
function binaryExtras(
  performance: BinaryPerformance,
  o: OutcomeAccumulator,
  spec: AnalysisSpec,
  scores: Float64Array,
  labels: Float64Array,
): BinaryPerformance {
  const rate = (num: number, den: number): number | null => (den > 0 ? num / den : null);
  const confusion: ConfusionMatrix = {
    ...(spec.prediction !== undefined ? { predictionColumn: spec.prediction } : { threshold: spec.threshold }),
    tp: o.tp,
    fp: o.fp,
    tn: o.tn,
    fn: o.fn,
    tpr: rate(o.tp, o.tp + o.fn),
    fpr: rate(o.fp, o.fp + o.tn),
    tnr: rate(o.tn, o.tn + o.fp),
    fnr: rate(o.fn, o.fn + o.tp),
    precision: rate(o.tp, o.tp + o.fp),
    npv: rate(o.tn, o.tn + o.fn),
  };
  // One sort of the labelled scores serves both curves and the average precision.
  const counts = thresholdCounts(scores, labels);
  const roc = rocFromCounts(counts);
  const pr = roc && precisionRecallFromCounts(counts, true);
  if (!roc || !pr) return { ...performance, confusion };
  const r = downsampleCurve(roc.fpr, roc.tpr, CURVE_POINTS);
  const p = downsampleCurve(pr.recall, pr.precision, CURVE_POINTS);
  return {
    ...performance,
    confusion,
    roc: { fpr: r.map((k) => roc.fpr[k]!), tpr: r.map((k) => roc.tpr[k]!) },
    pr: { precision: p.map((k) => pr.precision[k]!), recall: p.map((k) => pr.recall[k]!) },
    averagePrecision: averagePrecisionFromCounts(counts),
  };
}

/** CBPE fitted on the reference's scores, predicted classes and labels; undefined for regression or without labels. */
function fitReferenceCbpe(reference: Table, spec: AnalysisSpec, label: string | undefined): CbpeReference | undefined {
  if (spec.task !== 'binary' || spec.score === undefined || label === undefined || !reference.columns.has(label))
    return undefined;
  if (spec.prediction !== undefined && !reference.columns.has(spec.prediction)) return undefined;
  const predicted = predictedClass(reference, spec);
  if (!predicted) return undefined;
  const scores = asNumeric(reference, requireColumn(reference, spec.score)).values;
  const labels = asNumeric(reference, requireColumn(reference, label)).values;
  return fitCbpe(scores, labels, predicted) ?? undefined;
}

function estimatedPerformance(
  cbpe: CbpeReference,
  current: Table,
  spec: AnalysisSpec,
  scores: Float64Array,
): EstimatedBinaryPerformance | undefined {
  const predicted = predictedClass(current, spec);
  const e = predicted && estimateCbpe(cbpe, scores, predicted);
  if (!e) return undefined;
  return {
    estimatedAccuracy: e.accuracy,
    estimatedPrecision: e.precision,
    estimatedRecall: e.recall,
    estimatedF1: e.f1,
    estimatedAuc: e.auc,
    rows: e.rows,
    calibration: cbpe.calibrator.kind === 'isotonic' ? 'isotonic' : 'none',
    referenceRows: cbpe.rows,
  };
}

function dataQuality(
  profile: ReferenceProfile,
  acc: WindowAccumulator,
  numeric: ReadonlyMap<string, NumericColumnResult>,
): FeatureQuality[] {
  return profile.features.map((p, i): FeatureQuality => {
    const a = acc.features[i];
    if (p.kind === 'numeric') {
      const s = numeric.get(p.name)!.summary;
      const present = s.current.rows - s.current.missing;
      return {
        feature: p.name,
        kind: 'numeric',
        reference: s.reference,
        current: s.current,
        outsideReferenceRange: {
          below: s.below,
          above: s.above,
          share: present > 0 ? (s.below + s.above) / present : Number.NaN,
        },
        ...(numeric.get(p.name)!.binned ? { statistics: 'binned' as const } : {}),
      };
    }
    if (a?.kind !== 'categorical')
      throw new VigilError('VIGIL_PROFILE_MISMATCH', `profile and accumulator disagree on the kind of "${p.name}"`);
    const unseen = Object.entries(a.unseen).sort(([x, m], [y, n]) => n - m || (x < y ? -1 : 1));
    const newRows = unseen.reduce((t, [, n]) => t + n, 0);
    const present = a.rows - a.missing;
    const current: [string, number][] = [
      ...p.categories.map((c, k): [string, number] => [c, a.counts[k] ?? 0]),
      ...unseen,
    ];
    return {
      feature: p.name,
      kind: 'categorical',
      reference: categoricalSummary(
        p.rows,
        p.missing,
        p.categories.map((c, k) => [c, p.counts[k] ?? 0]),
      ),
      current: categoricalSummary(a.rows, a.missing, current),
      newCategories: {
        rows: newRows,
        share: present > 0 ? newRows / present : Number.NaN,
        distinct: unseen.length,
        top: unseen.slice(0, NEW_CATEGORY_NAMES).map(([category, rows]) => ({ category, rows })),
      },
    };
  });
}

function categoricalSummary(rows: number, missing: number, counts: [string, number][]): CategoricalSummary {
  const present = counts.filter(([, n]) => n > 0);
  let top: [string, number] | undefined;
  for (const entry of present) if (!top || entry[1] > top[1] || (entry[1] === top[1] && entry[0] < top[0])) top = entry;
  return {
    rows,
    missing,
    missingShare: rows > 0 ? missing / rows : Number.NaN,
    categories: present.length,
    top: top ? { category: top[0], rows: top[1] } : null,
  };
}

/** Why each optional section is absent, in words a reader can act on; shown by the HTML and the CLI summary. */
function sections(
  spec: AnalysisSpec,
  o: OutcomeAccumulator,
  analysis: Pick<Report, 'prediction' | 'calibration' | 'fairness'>,
  performance: Report['performance'],
): Omit<ReportSections, 'explanations'> {
  const binary = spec.task === 'binary';
  const noScore = binary
    ? 'needs a score column in both the reference and the current file'
    : 'needs a predicted-value (score) column in both files';
  const outcome = (): string | undefined =>
    spec.score === undefined
      ? noScore
      : spec.label === undefined
        ? 'needs labels in the current file'
        : o.labelled === 0
          ? 'no row of the current file has both a label and a score'
          : undefined;
  const status = (computed: boolean, reason: string | undefined, fallback: string): SectionStatus =>
    computed ? { computed: true } : { computed: false, reason: reason ?? fallback };
  const binaryOnly = (reason: () => string | undefined): string | undefined => (binary ? reason() : 'binary task only');
  const curvesReason = binaryOnly(
    () =>
      outcome() ??
      (o.tp + o.fn === 0
        ? 'needs positive labels in the current file'
        : o.fp + o.tn === 0
          ? 'needs negative labels in the current file'
          : undefined),
  );
  const fairnessReason =
    spec.groups.length === 0
      ? 'needs group columns (--group-columns)'
      : binaryOnly(() =>
          spec.score === undefined && spec.prediction === undefined ? 'needs a score or prediction column' : undefined,
        );
  const curves = performance !== undefined && 'roc' in performance && performance.roc !== undefined;
  return {
    prediction: status(
      analysis.prediction !== undefined,
      spec.score === undefined ? noScore : undefined,
      'the current file has no scores',
    ),
    calibration: status(analysis.calibration !== undefined, binaryOnly(outcome), 'not computed'),
    performance: status(performance !== undefined && !('estimatedAccuracy' in performance), outcome(), 'not computed'),
    curves: status(curves, curvesReason, 'needs both classes among the labelled rows'),
    fairness: status(fairnessReason === undefined && analysis.fairness.length > 0, fairnessReason, 'not computed'),
  };
}

/**
 * The numeric columns each file has no missing value in, as the exact column statistics counted them (a binned
 * column is left out): the surrogate's samples need not look for missing values there (decision 0033).
 */
function columnsWithoutMissing(columns: readonly NumericColumnResult[]): {
  reference: Set<string>;
  current: Set<string>;
} {
  const exact = columns.filter((c) => !c.binned);
  return {
    reference: new Set(exact.filter((c) => c.summary.reference.missing === 0).map((c) => c.name)),
    current: new Set(exact.filter((c) => c.summary.current.missing === 0).map((c) => c.name)),
  };
}
