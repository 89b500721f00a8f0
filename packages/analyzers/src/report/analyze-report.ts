/**
 * `vigil report`: one window. The reference file is fitted into a profile, the current file is accumulated like
 * any streaming window, and the window's metrics are computed by the same functions the daemon uses. Because a
 * report holds the raw values, the statistics that need them are exact here: KS and Wasserstein (sorted
 * samples, spread over the cores by parallel-columns.ts), AUC and equal-mass ECE.
 */
import type { Table } from '@vigil/core';
import { accumulate, emptyAccumulator } from '../accumulator/window-accumulator';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { asNumeric, fitReferenceProfile, requireColumn } from '../profile/reference-profile';
import { eceEqualMass } from '../stats/calibration';
import { rocAuc, sortedScoresByClass } from '../stats/classification';
import { analyzeWindow } from '../window/analyze-window';
import { analyzeNumericColumns } from './parallel-columns';
import type { Report } from './report-types';

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
  const numericColumns = analyzeNumericColumns(
    numericNames.map((name) => ({
      name,
      reference: asNumeric(reference, requireColumn(reference, name)).values,
      current: asNumeric(current, requireColumn(current, name)).values,
    })),
    input.parallelism,
  );
  // Awaited below; this only keeps a failure of theirs from being an unhandled rejection if a line below throws first.
  numericColumns.catch(() => undefined);
  // The call above did this thread's share of the columns; while a worker may still be on its share, this thread
  // sorts the scores by class, which AUC and equal-mass ECE share (each sorted them on its own, after the workers).
  const scores = spec.score !== undefined ? asNumeric(current, requireColumn(current, spec.score)).values : null;
  const labels = spec.label !== undefined ? asNumeric(current, requireColumn(current, spec.label)).values : null;
  const byClass = spec.task === 'binary' && scores && labels ? sortedScoresByClass(scores, labels) : undefined;
  const columns = await numericColumns;
  const numeric = new Map(columns.map((c) => [c.name, c]));
  const profile = fitReferenceProfile(reference, spec, new Map(columns.map((c) => [c.name, c.profile])));
  const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, current, new Map(columns.map((c) => [c.name, c.accumulator])));

  const exactOutcomes =
    byClass && scores && labels && acc.outcome.labelled > 0
      ? { auc: rocAuc(scores, labels, byClass), eceEqualMass: eceEqualMass(scores, labels, undefined, byClass) }
      : {};
  const analysis = analyzeWindow(profile, acc, spec, { numeric, ...exactOutcomes });

  return {
    rows: { reference: reference.rowCount, current: current.rowCount },
    task: spec.task,
    ...analysis,
    options: {
      threshold: spec.threshold,
      minGroupSize: spec.minGroupSize,
      features: spec.features.map((f) => ({ name: f.name, kind: f.kind, inferred: input.inferred?.has(f.name) ?? false })),
    },
    generatedAt: (input.now?.() ?? new Date()).toISOString(),
  };
}
