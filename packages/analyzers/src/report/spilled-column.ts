import { closeSync, openSync, readSync } from 'node:fs';
import type { SpilledColumn, SpilledColumnDecoder } from '@vigil/core';

/** The decoders of columns left in their Parquet file, by module file, loaded on this thread. */
const decoders = new Map<string, SpilledColumnDecoder>();

/**
 * Loads what reading the columns among `columns` needs on this thread: for a column left in its Parquet file, the
 * module its `parquet.decoder` names (the collector's decoder and hyparquet's ES modules); the readers below are
 * synchronous and expect it done.
 */
export async function prepareSpilledColumns(columns: Iterable<SpilledColumn | Float64Array>): Promise<void> {
  for (const column of columns) {
    if (column instanceof Float64Array || column.parquet === undefined) continue;
    const file = column.parquet.decoder;
    if (decoders.has(file)) continue;
    const decoder = (await import(file)) as SpilledColumnDecoder;
    await decoder.loadParquetColumnSource();
    decoders.set(file, decoder);
  }
}

function decoderOf(column: SpilledColumn): SpilledColumnDecoder {
  const decoder = decoders.get(column.parquet!.decoder);
  if (decoder === undefined) throw new Error(`${column.path}: read before prepareSpilledColumns loaded its decoder`);
  return decoder;
}

/** Closes the Parquet files this thread opened to decode columns (a later read opens them again). */
export function closeSpilledColumns(): void {
  for (const decoder of decoders.values()) decoder.closeParquetColumnSources();
}

/**
 * A spilled column with the rows a report's surrogate will sample from it: the column job that reads it whole keeps
 * their values aside (`sample`), so the sample does not read (or, from Parquet, decode) every column again.
 */
export interface SampledColumn extends SpilledColumn {
  /** Ascending row indices. */
  readonly sampleRows?: Int32Array;
  /** Their values, once the column has been read. */
  sample?: Float64Array;
}

/**
 * The values of a column written to a spill file by a file reader, or left in its Parquet file, read whole (one
 * column at a time): into the start of `into` when it is long enough (the report reads 2,000 columns and keeps none),
 * else a new array. The values of its `sampleRows`, if any, are kept aside as it is read.
 */
export function readSpilledColumn(column: SpilledColumn | SampledColumn, into?: Float64Array): Float64Array {
  const values =
    column.parquet !== undefined ? decoderOf(column).readParquetColumn(column, into) : readSpillFile(column, into);
  const rows = 'sampleRows' in column ? column.sampleRows : undefined;
  if (rows !== undefined) {
    const sample = new Float64Array(rows.length);
    for (let k = 0; k < sample.length; k++) sample[k] = values[rows[k] as number] as number;
    (column as SampledColumn).sample = sample;
  }
  return values;
}

/**
 * The column's values at `rows` (ascending): the values kept aside when the column was read, if they are of these
 * rows, else one pass over the column.
 */
export function readSpilledSample(
  column: SpilledColumn | SampledColumn,
  rows: Int32Array,
  pieceRows: number,
): Float64Array {
  if ('sample' in column && column.sample !== undefined && sameRows(column.sampleRows, rows)) {
    // Handed over once (the sample is the caller's now): no copy of the samples of 1,000 columns.
    const sample = column.sample;
    column.sample = undefined;
    return sample;
  }
  const values = new Float64Array(rows.length);
  let seen = 0;
  let k = 0;
  forEachSpilledPiece(column, pieceRows, (piece) => {
    for (; k < rows.length && (rows[k] as number) < seen + piece.length; k++)
      values[k] = piece[(rows[k] as number) - seen] as number;
    seen += piece.length;
  });
  return values;
}

function sameRows(a: Int32Array | undefined, b: Int32Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function readSpillFile(column: SpilledColumn, into?: Float64Array): Float64Array {
  const values =
    into !== undefined && into.length >= column.rows ? into.subarray(0, column.rows) : new Float64Array(column.rows);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const fd = openSync(column.path, 'r');
  try {
    let at = 0;
    for (let s = 0; s < column.segments.length; s += 2) {
      readFully(fd, bytes, at, column.segments[s + 1]! * 8, column.segments[s]!, column.path);
      at += column.segments[s + 1]! * 8;
    }
  } finally {
    closeSync(fd);
  }
  return values;
}

function readFully(fd: number, bytes: Uint8Array, at: number, length: number, position: number, path: string): void {
  for (let got = 0; got < length;) {
    const read = readSync(fd, bytes, at + got, length - got, position + got);
    if (read === 0) throw new Error(`${path}: the spill file ends early`);
    got += read;
  }
}

/**
 * Calls `fn` with the column's values in order, at most `size` at a time, in one reused array (valid only during
 * the call): the binned path reads a column in bounded memory this way.
 */
export function forEachSpilledPiece(column: SpilledColumn, size: number, fn: (values: Float64Array) => void): void {
  if (column.parquet !== undefined) return decoderOf(column).forEachParquetColumnPiece(column, size, fn);
  const buffer = new Float64Array(Math.max(1, Math.min(size, column.rows)));
  const bytes = new Uint8Array(buffer.buffer);
  const fd = openSync(column.path, 'r');
  try {
    for (let s = 0; s < column.segments.length; s += 2) {
      const offset = column.segments[s]!;
      const count = column.segments[s + 1]!;
      for (let done = 0; done < count;) {
        const n = Math.min(buffer.length, count - done);
        readFully(fd, bytes, 0, n * 8, offset + done * 8, column.path);
        fn(buffer.subarray(0, n));
        done += n;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Values [from, to) of a spilled column into `into` (length to − from): the linear surrogate of a spilled report
 * reads all feature columns a block of rows at a time this way, so it holds one block, not the columns.
 */
export function readSpilledRows(column: SpilledColumn, from: number, to: number, into: Float64Array): void {
  if (column.parquet !== undefined) return decoderOf(column).readParquetColumnRows(column, from, to, into);
  const bytes = new Uint8Array(into.buffer, into.byteOffset, (to - from) * 8);
  const fd = openSync(column.path, 'r');
  try {
    let first = 0; // row index of the current segment's first value
    let at = 0;
    for (let s = 0; s < column.segments.length && first < to; s += 2) {
      const offset = column.segments[s]!;
      const count = column.segments[s + 1]!;
      const lo = Math.max(from, first);
      const hi = Math.min(to, first + count);
      if (lo < hi) {
        readFully(fd, bytes, at * 8, (hi - lo) * 8, offset + (lo - first) * 8, column.path);
        at += hi - lo;
      }
      first += count;
    }
  } finally {
    closeSync(fd);
  }
}
