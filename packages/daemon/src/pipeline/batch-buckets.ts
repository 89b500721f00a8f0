/**
 * From a decoded batch to what the store commits: one accumulator delta per (model version, time bucket), and
 * the prediction-index rows of the late-label join. Rows of a version without a reference profile cannot be
 * binned; they are reported, never guessed (issue 3), and the caller decides how to surface them.
 */
import { selectRows, type ModelDefinition } from '@vigil/core';
import { accumulate, emptyAccumulator, groupColumns, SPEC_DEFAULTS, type AnalysisSpec, type EventTimeWindows, type ReferenceProfile, type WindowAccumulator } from '@vigil/analyzers';
import { BATCH_COLUMNS, groupColumnName, type PredictionBatch } from '@vigil/collector';
import type { BucketDelta, PredictionIndexRow } from '@vigil/store';

export interface BatchBuckets {
  buckets: BucketDelta<WindowAccumulator>[];
  predictions: PredictionIndexRow[];
  /** Rows of versions that have no reference profile yet. */
  unprofiled: { version: string; rows: number }[];
}

/** The model's features under their own names; score, prediction, label and groups from the decoder's `$` columns. */
export function batchSpec(model: ModelDefinition & { minGroupSize?: number; fdr?: number }): AnalysisSpec {
  return {
    task: model.task,
    features: Object.entries(model.features).map(([name, kind]) => ({ name, kind })),
    score: BATCH_COLUMNS.score,
    prediction: BATCH_COLUMNS.prediction,
    label: BATCH_COLUMNS.label,
    groups: model.groups.map((g) => groupColumns(g).map(groupColumnName).join('*')),
    threshold: model.threshold,
    minGroupSize: model.minGroupSize ?? SPEC_DEFAULTS.minGroupSize,
    fdr: model.fdr ?? SPEC_DEFAULTS.fdr,
  };
}

export function batchBuckets(
  batch: PredictionBatch,
  model: ModelDefinition & { minGroupSize?: number; fdr?: number },
  windows: EventTimeWindows,
  profileFor: (version: string) => ReferenceProfile | undefined,
  /** How long the label join remembers a prediction, from its event time. */
  labelTtlMs: number,
): BatchBuckets {
  const spec = batchSpec(model);
  const rowsByKey = new Map<string, { version: string; bucketStart: number; rows: number[] }>();
  const predictions: PredictionIndexRow[] = [];
  for (let i = 0; i < batch.rowCount; i++) {
    const code = batch.version.codes[i] as number;
    const version = code < 0 ? '' : (batch.version.categories[code] as string);
    const ts = batch.ts[i] as number;
    const bucketStart = windows.bucketOf(ts);
    const key = `${version}\u0000${bucketStart}`;
    let entry = rowsByKey.get(key);
    if (!entry) {
      entry = { version, bucketStart, rows: [] };
      rowsByKey.set(key, entry);
    }
    entry.rows.push(i);
    predictions.push({ model: batch.model, id: batch.ids[i] as string, version, ts, bucketStart, expiresAt: ts + labelTtlMs });
  }

  const buckets: BucketDelta<WindowAccumulator>[] = [];
  const unprofiled = new Map<string, number>();
  for (const { version, bucketStart, rows } of rowsByKey.values()) {
    const profile = profileFor(version);
    if (!profile) {
      unprofiled.set(version, (unprofiled.get(version) ?? 0) + rows.length);
      continue;
    }
    const acc = accumulate(emptyAccumulator(profile, spec), profile, spec, selectRows(batch.table, rows));
    // Persisted accumulators name groups by attribute (`sex`, `sex*race`), not by the decoder's column names.
    acc.groups = Object.fromEntries(model.groups.map((g, i) => [g, acc.groups[spec.groups[i] as string] ?? {}]));
    buckets.push({ model: batch.model, version, bucketStart, accumulator: acc, rows: rows.length });
  }
  return { buckets, predictions, unprofiled: [...unprofiled].map(([version, rows]) => ({ version, rows })) };
}
