/**
 * The typed page decoder against hyparquet's row reader on files pyarrow wrote (fixtures/make_parquet.py: row groups
 * of 1,000 rows and one of 1, pages of ~100 rows, dictionary and PLAIN pages, nulls, all-null and constant
 * columns, INT64 past 2^53, FLOAT, INT32; the same table as v2 pages, which hyparquet's decoder takes), and its
 * RLE / bit-packed decoding against a straightforward encoder on random values.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readTable } from '@vigil/collector';
import { readNumericLeaf, type LeafPageCounts } from '../../src/files/parquet-numeric-leaf';
import {
  countDefined,
  decodeTypedPage,
  gatherRleHybrid,
  readPlainNumbers,
  readRleHybrid,
} from '../../src/files/parquet-typed-page';
import { encodeHybrid, widthAndValues } from '../helpers/rle-hybrid';

const FIXTURES = join(__dirname, '..', 'fixtures');

async function compareWithHyparquet(path: string): Promise<LeafPageCounts> {
  const [{ parquetMetadataAsync, parquetReadObjects, parquetSchema }, { compressors }] = await Promise.all([
    import('hyparquet'),
    import('hyparquet-compressors'),
  ]);
  const handle = await open(path, 'r');
  const counts: LeafPageCounts = { typed: {}, general: 0 };
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
    expect(rows).toHaveLength(3001);
    for (const child of parquetSchema(metadata).children) {
      const name = child.element.name;
      const out = new Float64Array(rows.length).fill(-12345);
      expect({ name, fast: await readNumericLeaf(file, metadata, [name], out, compressors, counts) }).toEqual({
        name,
        fast: true,
      });
      const expected = rows.map((r) => (r[name] === null || r[name] === undefined ? Number.NaN : Number(r[name])));
      expect({ name, values: [...out] }).toEqual({ name, values: expected });
    }
  } finally {
    await handle.close();
  }
  return counts;
}

describe('typed Parquet pages', () => {
  it('v1 pages (dictionary, PLAIN, nulls, odd row groups) decode as hyparquet reads them, all on the typed path', async () => {
    const counts = await compareWithHyparquet(join(FIXTURES, 'pages-v1.parquet'));
    expect(counts.general).toBe(0);
    // Both encodings are exercised: dictionary pages and PLAIN ones (dictionary off, or fallen back to past its limit).
    expect(counts.typed.RLE_DICTIONARY).toBeGreaterThan(40);
    expect(counts.typed.PLAIN).toBeGreaterThan(40);
  });

  it('v2 pages still go through hyparquet and read the same', async () => {
    const counts = await compareWithHyparquet(join(FIXTURES, 'pages-v2.parquet'));
    expect(counts.general).toBeGreaterThan(40);
    expect(Object.keys(counts.typed)).toEqual([]);
  });

  it('readTable reads the v1 and v2 files to the same columns', async () => {
    const v1 = (await readTable(join(FIXTURES, 'pages-v1.parquet'))).table;
    const v2 = (await readTable(join(FIXTURES, 'pages-v2.parquet'))).table;
    expect(v1.rowCount).toBe(3001);
    for (const [name, column] of v2.columns) {
      const other = v1.columns.get(name);
      expect(other?.kind).toBe('numeric');
      if (column.kind === 'numeric' && other?.kind === 'numeric') expect([...other.values]).toEqual([...column.values]);
    }
  });

  it('a spilled read writes the typed columns to the spill file as an in-memory read holds them', async () => {
    const path = join(FIXTURES, 'pages-v1.parquet');
    const spillPath = join(tmpdir(), `vigil-typed-page-${process.pid}.spill`);
    const held = (await readTable(path)).table;
    const spilled = await readTable(path, { spill: { path: spillPath, keep: [] } });
    try {
      const bytes = await readFile(spillPath);
      for (const [name, info] of Object.entries(spilled.spilled ?? {})) {
        const column = held.columns.get(name);
        if (column?.kind !== 'numeric') throw new Error(`${name} is not numeric`);
        const values: number[] = [];
        for (let s = 0; s < info.segments.length; s += 2)
          for (let i = 0; i < info.segments[s + 1]!; i++) values.push(bytes.readDoubleLE(info.segments[s]! + i * 8));
        expect(values).toHaveLength(3001);
        expect({ name, values }).toEqual({
          name,
          values: [...column.values],
        });
      }
      expect(Object.keys(spilled.spilled ?? {})).toHaveLength(10);
    } finally {
      await rm(spillPath, { force: true });
    }
  });
});

describe('readRleHybrid', () => {
  it('decodes what a straightforward encoder wrote, for every bit width up to 24', () => {
    fc.assert(
      fc.property(widthAndValues, ([width, values]) => {
        const encoded = encodeHybrid(values, width);
        const out = new Int32Array(values.length);
        const end = readRleHybrid(encoded, 0, encoded.length, width, out, values.length);
        expect([...out]).toEqual(values);
        expect(end).toBe(encoded.length);
      }),
    );
  });

  it('reads a run header of several varint bytes and stops at the count inside a padded bit-packed run', () => {
    // An RLE run of 200 (header 400 = 0x90 0x03) of the value 5, then a bit-packed group of 8 of which 3 are wanted.
    const bytes = Uint8Array.from([0x90, 0x03, 5, 0x03, 0b00100111, 0, 0]);
    const out = new Int32Array(203);
    readRleHybrid(bytes, 0, bytes.length, 2, out, 203);
    expect([...out.subarray(0, 200)].every((v) => v === 5)).toBe(true);
    expect([...out.subarray(200)]).toEqual([3, 1, 2]);
  });

  it('fails on data that ends before the count instead of reading past it', () => {
    const bytes = Uint8Array.from([0x03, 0xff]); // one bit-packed group of 8 at width 2 needs 2 bytes
    expect(() => readRleHybrid(bytes, 0, bytes.length, 2, new Int32Array(8), 8)).toThrow(/past the end/);
    expect(() => readRleHybrid(Uint8Array.from([0x04, 1]), 0, 2, 1, new Int32Array(3), 3)).toThrow(/ends after 2/);
  });
});

describe('gatherRleHybrid', () => {
  // One dictionary for every width: an entry for each 24-bit index.
  const dictionary = new Float64Array(2 ** 24);
  for (let i = 0; i < dictionary.length; i++) dictionary[i] = i * 0.5 - 3;

  it('writes dictionary[index] for what readRleHybrid decodes, at every bit width up to 24, and returns the largest index', () => {
    fc.assert(
      fc.property(widthAndValues, fc.integer({ min: 0, max: 5 }), fc.boolean(), ([width, values], row, trailing) => {
        // With `trailing` the encoded runs are followed by bytes of another page; without, they end the array,
        // so the last values' four-byte reads run past it.
        const encoded = encodeHybrid(values, width);
        const bytes = new Uint8Array(encoded.length + (trailing ? 7 : 0)).fill(0xff);
        bytes.set(encoded);
        const indices = new Int32Array(values.length);
        readRleHybrid(encoded, 0, encoded.length, width, indices, values.length);
        const largest = Math.max(...values);
        const out = new Float64Array(row + values.length + 2).fill(9);
        expect(gatherRleHybrid(bytes, 0, encoded.length, width, dictionary, out, row, values.length)).toBe(largest);
        expect([...out]).toEqual([
          ...Array<number>(row).fill(9),
          ...[...indices].map((index) => dictionary[index]!),
          9,
          9,
        ]);
      }),
      { numRuns: 1000 },
    );
  });

  it('stops at the count inside a padded bit-packed run and fails on data that ends early', () => {
    const bytes = Uint8Array.from([0x90, 0x03, 1, 0x03, 0b00100111, 0, 0]);
    const out = new Float64Array(203);
    expect(gatherRleHybrid(bytes, 0, bytes.length, 2, Float64Array.from([0, 10, 20, 30]), out, 0, 203)).toBe(3);
    expect([...out.subarray(0, 200)].every((v) => v === 10)).toBe(true);
    expect([...out.subarray(200)]).toEqual([30, 10, 20]);
    const dictionary = new Float64Array(4);
    expect(() =>
      gatherRleHybrid(Uint8Array.from([0x03, 0xff]), 0, 2, 2, dictionary, new Float64Array(8), 0, 8),
    ).toThrow(/past the end/);
    expect(() => gatherRleHybrid(Uint8Array.from([0x04, 1]), 0, 2, 1, dictionary, new Float64Array(3), 0, 3)).toThrow(
      /ends after 2/,
    );
  });
});

describe('countDefined', () => {
  it('counts the 1s readRleHybrid decodes from width-1 levels, runs and bit-packed groups alike', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(0, 1), fc.constant(1)), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 0, max: 9 }),
        (levels, short) => {
          const encoded = encodeHybrid(levels, 1);
          const count = Math.max(1, levels.length - short);
          const decoded = new Int32Array(count);
          readRleHybrid(encoded, 0, encoded.length, 1, decoded, count);
          expect(countDefined(encoded, 0, encoded.length, count)).toBe(decoded.reduce((a, b) => a + b, 0));
        },
      ),
      { numRuns: 3000 },
    );
    expect(() => countDefined(Uint8Array.from([0x05, 0xff]), 0, 2, 16)).toThrow(/past the end/);
    expect(() => countDefined(Uint8Array.from([0x04, 1]), 0, 2, 3)).toThrow(/ends after 2/);
  });
});

describe('readPlainNumbers and decodeTypedPage', () => {
  it('INT64 values round as Number(bigint) does, past 2^53 and negative', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 50 }), (values) => {
        const bytes = new Uint8Array(values.length * 8 + 3);
        const view = new DataView(bytes.buffer);
        values.forEach((v, i) => view.setBigInt64(3 + i * 8, v, true)); // unaligned on purpose
        expect([...readPlainNumbers(bytes, 3, 'INT64', values.length)]).toEqual(values.map((v) => Number(v)));
      }),
    );
  });

  it('a PLAIN page with nulls puts its values on the defined rows and NaN on the others', () => {
    const levels = encodeHybrid([1, 0, 1, 1, 0], 1);
    const page = new Uint8Array(4 + levels.length + 3 * 8);
    new DataView(page.buffer).setUint32(0, levels.length, true);
    page.set(levels, 4);
    const view = new DataView(page.buffer, 4 + levels.length);
    [1.5, -2, 1e300].forEach((v, i) => view.setFloat64(i * 8, v, true));
    const out = new Float64Array(7).fill(9);
    expect(decodeTypedPage(page, 'PLAIN', 'DOUBLE', 1, 5, undefined, out, 1)).toBe(true);
    expect([...out]).toEqual([9, 1.5, Number.NaN, -2, 1e300, Number.NaN, 9]);
  });

  it('a PLAIN page with no nulls and a dictionary-coded one write their rows straight into the column', () => {
    const plain = new Uint8Array(3 * 8);
    [1.5, -2, 1e300].forEach((v, i) => new DataView(plain.buffer).setFloat64(i * 8, v, true));
    const out = new Float64Array(6).fill(9);
    expect(decodeTypedPage(plain, 'PLAIN', 'DOUBLE', 0, 3, undefined, out, 2)).toBe(true);
    expect([...out]).toEqual([9, 9, 1.5, -2, 1e300, 9]);
    // Levels of a required-looking optional column (all defined), then indices at width 2.
    const levels = encodeHybrid([1, 1, 1, 1], 1);
    const indices = encodeHybrid([2, 0, 1, 2], 2);
    const page = new Uint8Array(4 + levels.length + 1 + indices.length);
    new DataView(page.buffer).setUint32(0, levels.length, true);
    page.set(levels, 4);
    page[4 + levels.length] = 2;
    page.set(indices, 5 + levels.length);
    const column = new Float64Array(5).fill(9);
    expect(decodeTypedPage(page, 'RLE_DICTIONARY', 'DOUBLE', 1, 4, Float64Array.from([-1, 0.5, 7]), column, 1)).toBe(
      true,
    );
    expect([...column]).toEqual([9, 7, -1, 0.5, 7]);
  });

  it('a dictionary index past the dictionary is an error, and other encodings are left to hyparquet', () => {
    const indices = encodeHybrid([0, 1, 2], 2);
    const page = Uint8Array.from([2, ...indices]);
    const dictionary = Float64Array.from([10, 20]);
    expect(() => decodeTypedPage(page, 'RLE_DICTIONARY', 'DOUBLE', 0, 3, dictionary, new Float64Array(3), 0)).toThrow(
      /dictionary index 2 past its 2 values/,
    );
    const out = new Float64Array(3).fill(7);
    expect(decodeTypedPage(page, 'DELTA_BINARY_PACKED', 'INT64', 0, 3, undefined, out, 0)).toBe(false);
    expect([...out]).toEqual([7, 7, 7]);
  });
});
