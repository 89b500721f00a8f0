/**
 * The page-by-page decoding of flat number columns gives what hyparquet's own row reader gives, column by column:
 * dictionary and plain pages, nulls, INT64 and FLOAT, ZSTD and Snappy (the fixtures were written by pyarrow).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { readTable } from '@vigil/collector';
import { readNumericLeaf } from '../../src/files/parquet-numeric-leaf';

const FILES = [
  join(__dirname, '..', 'fixtures', 'typed-zstd.parquet'),
  join(__dirname, '..', 'fixtures', 'typed-snappy.parquet'),
  join(__dirname, '../../../daemon/test/golden/large/current.parquet'),
];

describe('readNumericLeaf', () => {
  it.each(FILES)('%s: every flat number column as hyparquet reads it', async (path) => {
    const [{ parquetMetadataAsync, parquetReadObjects, parquetSchema }, { compressors }] = await Promise.all([
      import('hyparquet'),
      import('hyparquet-compressors'),
    ]);
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const file = {
        byteLength: size,
        slice: async (start: number, end?: number): Promise<ArrayBuffer> => {
          const buffer = Buffer.alloc((end ?? size) - start);
          await handle.read(buffer, 0, buffer.length, start);
          return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
        },
      };
      const metadata = await parquetMetadataAsync(file);
      const rows = await parquetReadObjects({ file, metadata, compressors });
      let decoded = 0;
      for (const child of parquetSchema(metadata).children) {
        const name = child.element.name;
        const out = new Float64Array(rows.length);
        const fast = await readNumericLeaf(file, metadata, [name], out, compressors);
        const plainNumber =
          ['DOUBLE', 'FLOAT', 'INT32', 'INT64'].includes(child.element.type ?? '') &&
          child.element.logical_type === undefined &&
          child.element.converted_type === undefined;
        expect({ name, fast }).toEqual({ name, fast: plainNumber });
        if (!fast) continue;
        decoded++;
        const expected = rows.map((r) => (r[name] === null || r[name] === undefined ? Number.NaN : Number(r[name])));
        expect([...out]).toEqual(expected);
      }
      expect(decoded).toBeGreaterThan(0);
    } finally {
      await handle.close();
    }
  });

  it('readTable reads the golden Parquet file to the numbers of its CSV twin', async () => {
    const dir = join(__dirname, '../../../daemon/test/golden/large');
    const parquet = (await readTable(join(dir, 'current.parquet'))).table;
    const csv = (await readTable(join(dir, 'current.csv'))).table;
    for (const [name, column] of csv.columns) {
      if (column.kind !== 'numeric') continue;
      const other = parquet.columns.get(name);
      expect(other?.kind).toBe('numeric');
      if (other?.kind === 'numeric') expect([...other.values]).toEqual([...column.values]);
    }
  });
});
