import { fitReferenceProfile, fitReferenceSurrogate, type AnalysisSpec, type ReferenceProfile } from '@vigil/analyzers';
import { attributionSpec } from './batch-buckets';
import { readTable } from '@vigil/collector';
import type { FeatureKind, ModelConfig, Table } from '@vigil/core';

/**
 * Where a reference file keeps the attributions of a model with an `explain` section: columns
 * `attributions.<feature>`, which is what an NDJSON file of prediction events flattens `attributions` into.
 */
export const FILE_ATTRIBUTION_PREFIX = 'attributions.';

/**
 * A model's reference profile from a file (CSV, NDJSON or Parquet) holding its configured features and, when
 * present, the score in `scoreColumn` (for prediction drift) and the attributions (`attributions.<feature>`). Deterministic: every daemon of a consumer group
 * fitting the same file gets the same bins, so their accumulators add up.
 */
export async function fitModelReference(model: ModelConfig, path: string, scoreColumn = 'score'): Promise<{ profile: ReferenceProfile; rows: number }> {
  const types: Record<string, FeatureKind> = { ...model.features };
  const { table } = await readTable(path, { types });
  return { profile: fitModelTable(model, table, table.columns.has(scoreColumn) ? scoreColumn : undefined, FILE_ATTRIBUTION_PREFIX), rows: table.rowCount };
}

/**
 * The profile of `table`, which holds the model's features under their names and, when given, the score; for a
 * model with an `explain` section, the attributions in columns `attributionPrefix` + feature (none is fine) and,
 * when the table has a score, the reference surrogate.
 */
export function fitModelTable(model: ModelConfig, table: Table, scoreColumn: string | undefined, attributionPrefix: string): ReferenceProfile {
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
  // A model with an explain section gets the reference's linear surrogate, which windows without logged
  // attributions are ranked against (docs/explanations.md#without-logged-attributions-the-linear-surrogate).
  const surrogate = model.explain ? fitReferenceSurrogate(table, profile, spec) : undefined;
  return surrogate ? { ...profile, surrogate } : profile;
}
