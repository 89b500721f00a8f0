/**
 * Reading a CSV in chunks, in memory or with `spill` (vigil report beyond its memory budget), gives the table and
 * values of reading it whole: small chunks and blocks so that rows, quoted newlines and blocks cross chunk ends.
 * Parquet with `spill` is read a column at a time, to the same columns.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError, seededRandom, type SpilledColumn, type Table } from '@vigil/core';
import { readTable, readTableBytes, type ReadTableResult } from '@vigil/collector';

const FIXTURES = join(__dirname, '..', 'fixtures');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-spill-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A spilled column's values, read here on their own (the analysis reads them in @vigil/analyzers). */
function readBack(column: SpilledColumn): number[] {
  const out = new Float64Array(column.rows);
  const bytes = new Uint8Array(out.buffer);
  const fd = openSync(column.path, 'r');
  let at = 0;
  for (let s = 0; s < column.segments.length; s += 2) {
    const length = column.segments[s + 1]! * 8;
    readSync(fd, bytes, at, length, column.segments[s]!);
    at += length;
  }
  closeSync(fd);
  return [...out];
}

/** Every column as plain values: numbers (spilled ones read back) or category names (null when missing). */
function materialise(result: ReadTableResult): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, column] of result.table.columns) {
    const spilled = result.spilled?.[name];
    if (spilled) out[name] = readBack(spilled);
    else if (column.kind === 'numeric') out[name] = [...column.values];
    else out[name] = [...column.codes].map((c) => (c < 0 ? null : column.categories[c]));
  }
  return out;
}

function csv(rows: number, seed: number, brokenRow = -1): string {
  const random = seededRandom(seed);
  const lines = ['a,"b",note,late,score'];
  for (let i = 0; i < rows; i++) {
    const a = random() < 0.05 ? '' : (random() * 200 - 100).toFixed(random() < 0.5 ? 3 : 12);
    const b = random() < 0.05 ? 'NA' : String(Math.round(random() * 40));
    // Quoted notes, some with a newline and an escaped quote inside, so rows span lines and chunk ends.
    const note = random() < 0.2 ? `"line one\nline ""two"" ${i}"` : random() < 0.5 ? 'plain' : '';
    // A column of numbers until row 250, then text: the in-memory reader makes it categorical.
    const late = i === 250 ? 'n/a' : String(i % 7);
    lines.push(i === brokenRow ? '1,2,x' : `${a},${b},${note},${late},${random().toFixed(6)}`);
    if (i % 97 === 0) lines.push('');
  }
  // LF and CRLF line ends mixed.
  return lines.map((line, i) => `${line}${i % 3 === 0 ? '\r\n' : '\n'}`).join('');
}

/** The file parsed whole from its bytes (readCsv over all of them), what chunks must give back. */
function readWhole(path: string, options: Parameters<typeof readTable>[1] = {}): Promise<ReadTableResult> {
  return readTableBytes(readFileSync(path), path, options);
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(isVigilError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a failure');
}

describe('readTable in chunks, in memory', () => {
  it.each([64, 100, 4096, 16 * 1024 * 1024])(
    'reads a CSV to the same columns as reading it whole (chunks of %i bytes)',
    async (chunkBytes) => {
      const path = join(dir, 'memory.csv');
      await writeFile(path, csv(600, 7));
      const whole = await readWhole(path);
      const chunked = await readTable(path, { chunkBytes });
      expect(chunked.table.rowCount).toBe(600);
      expect(chunked.inferred).toEqual(whole.inferred);
      // The column that turns to text at row 250, past the first chunk when chunks are small: read again.
      expect(chunked.inferred.late).toBe('categorical');
      expect(chunked.spilled).toBeUndefined();
      expect(materialise(chunked)).toEqual(materialise(whole));
      // Numbers are shared with the analysis threads, as reading whole puts them.
      const a = chunked.table.columns.get('a') as { values: Float64Array };
      expect(a.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    },
  );

  it("keeps the rows of a block when a long row grows the row parser's memory", async () => {
    // 30 short rows, one with a 300 KB category (its piece is larger than the parser's memory held), 30 more: the
    // block's first 30 rows were written before the memory grew and must be flushed from the grown memory.
    const path = join(dir, 'long-row.csv');
    const random = seededRandom(13);
    const row = (i: number, note: string): string => `${(random() * 10).toFixed(4)},${note},${i}`;
    const lines = ['x,note,i'];
    for (let i = 0; i < 30; i++) lines.push(row(i, 'short'));
    lines.push(row(30, 'y'.repeat(300_000)));
    for (let i = 31; i < 61; i++) lines.push(row(i, 'short'));
    await writeFile(path, `${lines.join('\n')}\n`);
    const whole = await readWhole(path);
    for (const options of [{}, { spill: { path: join(dir, 'long-row.spill'), blockBytes: 8 * 2 * 100 } }]) {
      const chunked = await readTable(path, { ...options, chunkBytes: 1024 });
      expect(chunked.table.rowCount).toBe(61);
      expect(materialise(chunked)).toEqual(materialise(whole));
    }
  });

  it.each([
    ['CSV', ','],
    ['TSV', '\t'],
  ])('cuts chunks where reading whole ends rows when an unquoted field holds a quote (%s)', async (_name, sep) => {
    // `12" pipe` is text in an unquoted field; a quoted field after it holds line feeds. Counting quotes took the
    // line feed inside that field for a row end, and the chunk's rows then ended in a quote never closed.
    const path = join(dir, `bare-quote.${sep === ',' ? 'csv' : 'tsv'}`);
    const random = seededRandom(17);
    const lines = [['\ufeff"x"', ' "item"', 'score'].join(sep)];
    for (let i = 0; i < 200; i++) {
      const item =
        i % 9 === 1
          ? `12" pipe ${i % 3}`
          : i % 9 === 4
            ? ` "two\nlines, ""q"" ${i % 2}"`
            : i % 9 === 6
              ? 'a "b" c'
              : 'plain';
      lines.push([(random() * 100).toFixed(5), item, random().toFixed(4)].join(sep));
    }
    await writeFile(path, `${lines.join('\r\n')}\r\n`);
    const whole = await readWhole(path);
    expect(whole.table.rowCount).toBe(200);
    for (const chunkBytes of [64, 100, 333, 4096]) {
      for (const options of [
        {},
        { spill: { path: join(dir, `bare-quote-${chunkBytes}.spill`), blockBytes: 8 * 16 } },
      ]) {
        const chunked = await readTable(path, { ...options, chunkBytes });
        expect(chunked.table.rowCount).toBe(200);
        expect(chunked.inferred).toEqual(whole.inferred);
        expect(materialise(chunked)).toEqual(materialise(whole));
      }
    }
  });

  it('reads a file whose first row does not fit in the first chunk beside its header', async () => {
    // Before, the first piece ended at the header and the file read as 'a header but no data rows'.
    const path = join(dir, 'first-row.csv');
    const lines = ['\n', 'aaaaaaaaaa,bbbbbbbbbb,cccccccccc'];
    for (let i = 0; i < 20; i++) lines.push(`${'1'.repeat(40)}.5,${i},x${'y'.repeat(40 + i)}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    const whole = await readWhole(path);
    for (const spill of [undefined, { path: join(dir, 'first-row.spill'), blockBytes: 64 }]) {
      for (const chunkBytes of [16, 64, 100]) {
        const chunked = await readTable(path, { chunkBytes, ...(spill && { spill }) });
        expect(chunked.table.rowCount).toBe(20);
        expect(materialise(chunked)).toEqual(materialise(whole));
      }
    }
  });

  it('reads the columns asked for, given kinds and a TSV as reading whole does', async () => {
    const path = join(dir, 'memory.tsv');
    await writeFile(path, csv(300, 9).replaceAll(',', '\t'));
    const options = { columns: ['score', 'b', 'a'], types: { b: 'categorical' as const } };
    const whole = await readWhole(path, options);
    const chunked = await readTable(path, { ...options, chunkBytes: 128 });
    expect([...chunked.table.columns.keys()]).toEqual(['score', 'b', 'a']);
    expect(chunked.inferred).toEqual(whole.inferred);
    expect(chunked.table.columns.get('b')?.kind).toBe('categorical');
    expect(materialise(chunked)).toEqual(materialise(whole));
  });

  it('reports a bad row, and a text value in a column given numeric, with the lines reading whole reports', async () => {
    const path = join(dir, 'memory-broken.csv');
    await writeFile(path, csv(400, 5, 333));
    const whole = await errorOf(readWhole(path));
    expect(whole).toMatch(/memory-broken\.csv:\d+: expected 5 fields as in the header, found 3/);
    expect(await errorOf(readTable(path, { chunkBytes: 100 }))).toBe(whole);
    const typed = { types: { late: 'numeric' as const } };
    const given = await errorOf(readTable(path, { ...typed, chunkBytes: 100 }));
    expect(given).toBe(await errorOf(readWhole(path, typed)));
    expect(given).toContain('column "late": "n/a" is not a number');
  });
});

describe('readTable with spill', () => {
  it.each([
    ['tiny chunks and blocks', { chunkBytes: 64, blockBytes: 8 * 5 * 3 }],
    ['chunks that hold many rows', { chunkBytes: 4096, blockBytes: 8 * 1024 }],
  ])('reads a CSV to the same columns as reading it whole (%s)', async (_name, sizes) => {
    const path = join(dir, 'mixed.csv');
    await writeFile(path, csv(600, 3));
    const whole = await readWhole(path);
    const spilled = await readTable(path, {
      chunkBytes: sizes.chunkBytes,
      spill: { path: join(dir, `mixed-${sizes.chunkBytes}.spill`), keep: ['score'], blockBytes: sizes.blockBytes },
    });
    expect(spilled.table.rowCount).toBe(whole.table.rowCount);
    expect(spilled.inferred).toEqual(whole.inferred);
    expect(spilled.inferred.late).toBe('categorical');
    expect(Object.keys(spilled.spilled ?? {}).sort()).toEqual(['a', 'b']);
    // The kept numeric column stays in the table; a spilled one is there, empty.
    expect((spilled.table.columns.get('score') as { values: Float64Array }).values.length).toBe(600);
    expect((spilled.table.columns.get('a') as { values: Float64Array }).values.length).toBe(0);
    expect(materialise(spilled)).toEqual(materialise(whole));
  });

  it('reads a CSV with no numeric column to spill (categories and a kept score) as reading it whole', async () => {
    const path = join(dir, 'categories.csv');
    const random = seededRandom(11);
    const lines = ['region,score'];
    for (let i = 0; i < 300; i++) lines.push(`${['north', 'south', 'east'][i % 3]},${random().toFixed(6)}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    const whole = await readWhole(path);
    const spilled = await readTable(path, {
      chunkBytes: 256,
      spill: { path: join(dir, 'categories.spill'), keep: ['score'], blockBytes: 64 },
    });
    expect(spilled.table.rowCount).toBe(300);
    expect(spilled.inferred).toEqual({ region: 'categorical', score: 'numeric' });
    expect(spilled.spilled ?? {}).toEqual({});
    expect(materialise(spilled)).toEqual(materialise(whole));
  });

  it('reports a bad row with the line reading whole reports', async () => {
    // A row with a missing field, past the first chunks.
    const path = join(dir, 'broken.csv');
    await writeFile(path, csv(400, 5, 333));
    const whole = await errorOf(readWhole(path));
    expect(whole).toMatch(/broken\.csv:\d+: expected 5 fields as in the header, found 3/);
    expect(await errorOf(readTable(path, { chunkBytes: 100, spill: { path: join(dir, 'broken.spill') } }))).toBe(whole);
    const given = await errorOf(
      readTable(path, { types: { late: 'numeric' }, chunkBytes: 100, spill: { path: join(dir, 'typed.spill') } }),
    );
    expect(given).toBe(await errorOf(readWhole(path, { types: { late: 'numeric' } })));
    expect(given).toContain('column "late": "n/a" is not a number');
  });

  it('reads a Parquet file a column at a time to the same columns', async () => {
    for (const name of ['typed-snappy.parquet', 'typed-zstd.parquet']) {
      const path = join(FIXTURES, name);
      const whole = await readTable(path);
      const spilled = await readTable(path, { spill: { path: join(dir, `${name}.spill`) } });
      const numeric = [...whole.table.columns.values()].filter((c) => c.kind === 'numeric').map((c) => c.name);
      expect(numeric.length).toBeGreaterThan(0);
      expect(Object.keys(spilled.spilled ?? {}).sort()).toEqual([...numeric].sort());
      expect(materialise(spilled)).toEqual(materialise(whole));
      expect(spilled.table.rowCount).toBe((whole.table as Table).rowCount);
    }
  });
});
