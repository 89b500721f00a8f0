import { MISSING_GROUP, type CategoricalColumn, type Table } from '@vigil/core';

/**
 * The decoded prediction events of one model from one `add`…`build` cycle, as columns (docs/streaming.md, "One batch, one transaction").
 *
 * `table` holds one column per model feature, under the feature's name, typed by the model (numeric: Float64Array
 * with NaN for missing; categorical: dictionary codes with -1 for missing), followed by the reserved columns named
 * in {@link BATCH_COLUMNS}, one categorical column per group attribute, named by {@link groupColumnName}, and one
 * numeric column per feature with the events' attributions, named by {@link attributionColumnName}.
 * Reserved names start with `$`, which model feature names may not (the builder refuses such a model), so they
 * never collide with a feature, and a group attribute may also be a feature.
 */
export interface PredictionBatch {
  readonly model: string;
  readonly rowCount: number;
  /** Event ids, per row (the key of the label join). */
  readonly ids: readonly string[];
  /** Event time in epoch milliseconds, per row: the table's `$ts` column. */
  readonly ts: Float64Array;
  /** Model version, per row: the table's `$version` column. */
  readonly version: CategoricalColumn;
  readonly table: Table;
  /**
   * Per feature, the rows whose event lacked the key altogether (they are also missing in the column, like an
   * explicit null); a rising count tells a model owner that a producer stopped sending a feature.
   */
  readonly absentFeatures: ReadonlyMap<string, number>;
  /**
   * The events whose `features` carried a key that is not a feature of the model (docs/events.md: not analysed,
   * counted): `rows`, their row indices, ascending, so a batch split into buckets splits the count too; `names`, the
   * distinct unknown keys, sorted, at most `MAX_UNKNOWN_FEATURE_NAMES` (the smallest), to name a producer's new field;
   * `rowNames`, per row of `rows`, which of `names` its event carried (bit j = `names[j]`), so a bucket of some of
   * the rows is named by its own events' keys.
   */
  readonly unknownFeatures: {
    readonly rows: readonly number[];
    readonly names: readonly string[];
    readonly rowNames: readonly number[];
  };
}

/** The prefix of every column name the decoder adds to the model's features. */
export const RESERVED_COLUMN_PREFIX = '$';

/**
 * Names of the reserved columns of {@link PredictionBatch.table}:
 * - `$ts` (numeric): event time, epoch milliseconds;
 * - `$version` (categorical): the event's `version`, "unversioned" when absent or null;
 * - `$score` (numeric): NaN when absent or null;
 * - `$prediction` (numeric): as sent, else `score >= threshold` (binary) or the score (regression); NaN when
 *   neither is known;
 * - `$label` (numeric): NaN when absent or null.
 */
export const BATCH_COLUMNS = Object.freeze({
  ts: '$ts',
  version: '$version',
  score: '$score',
  prediction: '$prediction',
  label: '$label',
} as const);

/** The categorical column of group attribute `attribute` (`sex` → `$group.sex`). */
export function groupColumnName(attribute: string): string {
  return `${RESERVED_COLUMN_PREFIX}group.${attribute}`;
}

/**
 * The numeric column of the attributions of feature `feature` (`age` → `$attr.age`): the event's
 * `attributions.age`, NaN when it carries none (docs/events.md).
 */
export function attributionColumnName(feature: string): string {
  return `${ATTRIBUTION_COLUMN_PREFIX}${feature}`;
}

/** What {@link attributionColumnName} puts before a feature's name. */
export const ATTRIBUTION_COLUMN_PREFIX = `${RESERVED_COLUMN_PREFIX}attr.`;

/** The `version` of an event that has none. */
export const DEFAULT_VERSION = 'unversioned';

/** Declared in @vigil/core (the analyzers count it too); exported here as before. */
export { MISSING_GROUP };
