import { closeSync, openSync, writeSync } from 'node:fs';
import type { SpilledColumn } from '@vigil/core';

/** Bytes of values a CSV reader holds per spill block, whatever the number of columns. */
const BLOCK_BYTES = 32 * 1024 * 1024;

/**
 * Bytes per write call. One 32 MiB write of a CSV block cost several times the kernel time of the same bytes in
 * 1 MiB writes (11.8 s against ~1.5 s of system time for the 1.6 GB spill of a 100k × 1,000 pair, `dd` the same).
 */
const WRITE_BYTES = 1024 * 1024;

/**
 * Writes numeric columns to one temporary file so that a file larger than memory is read in bounded memory
 * (`vigil report --memory-budget`). A CSV reader fills a block of rows column by column (`block`, column `c` at
 * `c * blockRows`) and flushes it whole; a Parquet reader appends a whole column at once. Each column then lists
 * where its values lie ({@link SpilledColumn}), and the analysis reads one column at a time back.
 */
export class SpillWriter {
  readonly blockRows: number;
  /** The block being filled; a reader may put one of its own there, of the same size (its row parser's). */
  block: Float64Array;
  /** Rows filled in the current block. */
  row = 0;
  private readonly fd: number;
  private offset = 0;
  private readonly segments: number[][];
  private readonly rows: number[];
  private closed = false;

  constructor(
    readonly path: string,
    readonly names: readonly string[],
    /** Columns filled row by row (CSV); 0 when columns are appended whole (Parquet). */
    blockColumns: number,
    blockBytes = BLOCK_BYTES,
  ) {
    this.fd = openSync(path, 'w');
    this.blockRows = blockColumns === 0 ? 0 : Math.max(1, Math.floor(blockBytes / (8 * blockColumns)));
    this.block = new Float64Array(this.blockRows * blockColumns);
    this.segments = names.map(() => []);
    this.rows = names.map(() => 0);
  }

  /** Ends a row of the block; flushes the block when it is full. */
  endRow(): void {
    if (++this.row === this.blockRows) this.flush();
  }

  /** Writes the rows of the current block (every column of the block, in order). */
  flush(): void {
    if (this.row === 0) return;
    // A CSV file with no numeric column to spill (categories, and the kept score and label) still ends its rows.
    if (this.segments.length === 0) {
      this.row = 0;
      return;
    }
    const stride = this.blockRows * 8;
    for (let c = 0; c < this.segments.length; c++) {
      this.segments[c]!.push(this.offset + c * stride, this.row);
      this.rows[c]! += this.row;
    }
    // The whole block, spare rows and all: one write instead of one per column.
    const bytes =
      this.row === this.blockRows ? this.block.byteLength : (this.segments.length - 1) * stride + this.row * 8;
    this.write(new Uint8Array(this.block.buffer, this.block.byteOffset, bytes));
    this.row = 0;
  }

  /** Appends a whole column `c` (Parquet). */
  appendColumn(c: number, values: Float64Array): void {
    this.segments[c]!.push(this.offset, values.length);
    this.rows[c]! += values.length;
    this.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  /** Flushes and closes the file; the columns by name. */
  finish(): Record<string, SpilledColumn> {
    this.flush();
    this.close();
    const out: Record<string, SpilledColumn> = {};
    this.names.forEach((name, c) => {
      out[name] = { path: this.path, rows: this.rows[c]!, segments: this.segments[c]! };
    });
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length)
      done += writeSync(this.fd, bytes, done, Math.min(WRITE_BYTES, bytes.length - done), this.offset + done);
    this.offset += bytes.length;
  }
}
