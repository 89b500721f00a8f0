import { closeSync, openSync, readSync } from 'node:fs';
import type { SpilledColumn } from '@vigil/core';

/** The values of a column written to a spill file by a file reader, read back whole (one column at a time). */
export function readSpilledColumn(column: SpilledColumn): Float64Array {
  const values = new Float64Array(column.rows);
  const bytes = new Uint8Array(values.buffer);
  const fd = openSync(column.path, 'r');
  try {
    let at = 0;
    for (let s = 0; s < column.segments.length; s += 2) {
      const offset = column.segments[s]!;
      const length = column.segments[s + 1]! * 8;
      let done = 0;
      while (done < length) {
        const n = readSync(fd, bytes, at + done, length - done, offset + done);
        if (n === 0) throw new Error(`${column.path}: the spill file ends early`);
        done += n;
      }
      at += length;
    }
  } finally {
    closeSync(fd);
  }
  return values;
}
