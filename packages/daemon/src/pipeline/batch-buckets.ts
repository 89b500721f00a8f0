/**
 * From decoded events to what the store commits. A prediction batch becomes one accumulator delta per (model
 * version, time bucket), the prediction-index rows of the late-label join, the windows it changes and the
 * model's newest event time. Joined labels become label-only deltas of their predictions' buckets. Rows of a
 * version without a reference profile cannot be binned; they are reported, never guessed (issue 3), and not indexed.
 */
import {
  compositeKey,
  categoryAt,
  selectRows,
  type CategoricalColumn,
  type Column,
  type ExplainConfig,
  type ModelDefinition,
  type Table,
} from '@vigil/core';
import {
  accumulate,
  emptyAccumulator,
  groupColumns,
  labelAccumulator,
  mergeUnknownFeatures,
  SPEC_DEFAULTS,
  type AnalysisSpec,
  type EventTimeWindows,
  type ReferenceProfile,
  type WindowAccumulator,
} from '@vigil/analyzers';
import { ATTRIBUTION_COLUMN_PREFIX, BATCH_COLUMNS, groupColumnName, type PredictionBatch } from '@vigil/collector';
import {
  storedAccumulator,
  type BucketDelta,
  type LabelMatch,
  type PredictionIndexColumns,
  type WindowKey,
} from '@vigil/store';

type SpecModel = ModelDefinition & { minGroupSize?: number; fdr?: number; explain?: ExplainConfig };

export interface BatchBuckets {
  buckets: BucketDelta<WindowAccumulator>[];
  /** The prediction-index rows of the counted events (those of versions with a profile), as columns. */
  predictions: PredictionIndexColumns;
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
    ...(model.explain ? { attributions: attributionSpec(model.explain, ATTRIBUTION_COLUMN_PREFIX) } : {}),
  };
}

/** The attribution part of a model's spec: its `explain` section, with the attributions in columns `prefix` + feature. */
export function attributionSpec(explain: ExplainConfig, prefix: string): NonNullable<AnalysisSpec['attributions']> {
  return {
    prefix,
    protected: explain.protected,
    proxies: explain.proxies,
    ...(explain.k === undefined ? {} : { k: explain.k }),
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
  const attributes = groupAttributes(model).map(
    (a) => [a, table.columns.get(groupColumnName(a)) as CategoricalColumn | undefined] as const,
  );

  // Rows of one (version, bucket) as runs of consecutive rows: a partition's events come nearly in event-time
  // order, so a batch is a few long runs, counted in place (views of the columns) instead of copied row by row.
  const byKey = new Map<string, BucketRows>();
  const runs: Run[] = [];
  // The index rows as columns, filled in place: no object per event (PredictionIndexColumns).
  const n = batch.rowCount;
  const versions = batch.version.categories;
  const versionCodes = new Int32Array(n);
  const bucketStarts = new Float64Array(n);
  const expiresAt = new Float64Array(n);
  const groupCodes = new Int32Array(n);
  const groupsOf = groupObjects(attributes);
  let maxEventTs = -Infinity;
  let lastCode = NaN;
  let lastBucket = NaN;
  let run: Run | undefined;
  for (let i = 0; i < n; i++) {
    const code = batch.version.codes[i] as number;
    const version = code < 0 ? '' : (versions[code] as string);
    const ts = batch.ts[i] as number;
    if (ts > maxEventTs) maxEventTs = ts;
    const bucketStart = windows.bucketOf(ts);
    if (run !== undefined && code === lastCode && bucketStart === lastBucket) {
      run.end = i + 1;
    } else {
      const key = compositeKey(version, bucketStart);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { version, bucketStart, rows: 0 }));
      run = { entry, start: i, end: i + 1 };
      runs.push(run);
      lastCode = code;
      lastBucket = bucketStart;
    }
    run.entry.rows++;
    // Code −1 (no version) is the last entry of the index's version list, ''.
    versionCodes[i] = code < 0 ? versions.length : code;
    bucketStarts[i] = bucketStart;
    // A back-fill of old events still gets the whole TTL for its labels.
    expiresAt[i] = Math.max(ts, now) + labelTtlMs;
    groupCodes[i] = groupsOf.codeOf(i);
  }

  const buckets: BucketDelta<WindowAccumulator>[] = [];
  const touched: WindowKey[] = [];
  const unprofiled = new Map<string, number>();
  // Each bucket's runs, in the batch's order (the order `accumulate` and the unknown-feature counts see them in).
  const runsOf = new Map<BucketRows, Run[]>();
  for (const r of runs) {
    let list = runsOf.get(r.entry);
    if (!list) runsOf.set(r.entry, (list = []));
    list.push(r);
  }
  const inPlace = runs.length <= MAX_RUNS_IN_PLACE_PER_BUCKET * byKey.size;
  for (const entry of byKey.values()) {
    const profile = profileFor(entry.version);
    if (!profile) {
      unprofiled.set(entry.version, (unprofiled.get(entry.version) ?? 0) + entry.rows);
      continue;
    }
    const entryRuns = runsOf.get(entry)!;
    const count = (): WindowAccumulator => {
      const acc = emptyAccumulator(profile, spec);
      if (inPlace) for (const { start, end } of entryRuns) accumulate(acc, profile, spec, rowRange(table, start, end));
      else {
        // Interleaved buckets (events far out of order): one copy of the bucket's rows.
        const rows: number[] = [];
        for (const { start, end } of entryRuns) for (let i = start; i < end; i++) rows.push(i);
        accumulate(acc, profile, spec, selectRows(table, rows));
      }
      countUnknownFeatures(batch, entryRuns, acc);
      return byAttribute(acc, model, spec);
    };
    const { version, bucketStart, rows } = entry;
    buckets.push(countedDelta(batch.model, version, bucketStart, rows, count));
    touched.push(...windowsOf(batch.model, version, bucketStart, windows));
  }
  // Events that were not counted are not indexed either: a label of one, even after a profile has been stored,
  // must not add an outcome to a bucket that never counted its prediction (it waits as an orphan and expires).
  const predictions = predictionColumns(
    batch,
    [...versions, ''],
    unprofiled.size === 0
      ? undefined
      : Array.from({ length: n }, (_, i) => i).filter((i) => !unprofiled.has(versionOf(batch, i))),
    { versionCodes, bucketStarts, expiresAt, groupCodes },
    [score, prediction, label],
    groupsOf.groups,
  );
  return {
    buckets,
    predictions,
    windows: touched,
    maxEventTs,
    unprofiled: [...unprofiled].map(([version, rows]) => ({ version, rows })),
  };
}

/**
 * Adds to a bucket's accumulator the batch's events of its runs whose `features` carried a key the model does not
 * configure: counted by row (the batch's `unknownFeatures.rows` are ascending row indices) and named by the keys
 * those events carried (`rowNames`, a bit mask over the batch's names per such row).
 */
function countUnknownFeatures(batch: PredictionBatch, runs: readonly Run[], acc: WindowAccumulator): void {
  const { rows, names, rowNames } = batch.unknownFeatures;
  if (rows.length === 0) return;
  for (const { start, end } of runs) {
    const from = firstAtLeast(rows, start);
    const to = firstAtLeast(rows, end);
    if (to === from) continue;
    let carried = 0;
    for (let r = from; r < to; r++) carried |= rowNames[r]!;
    acc.unknownFeatures = mergeUnknownFeatures(acc.unknownFeatures, {
      rows: to - from,
      names: names.filter((_, j) => (carried >>> j) & 1),
    });
  }
}

/** The index of the first of the ascending `sorted` that is at least `value` (`sorted.length` when none is). */
function firstAtLeast(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A delta counted when the store asks for it, from the batch's columns, and only in the form it asks for: its stored
 * form (packed, decision 0055) for a bucket inserted as sent, its accumulator to merge into a bucket stored before (with live-like event
 * time nearly every delta: a bucket is five minutes of a model's events and a batch a few seconds of them). Each read
 * counts the rows again, so every read gets a fresh accumulator, as a parse of stored text would.
 *
 * Before, every delta was counted at once and serialised (a 16 KB `JSON.stringify`), and a merged one parsed back:
 * ~5 % of the daemon's CPU with 100 models (docs/benchmarks.md, "The delta counted where it is used").
 * Serialising at once had replaced keeping the accumulators themselves through the batch's statements (~100 of them
 * a batch with 100 models, tens of KB of small objects each), which made V8 copy and promote them all; the columns
 * kept instead are typed arrays, which the collector does not copy.
 */
function countedDelta(
  model: string,
  version: string,
  bucketStart: number,
  rows: number,
  count: () => WindowAccumulator,
): BucketDelta<WindowAccumulator> {
  return {
    model,
    version,
    bucketStart,
    rows,
    get accumulator(): WindowAccumulator {
      return count();
    },
    get stored(): Uint8Array {
      return storedAccumulator(count());
    },
  };
}

interface Run {
  entry: BucketRows;
  start: number;
  end: number;
}

interface BucketRows {
  version: string;
  bucketStart: number;
  rows: number;
}

/**
 * Runs per bucket up to which a batch is counted run by run, in place; beyond it (events far out of event-time
 * order, many short runs) each bucket's rows are copied once and counted together.
 */
const MAX_RUNS_IN_PLACE_PER_BUCKET = 4;

/** Rows [start, end) of `table` as views of its columns (no copy); the whole table when that is all of it. */
function rowRange(table: Table, start: number, end: number): Table {
  if (start === 0 && end === table.rowCount) return table;
  const columns = new Map<string, Column>();
  for (const [name, column] of table.columns) {
    columns.set(
      name,
      column.kind === 'numeric'
        ? { name, kind: 'numeric', values: column.values.subarray(start, end) }
        : { name, kind: 'categorical', categories: column.categories, codes: column.codes.subarray(start, end) },
    );
  }
  return { source: table.source, rowCount: end - start, columns };
}

/**
 * The raw group attribute values of the rows as objects, one per combination of dictionary codes (not one per row):
 * `codeOf(row)` is the index of the row's object in `groups`.
 */
function groupObjects(attributes: readonly (readonly [string, CategoricalColumn | undefined])[]): {
  codeOf: (row: number) => number;
  groups: Record<string, string | null>[];
} {
  const groups: Record<string, string | null>[] = [];
  const build = (row: number): number => {
    const values: Record<string, string | null> = {};
    for (const [attribute, column] of attributes) values[attribute] = column ? categoryAt(column, row) : null;
    return groups.push(values) - 1;
  };
  // The codes of a row as one mixed-radix number (code −1, missing, is digit 0); a string past 2^52 combinations.
  let combinations = 1;
  for (const [, column] of attributes) combinations *= (column?.categories.length ?? 0) + 1;
  if (combinations <= Number.MAX_SAFE_INTEGER) {
    const cache = new Map<number, number>();
    return {
      groups,
      codeOf: (row) => {
        let key = 0;
        for (const [, column] of attributes)
          key = key * ((column?.categories.length ?? 0) + 1) + (column ? (column.codes[row] as number) + 1 : 0);
        let code = cache.get(key);
        if (code === undefined) cache.set(key, (code = build(row)));
        return code;
      },
    };
  }
  const cache = new Map<string, number>();
  return {
    groups,
    codeOf: (row) => {
      let key = '';
      for (const [, column] of attributes) key += `${column ? (column.codes[row] as number) : -1},`;
      let code = cache.get(key);
      if (code === undefined) cache.set(key, (code = build(row)));
      return code;
    },
  };
}

/** The version of row `i` ('' when it has none). */
function versionOf(batch: PredictionBatch, i: number): string {
  const code = batch.version.codes[i] as number;
  return code < 0 ? '' : (batch.version.categories[code] as string);
}

/**
 * The index columns of the rows `keep` (ascending) of `batch`, or of every row: then the batch's own ids, times and
 * outcome columns are used as they are (the index only reads them).
 */
function predictionColumns(
  batch: PredictionBatch,
  versions: readonly string[],
  keep: readonly number[] | undefined,
  perRow: { versionCodes: Int32Array; bucketStarts: Float64Array; expiresAt: Float64Array; groupCodes: Int32Array },
  outcomes: readonly (Float64Array | undefined)[],
  groups: readonly Record<string, string | null>[],
): PredictionIndexColumns {
  const n = batch.rowCount;
  const [score, prediction, label] = outcomes.map((values) => values ?? new Float64Array(n).fill(Number.NaN)) as [
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  if (keep === undefined) {
    return {
      model: batch.model,
      rowCount: n,
      ids: batch.ids,
      versions,
      ts: batch.ts,
      score,
      prediction,
      label,
      groups,
      ...perRow,
    };
  }
  const pickFloat = (values: Float64Array): Float64Array => Float64Array.from(keep, (i) => values[i] as number);
  const pickInt = (values: Int32Array): Int32Array => Int32Array.from(keep, (i) => values[i] as number);
  return {
    model: batch.model,
    rowCount: keep.length,
    ids: keep.map((i) => batch.ids[i] as string),
    versions,
    versionCodes: pickInt(perRow.versionCodes),
    ts: pickFloat(batch.ts),
    bucketStarts: pickFloat(perRow.bucketStarts),
    expiresAt: pickFloat(perRow.expiresAt),
    score: pickFloat(score),
    prediction: pickFloat(prediction),
    label: pickFloat(label),
    groups,
    groupCodes: pickInt(perRow.groupCodes),
  };
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
    const key = compositeKey(m.version, m.bucketStart);
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
  const attributions = acc.attributions;
  if (attributions) {
    attributions.groups = Object.fromEntries(
      model.groups.flatMap((g, i) => {
        const byGroup = attributions.groups[spec.groups[i] as string];
        return byGroup ? [[g, byGroup]] : [];
      }),
    );
  }
  return acc;
}

function windowsOf(model: string, version: string, bucketStart: number, windows: EventTimeWindows): WindowKey[] {
  return windows.windowsOfBucket(bucketStart).map((w) => ({ model, version, start: w.start, end: w.end }));
}

function numericValues(table: Table, name: string): Float64Array | undefined {
  const column = table.columns.get(name);
  return column?.kind === 'numeric' ? column.values : undefined;
}
