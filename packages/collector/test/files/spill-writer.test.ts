/**
 * The spill file holds what was written, where each column's segments say, when a block or a column is larger than
 * one write call (writes go out 1 MiB at a time: one 32 MiB write cost the kernel several times as much).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpilledColumn } from '@vigil/core';
import { SpillWriter } from '../../src/files/spill-writer';

function valuesOf(bytes: Buffer, column: SpilledColumn): Float64Array {
  const values = new Float64Array(column.rows);
  let k = 0;
  for (let s = 0; s < column.segments.length; s += 2)
    for (let i = 0; i < column.segments[s + 1]!; i++) values[k++] = bytes.readDoubleLE(column.segments[s]! + i * 8);
  expect(k).toBe(column.rows);
  return values;
}

/** Same bits (NaN included), without a diff of half a million numbers. */
const same = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('SpillWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-spill-writer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends whole columns of several MiB (Parquet) and reads them back from their segments', async () => {
    const path = join(dir, 'columns.spill');
    const writer = new SpillWriter(path, ['a', 'b'], 0);
    const a = Float64Array.from({ length: 450_001 }, (_, i) => i * 0.5 - 7); // 3.4 MiB
    const b = Float64Array.from({ length: 450_001 }, (_, i) => (i % 3 === 0 ? Number.NaN : -i));
    writer.appendColumn(0, a);
    writer.appendColumn(1, b);
    const spilled = writer.finish();
    const bytes = await readFile(path);
    expect(bytes.length).toBe((a.length + b.length) * 8);
    expect(same(valuesOf(bytes, spilled.a!), a)).toBe(true);
    expect(same(valuesOf(bytes, spilled.b!), b)).toBe(true);
  });

  it('flushes blocks of rows larger than one write (CSV), the last one partly filled', async () => {
    const path = join(dir, 'rows.spill');
    const columns = 3;
    const writer = new SpillWriter(path, ['x', 'y', 'z'], columns, 3 * 1024 * 1024);
    const rows = writer.blockRows * 2 + 1234;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) writer.block[c * writer.blockRows + writer.row] = r * 10 + c;
      writer.endRow();
    }
    const spilled = writer.finish();
    const bytes = await readFile(path);
    for (const [c, name] of ['x', 'y', 'z'].entries()) {
      expect(spilled[name]!.rows).toBe(rows);
      expect(
        same(
          valuesOf(bytes, spilled[name]!),
          Float64Array.from({ length: rows }, (_, r) => r * 10 + c),
        ),
      ).toBe(true);
    }
  });

  it('ends rows of a block without columns (a CSV with no numeric column to spill) and writes nothing', async () => {
    const path = join(dir, 'none.spill');
    const writer = new SpillWriter(path, [], 0);
    for (let r = 0; r < 1000; r++) writer.endRow();
    expect(writer.finish()).toEqual({});
    expect((await readFile(path)).length).toBe(0);
  });
});
