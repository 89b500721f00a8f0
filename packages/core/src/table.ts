/**
 * The columnar, in-memory form of a batch of rows: what file readers produce and what analyzers consume. Numeric
 * columns are Float64Arrays with NaN for a missing value; categorical columns are dictionary-encoded, with -1
 * for a missing value. Keeping both as typed arrays is what makes 1M-row analyses fast and memory-bounded.
 */
export type FeatureKind = 'numeric' | 'categorical';

export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  /** NaN marks a missing value. */
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  /** Index into `categories`, or -1 for a missing value. */
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  /** Where the rows came from (a file path, a topic), for error messages. */
  readonly source: string;
  readonly rowCount: number;
  readonly columns: ReadonlyMap<string, Column>;
}

export const MISSING_CODE = -1;

/**
 * The group of a row whose group attribute is absent, null or missing: its own group, never dropped (docs/events.md,
 * "Prediction event"). The collector writes it into decoded batches and the analyzers count it.
 */
export const MISSING_GROUP = '(missing)';

/** Decodes a categorical cell, or returns null for a missing value. */
export function categoryAt(column: CategoricalColumn, row: number): string | null {
  const code = column.codes[row] ?? MISSING_CODE;
  return code === MISSING_CODE ? null : (column.categories[code] ?? null);
}

/** The rows of `table` at `rows`, in that order (columns keep their dictionaries). */
export function selectRows(table: Table, rows: readonly number[] | Int32Array, source = table.source): Table {
  const columns = new Map<string, Column>();
  // Plain loops: TypedArray.from with a map function took 10 times as long (measured; 7 s of a 1,000-column report).
  for (const [name, column] of table.columns) {
    if (column.kind === 'numeric') {
      const values = new Float64Array(rows.length);
      for (let k = 0; k < rows.length; k++) values[k] = column.values[rows[k] as number] as number;
      columns.set(name, { name, kind: 'numeric', values });
    } else {
      const codes = new Int32Array(rows.length);
      for (let k = 0; k < rows.length; k++) codes[k] = column.codes[rows[k] as number] as number;
      columns.set(name, { name, kind: 'categorical', categories: column.categories, codes });
    }
  }
  return { source, rowCount: rows.length, columns };
}

/** `table` with `extra` columns added or replaced; every extra column must have `rowCount` values. */
export function withColumns(table: Table, extra: readonly Column[]): Table {
  const columns = new Map(table.columns);
  for (const column of extra) columns.set(column.name, column);
  return { ...table, columns };
}

/**
 * A numeric column written to a temporary file instead of held in memory (`vigil report` on files larger than its
 * memory budget): its float64 values, in row order, are the concatenation of `segments`, each a byte offset in
 * `path` and a count of values.
 */
export interface SpilledColumn {
  readonly path: string;
  readonly rows: number;
  /** [byteOffset, values, byteOffset, values, ...]; empty when the values are decoded from a Parquet file. */
  readonly segments: readonly number[];
  /**
   * Set for a flat number column of a Parquet file read beyond the memory budget, which is neither read up front nor
   * written to a spill file: `path` is then the Parquet file itself and the values are decoded from its column
   * chunks by the column job that needs them. `decoder` is the file of the module that decodes it
   * ({@link SpilledColumnDecoder}): the column names its reader, so the analysis and its worker threads load it
   * without importing the package that read the file.
   */
  readonly parquet?: {
    readonly column: readonly string[];
    readonly decoder: string;
    /** The file's name in messages (as the user gave it), when not `path`. */
    readonly source?: string;
  };
}

/** What the module a {@link SpilledColumn}'s `parquet.decoder` names exports; synchronous once loaded. */
export interface SpilledColumnDecoder {
  loadParquetColumnSource(): Promise<void>;
  /** The whole column; into the start of `into` when it is long enough, else a new array. */
  readParquetColumn(column: SpilledColumn, into?: Float64Array): Float64Array;
  readParquetColumnRows(column: SpilledColumn, from: number, to: number, into: Float64Array): void;
  forEachParquetColumnPiece(column: SpilledColumn, size: number, fn: (values: Float64Array) => void): void;
  closeParquetColumnSources(): void;
}
