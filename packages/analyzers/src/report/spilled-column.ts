import { closeSync, openSync, readSync } from 'node:fs';
import type { SpilledColumn } from '@vigil/core';

/**
 * The values of a column written to a spill file by a file reader, read back whole (one column at a time): into
 * the start of `into` when it is long enough (the report reads 2,000 columns back and keeps none), else a new array.
 */
export function readSpilledColumn(column: SpilledColumn, into?: Float64Array): Float64Array {
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
