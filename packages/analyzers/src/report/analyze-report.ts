/**
 * `vigil report`: one window. The reference file is fitted into a profile, the current file is accumulated like
 * any streaming window, and the window's metrics are computed by the same functions the daemon uses. Because a
 * report holds the raw values, the statistics that need them are exact here: KS and Wasserstein (sorted
 * samples, one worker thread per core), AUC and equal-mass ECE.
 */
import type { Table } from '@vigil/core';
import { accumulate, emptyAccumulator } from '../accumulator/window-accumulator';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { asNumeric, fitReferenceProfile, requireColumn } from '../profile/reference-profile';
import { eceEqualMass } from '../stats/calibration';
import { rocAuc } from '../stats/classification';
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
  // A reference without the score column (one logged before scores were) still gives every current-only section:
  // its profile has no score, so prediction drift is left out and calibration and performance stay.
  const scoreInBoth = spec.score !== undefined && reference.columns.has(spec.score);
  const profileSpec: AnalysisSpec = scoreInBoth ? spec : { ...spec, score: undefined };
  const numericNames = [...spec.features.filter((f) => f.kind === 'numeric').map((f) => f.name), ...(scoreInBoth && spec.score !== undefined ? [spec.score] : [])];
  const columns = await analyzeNumericColumns(
    numericNames.map((name) => ({
      name,
      reference: asNumeric(reference, requireColumn(reference, name)).values,
      current: asNumeric(current, requireColumn(current, name)).values,
    })),
    input.parallelism,
  );
  const numeric = new Map(columns.map((c) => [c.name, c]));
  const profile = fitReferenceProfile(reference, profileSpec, new Map(columns.map((c) => [c.name, c.profile])));
  const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, current, new Map(columns.map((c) => [c.name, c.accumulator])));

  const scores = spec.score !== undefined ? asNumeric(current, requireColumn(current, spec.score)).values : null;
  const labels = spec.label !== undefined ? asNumeric(current, requireColumn(current, spec.label)).values : null;
  const exactOutcomes = spec.task === 'binary' && scores && labels && acc.outcome.labelled > 0 ? { auc: rocAuc(scores, labels), eceEqualMass: eceEqualMass(scores, labels) } : {};
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
