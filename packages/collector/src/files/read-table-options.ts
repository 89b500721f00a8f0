import type { FeatureKind, Table } from '@vigil/core';

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
}

export interface ReadTableResult {
  table: Table;
  /** The kinds of the kept columns whose kind was inferred rather than given. */
  inferred: Record<string, FeatureKind>;
  /** What the reader did that a person should know (label events joined to their predictions). */
  notes?: string[];
}
