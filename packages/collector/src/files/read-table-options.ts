import type { FeatureKind, SpilledColumn, Table } from '@vigil/core';

export interface ReadTableOptions {
  /**
   * The name errors and the table's `source` use, when it is not the path (`-` for standard input, read from
   * /dev/stdin). @defaultValue the path
   */
  name?: string;
  /**
   * Column kinds the caller knows (from `--features`, or group columns, which are always categorical). Other
   * columns are inferred: numeric when every non-missing value is a number, else categorical. Kinds of columns
   * the file does not have are ignored; use `columns` to require them.
   * @defaultValue `{}`
   */
  types?: Readonly<Record<string, FeatureKind>>;
  /**
   * Only these columns are kept, in this order; the others are skipped without being parsed. Every listed column
   * must exist, else `VIGIL_UNKNOWN_COLUMN` names the file and the columns it does have.
   * @defaultValue every column, in file order
   */
  columns?: readonly string[];
  /**
   * Read a CSV, TSV or Parquet file in bounded memory: Parquet a column at a time, and every numeric
   * column not listed in `keep` written to the temporary file `path` instead of held (`ReadTableResult.spilled`).
   * The table then holds those columns empty. NDJSON and pipes are read whole as without it.
   */
  spill?: SpillOptions;
  /**
   * Bytes of a CSV or TSV file read at a time (tests make it small to cross chunk ends). A file that fits in one
   * chunk is read whole. @defaultValue 16 MiB
   */
  chunkBytes?: number;
}

export interface SpillOptions {
  /** The spill file to write (the caller removes it). */
  path: string;
  /** Numeric columns kept in memory all the same (a report's score, label and prediction). */
  keep?: readonly string[];
  /** Bytes of values per spilled block of CSV rows. @defaultValue 32 MiB */
  blockBytes?: number;
  /**
   * Leave a Parquet file's flat number columns (DOUBLE, FLOAT, INT32, INT64 without a logical type) other than the
   * `keep` ones in the file (`SpilledColumn.parquet`): they are neither decoded now nor written to the spill file,
   * and whoever analyses a column decodes it from the file's column chunks (@vigil/analyzers' spilled-column readers
   * do). Only for a file read from a path; the file must not change meanwhile. @defaultValue false
   */
  leaveParquet?: boolean;
}

export interface ReadTableResult {
  table: Table;
  /** The kinds of the kept columns whose kind was inferred rather than given. */
  inferred: Record<string, FeatureKind>;
  /** What the reader did that a person should know (label events joined to their predictions). */
  notes?: string[];
  /**
   * With `spill`: the numeric columns written to the spill file, or, with `leaveParquet`, left in their Parquet file
   * (`SpilledColumn.parquet`); either way empty in `table`.
   */
  spilled?: Record<string, SpilledColumn>;
}
