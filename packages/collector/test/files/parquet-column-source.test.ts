/**
 * Number columns a spilled read leaves in their Parquet file (decision 0035): decoded on demand to what the reader
 * holds in memory, and a file changed since it was read is a file error naming it, never a wrong value.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpilledColumn } from '@vigil/core';
import {
  closeParquetColumnSources,
  forEachParquetColumnPiece,
  loadParquetColumnSource,
  PARQUET_COLUMN_DECODER,
  readParquetColumn,
  readParquetColumnRows,
} from '../../src/files/parquet-column-source';
import { parquetDecodedBytes } from '../../src/files/parquet-reader';
import { readTable } from '../../src/files/read-table';

const FIXTURES = join(__dirname, '../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'vigil-pq-source-'));
afterAll(() => {
  closeParquetColumnSources();
  rmSync(dir, { recursive: true, force: true });
});

test.each(['pages-v1.parquet', 'pages-v2.parquet', 'typed-snappy.parquet', 'typed-zstd.parquet'])(
  '%s: every flat number column is left in the file and decodes to the in-memory values',
  async (file) => {
    const path = join(FIXTURES, file);
    const held = (await readTable(path)).table;
    const spillPath = join(dir, `${file}.spill`);
    const result = await readTable(path, { spill: { path: spillPath, keep: [], leaveParquet: true } });
    await loadParquetColumnSource();
    const left = Object.entries(result.spilled ?? {}).filter(([, c]) => c.parquet !== undefined);
    expect(left.length).toBeGreaterThan(0);
    // Columns left in the file are not read up front: the table holds them empty, and when every spilled column is
    // left there, no spill file is written at all.
    for (const [name] of left)
      expect(result.table.columns.get(name)).toMatchObject({ kind: 'numeric', values: new Float64Array(0) });
    const written = Object.values(result.spilled ?? {}).some((c) => c.parquet === undefined);
    expect(existsSync(spillPath)).toBe(written);
    for (const [name, column] of left) {
      const values = held.columns.get(name);
      expect(values?.kind).toBe('numeric');
      expect({ name, values: readParquetColumn(column) }).toEqual({
        name,
        values: values?.kind === 'numeric' ? values.values : undefined,
      });
    }
  },
);

test('row ranges across row-group boundaries (1,000 / 1,000 / 1,000 / 1 rows) and pieces of any size read the same', async () => {
  const path = join(FIXTURES, 'pages-v1.parquet');
  const held = (await readTable(path)).table;
  const result = await readTable(path, { spill: { path: join(dir, 'ranges.spill'), keep: [], leaveParquet: true } });
  await loadParquetColumnSource();
  for (const [name, column] of Object.entries(result.spilled ?? {})) {
    expect(column).toMatchObject({
      path,
      rows: 3001,
      segments: [],
      parquet: { column: [name], decoder: PARQUET_COLUMN_DECODER },
    });
    const c = held.columns.get(name);
    const values = c?.kind === 'numeric' ? c.values : new Float64Array(0);
    for (const [from, to] of [
      [0, 3001],
      [999, 1001],
      [1000, 2000],
      [1500, 3001],
      [3000, 3001],
      [7, 7],
    ] as const) {
      const into = new Float64Array(to - from);
      readParquetColumnRows(column, from, to, into);
      expect({ name, from, to, into }).toEqual({ name, from, to, into: values.subarray(from, to) });
    }
    const pieces: number[] = [];
    forEachParquetColumnPiece(column, 333, (piece) => {
      expect(piece.length).toBeLessThanOrEqual(333);
      pieces.push(...piece);
    });
    expect(pieces).toEqual([...values]);
  }
});

test('without leaveParquet the columns are written to the spill file as before', async () => {
  const path = join(FIXTURES, 'pages-v1.parquet');
  const result = await readTable(path, { spill: { path: join(dir, 'written.spill'), keep: [] } });
  const columns = Object.values(result.spilled ?? {});
  expect(columns).toHaveLength(10);
  for (const c of columns) expect(c.parquet).toBeUndefined();
});

test('a file cut short after it was read is a VIGIL_FILE_FORMAT error naming it', async () => {
  const path = join(dir, 'cut.parquet');
  copyFileSync(join(FIXTURES, 'pages-v1.parquet'), path);
  const result = await readTable(path, { spill: { path: join(dir, 'cut.spill'), keep: [], leaveParquet: true } });
  await loadParquetColumnSource();
  closeParquetColumnSources();
  truncateSync(path, 5000);
  const column = result.spilled!['dict_nulls'] as SpilledColumn;
  expect(() => readParquetColumn(column)).toThrow(expect.objectContaining({ code: 'VIGIL_FILE_FORMAT' }));
  expect(() => readParquetColumn(column)).toThrow(path);
});

test("a Parquet file's float64 footprint comes from its footer (rows × columns × 8); other files have none", async () => {
  const path = join(FIXTURES, 'pages-v1.parquet');
  const { table } = await readTable(path);
  expect(await parquetDecodedBytes(path)).toBe(table.rowCount * table.columns.size * 8);
  const notParquet = join(dir, 'not.parquet');
  copyFileSync(join(FIXTURES, 'pages-v1.parquet'), notParquet);
  truncateSync(notParquet, 100);
  expect(await parquetDecodedBytes(notParquet)).toBeUndefined();
  expect(await parquetDecodedBytes(join(dir, 'missing.parquet'))).toBeUndefined();
});

test('a FIFO has no footer to read ahead: it is neither opened nor drained (`--current <(…)`)', async () => {
  const fifo = join(dir, 'current.fifo');
  execFileSync('mkfifo', [fifo]);
  // No writer: opening the FIFO for reading would wait for one, for ever (the old code hung the report here).
  expect(await parquetDecodedBytes(fifo)).toBeUndefined();
  rmSync(fifo);
});

test('a column chunk that no longer decodes is the error the in-memory reader gives, naming the file as given', async () => {
  const path = join(dir, 'corrupt.parquet');
  copyFileSync(join(FIXTURES, 'pages-v1.parquet'), path);
  const { parquetMetadata } = await import('hyparquet');
  const bytes = readFileSync(path);
  const footer = bytes.readUInt32LE(bytes.length - 8);
  const metadata = parquetMetadata(bytes.subarray(bytes.length - 8 - footer).buffer.slice(0) as ArrayBuffer);
  const group = metadata.row_groups[1]!;
  const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === 'dict_nulls')!.meta_data!;
  const at = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
  // The chunk's first page header becomes bytes thrift cannot read: the footer still parses.
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(16, 0xff), 0, 16, at);
  closeSync(fd);
  const name = 'given-name.parquet';
  const result = await readTable(path, {
    name,
    spill: { path: join(dir, 'corrupt.spill'), keep: [], leaveParquet: true },
  });
  await loadParquetColumnSource();
  const column = result.spilled!['dict_nulls'] as SpilledColumn;
  let decoded: unknown;
  try {
    readParquetColumn(column);
  } catch (error) {
    decoded = error;
  }
  let inMemory: unknown;
  try {
    await readTable(path, { name });
  } catch (error) {
    inMemory = error;
  }
  expect(decoded).toMatchObject({ code: 'VIGIL_FILE_FORMAT' });
  expect((decoded as Error).message).toBe((inMemory as Error).message);
  expect((decoded as Error).message).toMatch(/^given-name\.parquet: cannot decode Parquet column "dict_nulls"/);
});
