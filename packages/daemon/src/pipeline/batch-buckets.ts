/**
 * From decoded events to what the store commits. A prediction batch becomes one accumulator delta per (model
 * version, time bucket), the prediction-index rows of the late-label join, the windows it changes and the
 * model's newest event time. Joined labels become label-only deltas of their predictions' buckets. Rows of a
 * version without a reference profile cannot be binned; they are reported, never guessed (issue 3).
 */
import { categoryAt, selectRows, type CategoricalColumn, type Column, type ModelDefinition, type Table } from '@vigil/core';
import {
  accumulate, emptyAccumulator, groupColumns, labelAccumulator, SPEC_DEFAULTS,
  type AnalysisSpec, type EventTimeWindows, type ReferenceProfile, type WindowAccumulator,
} from '@vigil/analyzers';
import { BATCH_COLUMNS, groupColumnName, type PredictionBatch } from '@vigil/collector';
import type { BucketDelta, LabelMatch, PredictionIndexRow, WindowKey } from '@vigil/store';

type SpecModel = ModelDefinition & { minGroupSize?: number; fdr?: number };

export interface BatchBuckets {
  buckets: BucketDelta<WindowAccumulator>[];
  predictions: PredictionIndexRow[];
  /** Every window holding one of the batch's profiled buckets. */
  windows: WindowKey[];
  /** The batch's largest event time (epoch ms), or -Infinity for an empty batch. */
  maxEventTs: number;
  /** Rows of versions that have no reference profile yet. */
  unprofiled: { version: string; rows: number }[];
}

/** The model's features under their own names; score, prediction, label and groups from the decoder's `$` columns. */
export function batchSpec(model: SpecModel): AnalysisSpec {
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

/** The raw attributes a model's groups read (`sex*race` reads `sex` and `race`). */
function groupAttributes(model: ModelDefinition): string[] {
  return [...new Set(model.groups.flatMap((g) => groupColumns(g)))];
}

export function batchBuckets(
  batch: PredictionBatch,
  model: SpecModel,
  windows: EventTimeWindows,
  profileFor: (version: string) => ReferenceProfile | undefined,
  /** How long the label join remembers a prediction, from its event time or `now`, whichever is later. */
  labelTtlMs: number,
  now = Date.now(),
): BatchBuckets {
  const spec = batchSpec(model);
  const table = batch.table;
  const score = numericValues(table, BATCH_COLUMNS.score);
  const prediction = numericValues(table, BATCH_COLUMNS.prediction);
  const label = numericValues(table, BATCH_COLUMNS.label);
  const attributes = groupAttributes(model).map((a) => [a, table.columns.get(groupColumnName(a)) as CategoricalColumn | undefined] as const);

  const rowsByKey = new Map<string, { version: string; bucketStart: number; rows: number[] }>();
  const predictions: PredictionIndexRow[] = [];
  let maxEventTs = -Infinity;
  for (let i = 0; i < batch.rowCount; i++) {
    const code = batch.version.codes[i] as number;
    const version = code < 0 ? '' : (batch.version.categories[code] as string);
    const ts = batch.ts[i] as number;
    if (ts > maxEventTs) maxEventTs = ts;
    const bucketStart = windows.bucketOf(ts);
    const key = `${version}\u0000${bucketStart}`;
    let entry = rowsByKey.get(key);
    if (!entry) {
      entry = { version, bucketStart, rows: [] };
      rowsByKey.set(key, entry);
    }
    entry.rows.push(i);
    const groups: Record<string, string | null> = {};
    for (const [attribute, column] of attributes) groups[attribute] = column ? categoryAt(column, i) : null;
    predictions.push({
      model: batch.model,
      id: batch.ids[i] as string,
      version,
      ts,
      bucketStart,
      // A back-fill of old events still gets the whole TTL for its labels.
      expiresAt: Math.max(ts, now) + labelTtlMs,
      score: known(score?.[i]),
      prediction: known(prediction?.[i]),
      label: known(label?.[i]),
      groups,
    });
  }

  const buckets: BucketDelta<WindowAccumulator>[] = [];
  const touched: WindowKey[] = [];
  const unprofiled = new Map<string, number>();
  for (const { version, bucketStart, rows } of rowsByKey.values()) {
    const profile = profileFor(version);
    if (!profile) {
      unprofiled.set(version, (unprofiled.get(version) ?? 0) + rows.length);
      continue;
    }
    const acc = byAttribute(accumulate(emptyAccumulator(profile, spec), profile, spec, selectRowsOf(table, rows)), model, spec);
    buckets.push({ model: batch.model, version, bucketStart, accumulator: acc, rows: rows.length });
    touched.push(...windowsOf(batch.model, version, bucketStart, windows));
  }
  return { buckets, predictions, windows: touched, maxEventTs, unprofiled: [...unprofiled].map(([version, rows]) => ({ version, rows })) };
}

/**
 * The label-only deltas of joined labels of one model, per (version, bucket), and the windows they change.
 * Matches of versions without a profile are skipped: their predictions were never counted either.
 */
export function labelBuckets(
  matches: readonly LabelMatch[],
  model: SpecModel,
  windows: EventTimeWindows,
  profileFor: (version: string) => ReferenceProfile | undefined,
): { buckets: BucketDelta<WindowAccumulator>[]; windows: WindowKey[] } {
  const spec = batchSpec(model);
  const byKey = new Map<string, { version: string; bucketStart: number; rows: LabelMatch[] }>();
  for (const m of matches) {
    const key = `${m.version}\u0000${m.bucketStart}`;
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { version: m.version, bucketStart: m.bucketStart, rows: [] }));
    entry.rows.push(m);
  }
  const buckets: BucketDelta<WindowAccumulator>[] = [];
  const touched: WindowKey[] = [];
  for (const { version, bucketStart, rows } of byKey.values()) {
    const profile = profileFor(version);
    if (!profile) continue;
    const acc = byAttribute(labelAccumulator(profile, spec, labelTable(rows, model)), model, spec);
    // Labels add no rows: the bucket's row count is that of its predictions.
    buckets.push({ model: model.id, version, bucketStart, accumulator: acc, rows: 0 });
    touched.push(...windowsOf(model.id, version, bucketStart, windows));
  }
  return { buckets, windows: touched };
}

/** The joined rows as the decoder would have laid them out, with their label now known. */
function labelTable(rows: readonly LabelMatch[], model: ModelDefinition): Table {
  const numeric = (name: string, pick: (m: LabelMatch) => number | null): Column => ({
    name,
    kind: 'numeric',
    values: Float64Array.from(rows, (m) => pick(m) ?? Number.NaN),
  });
  const columns: Column[] = [
    numeric(BATCH_COLUMNS.score, (m) => m.score),
    numeric(BATCH_COLUMNS.prediction, (m) => m.prediction),
    numeric(BATCH_COLUMNS.label, (m) => m.label),
  ];
  for (const attribute of groupAttributes(model)) {
    const categories: string[] = [];
    const codeOf = new Map<string, number>();
    const codes = Int32Array.from(rows, (m) => {
      const value = m.groups[attribute];
      if (value === undefined || value === null) return -1;
      let code = codeOf.get(value);
      if (code === undefined) codeOf.set(value, (code = categories.push(value) - 1));
      return code;
    });
    columns.push({ name: groupColumnName(attribute), kind: 'categorical', categories, codes });
  }
  return { source: `labels of ${model.id}`, rowCount: rows.length, columns: new Map(columns.map((c) => [c.name, c])) };
}

/** Persisted accumulators name groups by attribute (`sex`, `sex*race`), not by the decoder's column names. */
function byAttribute(acc: WindowAccumulator, model: ModelDefinition, spec: AnalysisSpec): WindowAccumulator {
  acc.groups = Object.fromEntries(model.groups.map((g, i) => [g, acc.groups[spec.groups[i] as string] ?? {}]));
  return acc;
}

function windowsOf(model: string, version: string, bucketStart: number, windows: EventTimeWindows): WindowKey[] {
  return windows.windowsOfBucket(bucketStart).map((w) => ({ model, version, start: w.start, end: w.end }));
}

/** A typed column's value, with NaN (missing) as null. */
function known(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}

function numericValues(table: Table, name: string): Float64Array | undefined {
  const column = table.columns.get(name);
  return column?.kind === 'numeric' ? column.values : undefined;
}

/** Rows are ascending, so all of them are the whole table. */
function selectRowsOf(table: Table, rows: number[]): Table {
  return rows.length === table.rowCount ? table : selectRows(table, rows);
}
