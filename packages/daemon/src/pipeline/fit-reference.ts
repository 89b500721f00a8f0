import {
  fitCbpe,
  fitDataReconstruction,
  rebuildsExactly,
  fitReferenceChunks,
  fitReferenceProfile,
  fitReferenceSurrogate,
  MAX_RECONSTRUCTION_FEATURES,
  predictedClass,
  type AnalysisSpec,
  type ReferenceProfile,
} from '@vigil/analyzers';
import { attributionSpec } from './batch-buckets';
import { modelDeclaration, withDeclaredKind } from './declared-kind';
import { readTable } from '@vigil/collector';
import type { FeatureKind, ModelConfig, Table } from '@vigil/core';

/** The columns of a reference file that CBPE reads beside the score: the ground truth and, optionally, the class. */
export const REFERENCE_LABEL_COLUMN = 'label';
export const REFERENCE_PREDICTION_COLUMN = 'prediction';

/**
 * Where a reference file keeps the attributions of a model with an `explain` section: columns
 * `attributions.<feature>`, which is what an NDJSON file of prediction events flattens `attributions` into.
 */
export const FILE_ATTRIBUTION_PREFIX = 'attributions.';

/**
 * A model's reference profile from a file (CSV, NDJSON or Parquet) holding its configured features and, when
 * present, the score in `scoreColumn` (for prediction drift), the attributions (`attributions.<feature>`) and a numeric `label` column (a binary model's
 * windows then estimate their performance, CBPE). Deterministic: every daemon of a consumer group fitting the same
 * file gets the same bins and calibrator, so their accumulators add up.
 */
export async function fitModelReference(
  model: ModelConfig,
  path: string,
  scoreColumn = 'score',
): Promise<{ profile: ReferenceProfile; rows: number; noEstimate?: string }> {
  const types: Record<string, FeatureKind> = { ...model.features };
  let table: Table;
  try {
    ({ table } = await readTable(path, { types }));
  } catch (error) {
    throw withDeclaredKind(error, (column) => modelDeclaration(model, column));
  }
  const profile = await fitModelTable(
    model,
    table,
    table.columns.has(scoreColumn) ? scoreColumn : undefined,
    FILE_ATTRIBUTION_PREFIX,
  );
  const noEstimate =
    model.task === 'binary' && profile.cbpe === undefined
      ? noEstimateReason(table, table.columns.has(scoreColumn) ? scoreColumn : undefined)
      : undefined;
  return { profile, rows: table.rowCount, ...(noEstimate !== undefined ? { noEstimate } : {}) };
}

/**
 * Why a binary model's reference file with a `label` column gave no CBPE, so that its windows have no estimated
 * performance (docs/metrics.md, "Estimated performance in the windows"): labels that are not numbers (`yes`/`no`),
 * or no numeric score beside them. Undefined without a label column: no labels, nothing to estimate from.
 */
function noEstimateReason(table: Table, scoreColumn: string | undefined): string | undefined {
  const label = table.columns.get(REFERENCE_LABEL_COLUMN);
  if (label === undefined) return undefined;
  if (label.kind === 'categorical') {
    const first = label.codes.find((c) => c >= 0);
    const held = first === undefined ? 'no value' : `"${label.categories[first]}"`;
    return `the reference's label column "${REFERENCE_LABEL_COLUMN}" holds ${held}, not 0/1 (map its values to 0 and 1, 1 the positive class, to estimate performance)`;
  }
  const score = scoreColumn === undefined ? undefined : table.columns.get(scoreColumn);
  if (score === undefined) return 'the reference has a label column but no score column, which the estimate needs';
  if (score.kind !== 'numeric') return `the reference's score column "${scoreColumn}" is not numeric`;
  return 'no row of the reference has both a score and a label';
}

/**
 * The profile of `table`, which holds the model's features under their names and, when given, the score; with the
 * data reconstruction of multivariate drift for 2 to 200 features (docs/metrics.md, "Reconstruction error"); for a
 * model with an `explain` section, the attributions in columns `attributionPrefix` + feature (none is fine).
 */
export async function fitModelTable(
  model: ModelConfig,
  table: Table,
  scoreColumn: string | undefined,
  attributionPrefix: string,
): Promise<ReferenceProfile> {
  const spec: AnalysisSpec = {
    task: model.task,
    features: Object.entries(model.features).map(([name, kind]) => ({ name, kind })),
    ...(scoreColumn === undefined ? {} : { score: scoreColumn }),
    groups: [],
    threshold: model.threshold,
    minGroupSize: model.minGroupSize,
    fdr: model.fdr,
    ...(model.explain ? { attributions: attributionSpec(model.explain, attributionPrefix) } : {}),
  };
  const profile = fitReferenceProfile(table, spec);
  const fitted =
    spec.features.length >= 2 && spec.features.length <= MAX_RECONSTRUCTION_FEATURES && table.rowCount >= 2
      ? (await fitDataReconstruction(table, spec.features)).model
      : undefined;
  // A fit that keeps every axis rebuilds each row exactly: nothing to measure, so not stored (nor counted at ingest).
  const reconstruction = fitted && !rebuildsExactly(fitted) ? fitted : undefined;
  // A model with an explain section gets the reference's linear surrogate, which windows without logged
  // attributions are ranked against (docs/explanations.md#without-logged-attributions-the-linear-surrogate).
  const surrogate = model.explain ? fitReferenceSurrogate(table, profile, spec) : undefined;
  const withReconstruction = {
    ...profile,
    ...(reconstruction ? { reconstruction } : {}),
    ...(surrogate ? { surrogate } : {}),
  };
  const labelled = labelledReference(table, spec);
  if (!labelled) return withReconstruction;
  const cbpe = fitCbpe(labelled.scores, labelled.labels, labelled.predicted);
  const chunks = fitReferenceChunks(labelled.scores, labelled.labels, labelled.predicted);
  return { ...withReconstruction, ...(cbpe ? { cbpe } : {}), ...(chunks.length > 0 ? { chunks } : {}) };
}

/**
 * What CBPE and the reference chunks are fitted on (docs/metrics.md, "Estimated performance in the windows"): a
 * binary model's score, the numeric `label` column and the predicted class (the numeric `prediction` column, else
 * score ≥ threshold, as the events' class is). Undefined for regression, or without a score or numeric labels.
 */
function labelledReference(
  table: Table,
  spec: AnalysisSpec,
): { scores: Float64Array; labels: Float64Array; predicted: Float64Array } | undefined {
  const score = spec.score === undefined ? undefined : table.columns.get(spec.score);
  const label = table.columns.get(REFERENCE_LABEL_COLUMN);
  if (spec.task !== 'binary' || score?.kind !== 'numeric' || label?.kind !== 'numeric') return undefined;
  const prediction = table.columns.get(REFERENCE_PREDICTION_COLUMN);
  const predicted = predictedClass(
    table,
    prediction?.kind === 'numeric' ? { ...spec, prediction: REFERENCE_PREDICTION_COLUMN } : spec,
  );
  return predicted ? { scores: score.values, labels: label.values, predicted } : undefined;
}
