import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpilledColumn } from '@vigil/core';
import {
  readSpilledColumn,
  readSpilledRows,
  readSpilledSample,
  type SampledColumn,
} from '../../src/report/spilled-column';

describe('readSpilledRows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-spill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // 25 values in three segments, interleaved with another column's bytes, as a chunked reader writes them.
  const values = Float64Array.from({ length: 25 }, (_, i) => i * 1.5 - 7);
  const other = new Float64Array(5).fill(99);
  const parts = [values.subarray(0, 10), other, values.subarray(10, 13), other, values.subarray(13)];
  const path = join(dir, 'spill');
  writeFileSync(path, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  const column: SpilledColumn = { path, rows: 25, segments: [0, 10, 15 * 8, 3, 23 * 8, 12] };

  test('reads any row range across segment boundaries, as the whole column read holds it', () => {
    expect(readSpilledColumn(column)).toEqual(values);
    for (const [from, to] of [
      [0, 25],
      [0, 10],
      [9, 11],
      [10, 13],
      [12, 14],
      [5, 20],
      [24, 25],
      [3, 3],
    ] as const) {
      const into = new Float64Array(to - from);
      readSpilledRows(column, from, to, into);
      expect([from, to, [...into]]).toEqual([from, to, [...values.subarray(from, to)]]);
    }
  });

  test('reads the whole column into the start of a longer buffer, or into a new array when it is too short', () => {
    const into = new Float64Array(40).fill(-1);
    const got = readSpilledColumn(column, into);
    expect(got.buffer).toBe(into.buffer);
    expect(got).toEqual(values);
    expect([...into.subarray(25)]).toEqual(new Array(15).fill(-1));
    const short = new Float64Array(10);
    expect(readSpilledColumn(column, short).buffer).not.toBe(short.buffer);
    expect(readSpilledColumn(column, short)).toEqual(values);
  });
});

describe("the surrogate's sample kept aside while a column is read (decision 0035)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-spill-sample-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const values = Float64Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? Number.NaN : i * 0.25 - 3));
  const path = join(dir, 'spill');
  writeFileSync(path, Buffer.from(values.buffer));
  const column: SpilledColumn = { path, rows: 40, segments: [0, 25, 25 * 8, 15] };
  const sampleRows = Int32Array.from([0, 3, 24, 25, 39]);

  test('a column read whole keeps the values of its sample rows, and hands them over once', () => {
    const sampled: SampledColumn = { ...column, sampleRows };
    expect(readSpilledColumn(sampled)).toEqual(values);
    const expected = Float64Array.from(sampleRows, (r) => values[r]!);
    expect(sampled.sample).toEqual(expected);
    const kept = sampled.sample;
    expect(readSpilledSample(sampled, sampleRows, 8)).toBe(kept);
    expect(sampled.sample).toBeUndefined();
    // Once handed over, or without a sample, the rows are read from the file: the same values.
    expect(readSpilledSample(sampled, sampleRows, 8)).toEqual(expected);
    expect(readSpilledSample(column, sampleRows, 3)).toEqual(expected);
  });

  test('a sample of other rows than those kept aside is read from the file, never taken from the kept values', () => {
    const sampled: SampledColumn = { ...column, sampleRows, sample: new Float64Array(5).fill(42) };
    const other = Int32Array.from([1, 2, 26, 30, 38]);
    expect(readSpilledSample(sampled, other, 8)).toEqual(Float64Array.from(other, (r) => values[r]!));
    const fewer = Int32Array.from([0, 3, 24, 25]);
    expect(readSpilledSample(sampled, fewer, 8)).toEqual(Float64Array.from(fewer, (r) => values[r]!));
  });
});
